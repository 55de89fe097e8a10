import type { CommandError } from './errors.js';
import type { CommandMeta } from './command-meta.js';
import type { Reply, WireError } from './frames.js';

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
  /** Encodes the one reply to a command; `undefined` when the protocol says to send nothing. */
  encodeReply(reply: Reply): string | undefined;
  /** Encodes an event; called once per event, however many recipients it has. */
  encodeEvent(type: string, payload: unknown): string;
  /**
   * Encodes a request from the server (`ctx.ask`) with the server's id.
   * A codec without it cannot carry requests: asking one of its
   * connections is refused with `UNAVAILABLE`.
   */
  encodeRequest?(id: string, type: string, payload: unknown): string;
}
