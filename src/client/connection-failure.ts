import { ClientError, ClientErrorCode } from './client-errors.js';

/**
 * Close codes of the protocol the client acts on. They mirror `CloseCode`
 * in src/protocol/errors.ts (a test keeps them equal); copied because a
 * browser loads only this folder.
 *
 * @example
 * if (event.code === ClientCloseCode.SESSION_EXPIRED) refreshToken();
 */
export const ClientCloseCode = Object.freeze({
  POLICY_VIOLATION: 1008,
  TRY_AGAIN_LATER: 1013,
  SESSION_EXPIRED: 4001,
} as const);

const UNAUTHORIZED_STATUS = 401;
const UNEXPECTED_RESPONSE = /Unexpected server response: (\d{3})\b/;

const closeFailures: ReadonlyMap<number, { readonly code: ClientErrorCode; readonly meaning: string }> = new Map([
  [ClientCloseCode.SESSION_EXPIRED, { code: ClientErrorCode.SESSION_EXPIRED, meaning: 'the token expired' }],
  [ClientCloseCode.POLICY_VIOLATION, { code: ClientErrorCode.POLICY_VIOLATION, meaning: 'it kept sending past its rate limit' }],
  [ClientCloseCode.TRY_AGAIN_LATER, { code: ClientErrorCode.TRY_AGAIN_LATER, meaning: 'it read too slowly, or the server is overloaded' }],
]);

/**
 * The HTTP status of a refused handshake, read from a socket's `error`
 * event where the WebSocket implementation reveals it: `ws` says
 * "Unexpected server response: 401"; a browser's error event carries
 * nothing, so there the status stays unknown.
 *
 * @example
 * socket.onerror = (event) => { status ??= handshakeStatus(event) };
 */
export function handshakeStatus(event: unknown): number | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const { message, error } = event as { message?: unknown; error?: unknown };
  const text = typeof message === 'string' && message.length > 0 ? message : error instanceof Error ? error.message : undefined;
  const match = text === undefined ? null : UNEXPECTED_RESPONSE.exec(text);
  return match === null ? undefined : Number(match[1]);
}

/**
 * Why a connection ended, as a coded error, when the client acts on the
 * reason: a 401 refusal, or a close with 4001, 1008 or 1013. `undefined`
 * for the rest (a network drop, a restart, 1001 on shutdown): those are
 * retried with the usual backoff and reported to no one.
 *
 * @example
 * const error = connectionFailure(status, { code: event.code, reason: event.reason });
 * if (error !== undefined) options.onError(error);
 */
export function connectionFailure(status: number | undefined, close: { readonly code: number; readonly reason: string }): ClientError | undefined {
  if (status === UNAUTHORIZED_STATUS) return new ClientError(ClientErrorCode.UNAUTHORIZED, 'the server refused the token (HTTP 401)');
  const failure = closeFailures.get(close.code);
  if (failure === undefined) return undefined;
  const reason = close.reason.length > 0 ? ` ("${close.reason}")` : '';
  return new ClientError(failure.code, `the server closed the connection with ${close.code}${reason}: ${failure.meaning}`);
}
