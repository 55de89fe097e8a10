import { CommandError, ErrorCode } from '../../protocol/errors.js';
import type { RejectedFrame } from '../../protocol/codec.js';

/** What the JSON codecs say of a frame that is not JSON text. */
export const NOT_JSON = 'frame is not valid JSON';

/**
 * The first step of every JSON codec: a text frame parsed to a value, or the
 * `BAD_FRAME` rejection for a binary frame or text that is not JSON.
 *
 * @example
 * const parsed = parseJsonText(data, isBinary);
 * if (!('value' in parsed)) return parsed; // BAD_FRAME
 */
export function parseJsonText(data: Buffer | string, isBinary: boolean): { readonly value: unknown } | RejectedFrame {
  if (isBinary) return rejectFrame(undefined, 'binary frames are not accepted; send JSON text frames');
  try {
    return { value: JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) };
  } catch {
    return rejectFrame(undefined, NOT_JSON);
  }
}

/** A `BAD_FRAME` rejection, correlated by `id` when one could be read. */
export function rejectFrame(id: string | undefined, message: string): RejectedFrame {
  return { ok: false, id, error: new CommandError(ErrorCode.BAD_FRAME, message) };
}
