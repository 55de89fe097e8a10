import type { CommandError } from './errors.js';
import type { CommandMeta } from './command-meta.js';
import type { Reply, WireError } from './frames.js';
import type { EventPosition } from './session-resume.js';

/** A frame the codec understood as a command. */
export interface DecodedCommand {
  readonly ok: true;
  /** Absent on a command; a client's answer to a server request is a {@link DecodedAnswer}. */
  readonly kind?: undefined;
  readonly type: string;
  readonly id: string | undefined;
  readonly payload: unknown;
  /** What the frame carried for operations (trace context); absent when it carried none. */
  readonly meta?: CommandMeta;
}

/**
 * A client's answer to a request from the server (a `result` or `error`
 * frame, in JSON-RPC a response): `id` is the server's request id, or
 * `undefined` when the frame carried none it could read (the hub then
 * ignores it, as it ignores ids it did not send).
 */
export interface DecodedAnswer {
  readonly ok: true;
  readonly kind: 'answer';
  readonly id: string | undefined;
  /** The result; `undefined` for a refusal. */
  readonly payload: unknown;
  /** Set when the client refused. */
  readonly error?: WireError;
}

/** A frame the codec could not accept; `id` is set when one could still be read. */
export interface RejectedFrame {
  readonly ok: false;
  readonly id: string | undefined;
  readonly error: CommandError;
}

/**
 * Turns wire frames into commands and replies or events into wire frames.
 * The transport calls it; the bus never sees bytes.
 */
export interface Codec {
  /** Short name, for logs. */
  readonly name: string;
  decode(data: Buffer | string, isBinary: boolean): DecodedCommand | DecodedAnswer | RejectedFrame;
  /**
   * For protocols whose frames may hold several commands (JSON-RPC 2.0
   * batches): the commands of a frame that is a batch, in order, or
   * `undefined` for any other frame, which `decode` then reads. It must tell
   * cheaply (a look at the first character), as it runs for every frame.
   * Without it every frame holds one command.
   */
  decodeBatch?(data: Buffer | string, isBinary: boolean): ReadonlyArray<DecodedCommand | RejectedFrame> | undefined;
  /** Joins the encoded replies of one batch into one frame (those `encodeReply` sent nothing for are left out). @default a JSON array */
  encodeBatch?(replies: readonly string[]): string;
  /** Encodes the one reply to a command; `undefined` when the protocol says to send nothing. */
  encodeReply(reply: Reply): string | undefined;
  /**
   * Encodes an event; called once per event, however many recipients it has.
   * `position` is set when the event is kept in a history (recovery on): a
   * codec that can carries it (v1.1 `stream` and `pos`); one that cannot leaves it out.
   */
  encodeEvent(type: string, payload: unknown, position?: EventPosition): string;
  /**
   * Encodes a request from the server (`ctx.ask`) with the server's id.
   * A codec without it cannot carry requests: asking one of its
   * connections is refused with `UNAVAILABLE`.
   */
  encodeRequest?(id: string, type: string, payload: unknown): string;
}
