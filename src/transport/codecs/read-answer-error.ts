import { ErrorCode } from '../../protocol/errors.js';
import type { WireError } from '../../protocol/frames.js';
import { readWireError } from '../../protocol/read-wire-error.js';

const UNREADABLE: WireError = Object.freeze({ code: ErrorCode.BAD_FRAME, message: 'the client refused with an error that could not be read', details: Object.freeze([]) });

/**
 * The error of a client's refusal, in the wire shape; one that cannot be
 * read is still a refusal, coded `BAD_FRAME`, so the asker is not left to
 * time out.
 *
 * @example
 * const error = readAnswerError(frame.error);
 */
export function readAnswerError(value: unknown): WireError {
  return readWireError(value) ?? UNREADABLE;
}
