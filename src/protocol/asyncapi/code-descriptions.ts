import type { CloseCode, ErrorCode } from '../errors.js';

/**
 * When each built-in wire error code is sent, for the published contract.
 * Typed by `ErrorCode`, so a new code does not compile until it is described here.
 *
 * @example
 * errorCodeDescriptions.TIMEOUT; // 'the handler did not finish within the command timeout...'
 */
export const errorCodeDescriptions: Readonly<Record<ErrorCode, string>> = Object.freeze({
  BAD_FRAME:
    'the frame is not a JSON object, has no non-empty string `type`, has an `id` that is not a string of at most 128 characters, or a payload nested too deep or holding a `__proto__` key; `id` is absent when it could not be read',
  UNKNOWN_COMMAND: 'no handler is registered for `type`',
  INVALID_PAYLOAD: 'the payload failed the command\'s schema; `details` holds one `{ "path", "message" }` per issue, `path` dotted',
  UNAUTHORIZED: 'the command needs an authenticated connection, or a token was refused',
  FORBIDDEN: 'the identity may not do this',
  RATE_LIMITED: 'the connection sent more commands than its rate limit allows',
  TIMEOUT: 'the handler did not finish within the command timeout',
  INTERNAL: 'the handler failed unexpectedly; the details are in the server log only',
  TOO_MANY_ROOMS: 'joining one more room would pass the per-connection room limit',
  ROOM_FULL: 'the room holds as many members as its policy\'s `capacity` allows (`details`: `[{ "capacity" }]`)',
  UNAVAILABLE: 'the node is draining for shutdown (after `session.draining`): send the command again on a new connection',
});

/**
 * What each close code Switchyard sends means, for the published contract.
 * Typed by `CloseCode`, so a new code does not compile until it is described here.
 *
 * @example
 * closeCodeDescriptions.SESSION_EXPIRED; // 'the token expired...'
 */
export const closeCodeDescriptions: Readonly<Record<keyof typeof CloseCode, string>> = Object.freeze({
  GOING_AWAY: 'the server is shutting down or draining (`session.draining` came first): reconnect, to another node if there is one',
  POLICY_VIOLATION: 'sustained abuse: the connection kept sending past its rate limit',
  MESSAGE_TOO_BIG: 'an inbound frame was larger than the server\'s maximum frame size',
  TRY_AGAIN_LATER: 'the client read too slowly and its outbound buffer passed the server\'s limit',
  SESSION_EXPIRED: 'the token expired and was not refreshed with `session.reauth` in time',
  SESSION_RESUMED: 'the session was resumed with `session.resume` on another connection; this one is its stale copy',
});
