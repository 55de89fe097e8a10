import type { Logger } from 'pino';
import type { Audience } from '../events/audience.js';
import type { EventDefinition, EventPayloadOf } from '../protocol/define-event.js';
import type { EventPublisher } from '../events/event-publisher.js';
import type { PublishOptions } from '../events/publish-options.js';
import type { AnyCommand, InputOf, ResultOf } from '../protocol/define-command.js';
import { CommandError, ErrorCode } from '../protocol/errors.js';
import type { AskOptions } from './command-context.js';
import { validatePayload } from './validate-payload.js';
import type { Identity } from '../protocol/identity.js';
import type { MiddlewareContext } from './middleware.js';
import type { InboundCommand } from './inbound-command.js';

// Declared before the class: its static block assigns them as it is defined.
/** Replaces the payload with the validated one. For the bus only. */
export let setPayload: (ctx: Invocation, payload: unknown) => void;
/** Records that the handler itself started: errors before that concern the frame as a whole. For the bus only. */
export let enterHandler: (ctx: Invocation) => void;
/** Whether the handler started. For the bus only. */
export let reachedHandler: (ctx: Invocation) => boolean;
/** Tells whoever holds `ctx.signal` that the command is over (timed out). For the bus only. */
export let abortInvocation: (ctx: Invocation, reason: unknown) => void;

/**
 * One command's run: the context handlers and middleware see, and nothing
 * more. What only the bus may change (the validated payload, whether the
 * handler started, the abort) lives in `#private` fields, reached through
 * the functions above, which this module exports for the bus alone: the
 * package never exports them, and a handler holding `ctx` cannot reach them.
 * The child logger and the abort signal are made on first use, because most
 * commands never ask for them and the hot path should not pay for them.
 */
export class Invocation implements MiddlewareContext {
  readonly #command: AnyCommand;
  readonly #inbound: InboundCommand;
  readonly #publisher: EventPublisher;
  readonly #baseLog: Logger;
  #payload: unknown;
  #reachedHandler = false;
  #log: Logger | undefined;
  #abort: AbortController | undefined;
  readonly #trace: { readonly logFields: Readonly<Record<string, string>> | undefined } | undefined;

  static {
    setPayload = (ctx, payload) => {
      ctx.#payload = payload;
    };
    enterHandler = (ctx) => {
      ctx.#reachedHandler = true;
    };
    reachedHandler = (ctx) => ctx.#reachedHandler;
    abortInvocation = (ctx, reason) => {
      (ctx.#abort ??= new AbortController()).abort(reason);
    };
  }

  /** The `logFields` of `trace` join the child logger's bindings: the trace and span ids when the command is traced. */
  constructor(command: AnyCommand, inbound: InboundCommand, publisher: EventPublisher, log: Logger, trace?: { readonly logFields: Readonly<Record<string, string>> | undefined }) {
    this.#command = command;
    this.#payload = inbound.payload;
    this.#inbound = inbound;
    this.#publisher = publisher;
    this.#baseLog = log;
    this.#trace = trace;
  }

  get command(): AnyCommand {
    return this.#command;
  }

  get payload(): unknown {
    return this.#payload;
  }

  get type(): string {
    return this.#inbound.type;
  }

  get commandId(): string | undefined {
    return this.#inbound.id;
  }

  get connectionId(): string {
    return this.#inbound.session.id;
  }

  get user(): Identity | undefined {
    return this.#inbound.session.user;
  }

  get rooms(): ReadonlySet<string> {
    return this.#inbound.session.rooms;
  }

  get log(): Logger {
    if (this.#log !== undefined) return this.#log;
    const bindings = { connectionId: this.connectionId, commandId: this.commandId, type: this.type };
    const fields = this.#trace?.logFields;
    return (this.#log = this.#baseLog.child(fields === undefined ? bindings : { ...bindings, ...fields }));
  }

  get signal(): AbortSignal {
    return (this.#abort ??= new AbortController()).signal;
  }

  publish<E extends EventDefinition>(event: E, payload: EventPayloadOf<E>, audience: Audience, options?: PublishOptions): void {
    this.#inbound.session.chargePublish?.();
    this.#publisher.publish(event, payload, audience, options);
  }

  join(room: string): Promise<void> {
    return this.#inbound.session.join(room);
  }

  leave(room: string): Promise<void> {
    return this.#inbound.session.leave(room);
  }

  identify(user: Identity): Promise<void> {
    return this.#inbound.session.identify(user);
  }

  async ask<C extends AnyCommand>(connectionId: string, request: C, payload: InputOf<C>, options?: AskOptions): Promise<ResultOf<C>> {
    const session = this.#inbound.session;
    if (session.ask === undefined) throw new CommandError(ErrorCode.UNAVAILABLE, 'this transport sends no requests to clients');
    const answer = await session.ask(connectionId, request.type, payload, { timeoutMs: options?.timeoutMs, signal: options?.signal ?? this.signal });
    // The answer is a client's word: held to the result schema when the request has one.
    return (request.resultSchema === undefined ? answer : await validatePayload(request.resultSchema, answer)) as ResultOf<C>;
  }
}
