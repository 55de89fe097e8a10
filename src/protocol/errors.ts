/**
 * The error catalogue. Every error Switchyard raises on purpose carries a
 * stable `code`; the message is for people, the code is for code.
 * `docs/errors.md` documents each code, and a test keeps the two in step.
 */

/**
 * Codes a client can receive in an `error` frame.
 *
 * @example
 * throw new CommandError(ErrorCode.FORBIDDEN, 'join the room first');
 */
export const ErrorCode = Object.freeze({
  /** The frame is not JSON, not an object, or has no usable `type`. */
  BAD_FRAME: 'BAD_FRAME',
  /** No handler is registered for the command's `type`. */
  UNKNOWN_COMMAND: 'UNKNOWN_COMMAND',
  /** The payload failed the command's schema; `details` lists the issues. */
  INVALID_PAYLOAD: 'INVALID_PAYLOAD',
  /** The connection is not authenticated and the command requires it. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** The identity is known but may not run this command. */
  FORBIDDEN: 'FORBIDDEN',
  /** The connection sent more commands than its rate limit allows. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The handler did not finish within the command timeout. */
  TIMEOUT: 'TIMEOUT',
  /** The handler failed unexpectedly; the details are in the server log only. */
  INTERNAL: 'INTERNAL',
  /** The connection is in as many rooms as it may be; leave one first. */
  TOO_MANY_ROOMS: 'TOO_MANY_ROOMS',
  /** The room holds as many members as its policy's `capacity` allows. */
  ROOM_FULL: 'ROOM_FULL',
  /** The node is draining for shutdown (send the command again on a new connection), or something it needs, such as Redis presence, is unreachable (try again later). */
  UNAVAILABLE: 'UNAVAILABLE',
} as const);

/** One of the built-in wire error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * WebSocket close codes Switchyard sends, and why. `docs/reliability.md`
 * lists each with what a client should do.
 *
 * @example
 * ws.on('close', (code) => { if (code === CloseCode.SESSION_EXPIRED) refreshTokenAndReconnect(); });
 */
export const CloseCode = Object.freeze({
  /** The server is shutting down or draining: reconnect, to another node if there is one. */
  GOING_AWAY: 1001,
  /** Sustained abuse: the connection kept sending past its rate limit. */
  POLICY_VIOLATION: 1008,
  /** An inbound frame was larger than `maxPayload` (sent by `ws` itself). */
  MESSAGE_TOO_BIG: 1009,
  /** The client read too slowly: its outbound buffer passed `maxBufferedBytes`. */
  TRY_AGAIN_LATER: 1013,
  /** The identity's token expired and was not refreshed with `session.reauth` in time. */
  SESSION_EXPIRED: 4001,
  /** The session was resumed (`session.resume`) on another connection: this one is its stale copy. Do not reconnect it. */
  SESSION_RESUMED: 4002,
} as const);

/** One of the close codes Switchyard sends. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * Codes for mistakes in how the bus is put together; raised at start-up, never on the wire.
 *
 * @example
 * if (error instanceof SetupError && error.code === SetupErrorCode.DUPLICATE_HANDLER) process.exit(1);
 */
export const SetupErrorCode = Object.freeze({
  /** A second handler was registered for a command type. */
  DUPLICATE_HANDLER: 'DUPLICATE_HANDLER',
  /** The container could not build a handler class, or a dependency it needs is not registered. */
  HANDLER_RESOLUTION: 'HANDLER_RESOLUTION',
  /** What was registered as a handler is neither a function nor a class with an `execute` method. */
  INVALID_HANDLER: 'INVALID_HANDLER',
  /** A transport, or an application, was started twice. */
  ALREADY_STARTED: 'ALREADY_STARTED',
  /** Something that needs a running transport was asked of one that has not started (or has closed). */
  NOT_STARTED: 'NOT_STARTED',
  /** The application is closed: it serves no new transport. */
  CLOSED: 'CLOSED',
  /** Two different definitions were declared for one event type, or for one type of request to clients. */
  DUPLICATE_EVENT: 'DUPLICATE_EVENT',
  /** A module of the folder given to `app.registerDirectory()` failed to load, or its default export is not `handles(...)`. */
  INVALID_HANDLER_MODULE: 'INVALID_HANDLER_MODULE',
  /** The folder given to `app.registerDirectory()` cannot be read, or holds no handler module. */
  HANDLER_DIRECTORY: 'HANDLER_DIRECTORY',
} as const);

/** One of the set-up error codes. */
export type SetupErrorCode = (typeof SetupErrorCode)[keyof typeof SetupErrorCode];

/** One problem found in a payload: where, and what. */
export interface ErrorDetail {
  /** Dotted path to the offending value, empty for the payload itself. */
  readonly path: string;
  readonly message: string;
}

/**
 * Base class of every error Switchyard raises on purpose.
 *
 * @example
 * if (err instanceof SwitchyardError) log.warn({ code: err.code }, err.message);
 */
export class SwitchyardError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * An error a handler throws on purpose: it reaches the client as is, with its
 * code, message and details. Any other exception becomes `INTERNAL`.
 *
 * @example
 * if (members.size >= limit) throw new CommandError('ROOM_FULL', `room ${room} is full`);
 */
export class CommandError extends SwitchyardError {
  readonly details: readonly unknown[];

  constructor(code: string, message: string, details: readonly unknown[] = [], options?: { cause?: unknown }) {
    super(code, message, options);
    if (typeof code !== 'string' || code.length === 0) throw new TypeError('CommandError needs a non-empty code');
    this.details = details;
  }
}

/**
 * A mistake in how the bus is put together (a duplicate handler, a handler
 * the container cannot build). Thrown at start-up, never sent. Bad options
 * throw `TypeError` or `RangeError`, as `ws` does.
 *
 * @example
 * try { bus.register(Echo, echo) } catch (err) { if (err instanceof SetupError) ... }
 */
export class SetupError extends SwitchyardError {
  declare readonly code: SetupErrorCode;

  constructor(code: SetupErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
