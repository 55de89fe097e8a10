import type { CommandError } from './errors.js';
import type { CommandMeta } from './command-meta.js';
import type { Reply } from './frames.js';
import type { EventPosition } from './session-resume.js';

/** A frame the codec understood as a command. */
export interface DecodedCommand {
  readonly ok: true;
  readonly type: string;
  readonly id: string | undefined;
  readonly payload: unknown;
  /** What the frame carried for operations (trace context); absent when it carried none. */
  readonly meta?: CommandMeta;
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
  decode(data: Buffer | string, isBinary: boolean): DecodedCommand | RejectedFrame;
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
}
