import type { CommandError } from '../commands/errors.js';
import type { Reply } from '../commands/reply.js';

/** An event frame as the client receives it. */
export interface EventFrame {
  readonly kind: 'event';
  readonly type: string;
  readonly payload: unknown;
}

/** Anything the server sends. */
export type OutboundFrame = Reply | EventFrame;

/** A frame the codec understood as a command. */
export interface DecodedCommand {
  readonly ok: true;
  readonly type: string;
  readonly id: string | undefined;
  readonly payload: unknown;
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
  encode(frame: OutboundFrame): string;
}
