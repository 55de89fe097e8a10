/**
 * The client's errors. A request fails with a {@link ServerError} when the
 * server answered with an error frame (its code is the server's), or with a
 * {@link ClientError} carrying one of {@link ClientErrorCode} when the failure
 * happened on this side. This file imports nothing, so it runs in browsers.
 */

/**
 * Codes of failures the client raises itself, never read from an error
 * frame. `UNAUTHORIZED` shares its name and meaning with the wire code a
 * command answers when it needs a signed-in caller; the class tells them
 * apart (`ClientError` here, `ServerError` for the reply).
 *
 * @example
 * if (error instanceof ClientError && error.code === ClientErrorCode.REQUEST_TIMEOUT) retryLater();
 */
export const ClientErrorCode = Object.freeze({
  /** No reply arrived within the request timeout. */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /** The request was sent, then the connection dropped before its reply came; it may or may not have run. */
  CONNECTION_LOST: 'CONNECTION_LOST',
  /** The client is disconnected and its queue of unsent commands is full. */
  QUEUE_FULL: 'QUEUE_FULL',
  /** The client was closed, or gave up reconnecting; nothing more will be sent. */
  CLIENT_CLOSED: 'CLIENT_CLOSED',
  /**
   * The server refused the handshake with HTTP 401: the token is missing, bad
   * or expired. Seen only where the WebSocket reveals the status (`ws` does,
   * browsers do not). The next attempt asks the token provider again; the
   * client closes with this code if it gets the refused token back.
   */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /**
   * The server closed the connection with 4001: the token expired and was not
   * refreshed with `session.reauth` in time. The next attempt asks the token
   * provider again; the client closes with this code if it gets the expired token back.
   */
  SESSION_EXPIRED: 'SESSION_EXPIRED',
  /** The token provider threw, rejected, or gave no usable token; the client tries again with backoff. */
  TOKEN_UNAVAILABLE: 'TOKEN_UNAVAILABLE',
  /** The server closed the connection with 1008 (it kept sending past its rate limit); the client waits `maxDelayMs` before reconnecting. */
  POLICY_VIOLATION: 'POLICY_VIOLATION',
  /** The server closed the connection with 1013 (it read too slowly, or the server is overloaded); events sent meanwhile are lost. The client reconnects with backoff. */
  TRY_AGAIN_LATER: 'TRY_AGAIN_LATER',
} as const);

/** One of the client's own error codes. */
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/**
 * Base class of every error the client rejects with: a stable `code`, a
 * message for people, and `details` when the server sent some.
 *
 * @example
 * try { await client.request(RoomJoin, { room }) }
 * catch (err) { if (err instanceof ClientError && err.code === 'ROOM_FULL') showFull(room) }
 */
export class ClientError extends Error {
  readonly code: string;
  readonly details: readonly unknown[];

  constructor(code: string, message: string, details: readonly unknown[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/**
 * The server answered a request with an error frame: `code` is the server's
 * (`INVALID_PAYLOAD`, `FORBIDDEN`, `ROOM_FULL`...).
 *
 * @example
 * catch (err) { if (err instanceof ServerError) console.warn(err.code, err.details) }
 */
export class ServerError extends ClientError {}
