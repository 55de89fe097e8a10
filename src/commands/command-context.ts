import type { Logger } from 'pino';
import type { Audience } from '../events/audience.js';
import type { EventDefinition, EventPayloadOf } from '../protocol/define-event.js';
import type { PublishOptions } from '../events/publish-options.js';
import type { Identity } from '../protocol/identity.js';
import type { AnyCommand, InputOf, ResultOf } from '../protocol/define-command.js';

/**
 * What a handler knows about the command it runs: who sent it, a logger
 * bound to it, and the ways to act on the world without touching a socket.
 */
export interface CommandContext {
  /** The command's wire type. */
  readonly type: string;
  /** The client's correlation id; `undefined` for fire-and-forget. */
  readonly commandId: string | undefined;
  /** The sending connection. */
  readonly connectionId: string;
  /** The sender's identity, `undefined` when anonymous. */
  readonly user: Identity | undefined;
  /** A pino child logger carrying `connectionId`, `commandId` and `type`. */
  readonly log: Logger;
  /** Aborted when the command times out: pass it to I/O that should stop too. */
  readonly signal: AbortSignal;
  /** The rooms the sender is in. */
  readonly rooms: ReadonlySet<string>;
  /** Publishes a domain event to an audience. */
  publish<E extends EventDefinition>(event: E, payload: EventPayloadOf<E>, audience: Audience, options?: PublishOptions): void;
  /** Puts the sender in a room. */
  join(room: string): Promise<void>;
  /** Takes the sender out of a room. */
  leave(room: string): Promise<void>;
  /**
   * Replaces the sender's identity, for commands that authenticate in band
   * (`session.reauth`, a sign-in command). The next command sees the new one;
   * `to.user()` follows it.
   */
  identify(user: Identity): Promise<void>;
  /**
   * Asks a client something and waits for its answer: sends `request` to
   * connection `connectionId`, on whichever node it is, as a `request`
   * frame, and resolves with the result the client answers. Rejects with the
   * client's coded error when it refuses (`UNKNOWN_COMMAND` when it has no
   * answerer for the type), `TIMEOUT` after `timeoutMs` (5 s by default),
   * `UNAVAILABLE` when the connection closes first or its protocol carries
   * no requests, and `INVALID_PAYLOAD` when the request has a result schema
   * the answer fails. Aborted with the command (`ctx.signal`) unless given
   * another `signal`.
   *
   * @example
   * const { messages } = await ctx.ask(memberId, RoomState, { room }, { timeoutMs: 1000 });
   */
  ask<C extends AnyCommand>(connectionId: string, request: C, payload: InputOf<C>, options?: AskOptions): Promise<ResultOf<C>>;
}

/**
 * How `ctx.ask` waits.
 *
 * @example
 * await ctx.ask(connectionId, Confirm, { text }, { timeoutMs: 10_000 });
 */
export interface AskOptions {
  /** How long to wait for the answer before rejecting with `TIMEOUT`, in ms. @default 5000 */
  readonly timeoutMs?: number;
  /** Stops waiting (rejecting with its reason) when aborted. @default the command's `ctx.signal` */
  readonly signal?: AbortSignal;
}
