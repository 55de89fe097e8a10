import { ErrorCode } from '../../protocol/errors.js';

const statuses: Readonly<Record<string, number>> = Object.freeze({
  [ErrorCode.BAD_FRAME]: 400,
  [ErrorCode.INVALID_PAYLOAD]: 400,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.UNKNOWN_COMMAND]: 404,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.INTERNAL]: 500,
  [ErrorCode.UNAVAILABLE]: 503,
  [ErrorCode.TIMEOUT]: 504,
});

/**
 * The HTTP status of a coded error: the built-in codes each have their own,
 * and every other code (one a handler raises on purpose, such as
 * `ROOM_FULL` or `TOO_MANY_ROOMS`) is a conflict with the state of things, 409.
 *
 * @example
 * httpStatusOf('FORBIDDEN'); // 403
 * httpStatusOf('ROOM_FULL'); // 409
 */
export function httpStatusOf(code: string): number {
  return statuses[code] ?? 409;
}
