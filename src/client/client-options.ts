import type { ClientError } from './client-errors.js';
import { isSubprotocolToken, type TokenProvider } from './connect-attempts.js';
import { resolveReconnectPolicy, type ReconnectPolicy } from './reconnect-policy.js';
import type { WebSocketConstructor } from './web-socket-like.js';

/** Options of a {@link SwitchyardClient}. */
export interface ClientOptions<TClient = unknown> {
  /**
   * The server's WebSocket URL, for example `ws://localhost:8080/ws`, or a
   * function that gives it, called before every connection attempt. Required.
   */
  url: string | (() => string);
  /**
   * The bearer token, or a function that gives it (sync or async), called
   * before every connection attempt, so each one carries a fresh token. It
   * travels as the subprotocol `bearer.<token>` beside `switchyard.v1`,
   * never in the URL. After a 401 or a 4001 close the client asks again and
   * closes if it gets the refused token back. @default none (no token offered)
   */
  token?: string | TokenProvider;
  /** The `WebSocket` class to use; pass `ws`'s in Node 20. @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor;
  /** How long a request waits for its reply before failing with `REQUEST_TIMEOUT`, in ms. @default 10000 */
  requestTimeoutMs?: number;
  /** Commands kept while disconnected, sent on reconnect; one more fails with `QUEUE_FULL`. `0` fails every command issued while disconnected. @default 100 */
  queueLimit?: number;
  /** Backoff of reconnection attempts, or `false` to close the client when the connection drops. @default defaultReconnectPolicy */
  reconnect?: Partial<ReconnectPolicy> | false;
  /** Runs after each reconnection, before queued commands are sent: restore server-side state here (re-join rooms). @default none */
  onReconnect?: (client: TClient) => void | Promise<void>;
  /**
   * Receives errors no request is waiting for: why a connection was refused
   * or closed (`UNAUTHORIZED`, `SESSION_EXPIRED`, `TOKEN_UNAVAILABLE`,
   * `POLICY_VIOLATION`, `TRY_AGAIN_LATER`), error frames without an id,
   * unreadable frames, a failing `onReconnect` or listener. @default none
   */
  onError?: (error: ClientError | unknown) => void;
}

/** The options once defaults are applied and checked. */
export interface ResolvedClientOptions<TClient = unknown> {
  readonly url: () => string;
  readonly token: TokenProvider | undefined;
  readonly WebSocket: WebSocketConstructor;
  readonly requestTimeoutMs: number;
  readonly queueLimit: number;
  readonly reconnect: Readonly<ReconnectPolicy> | false;
  readonly onReconnect: (client: TClient) => void | Promise<void>;
  readonly onError: (error: ClientError | unknown) => void;
}

const MAX_TIMEOUT_MS = 2_147_483_647;

const defaults = Object.freeze({
  requestTimeoutMs: 10_000,
  queueLimit: 100,
  onReconnect: (): void => {},
  onError: (): void => {},
});

/**
 * Merges the caller's options over the defaults, checks them, and freezes the result.
 *
 * @example
 * const options = resolveClientOptions({ url: 'ws://localhost:8080/ws', token: () => auth.accessToken(), WebSocket });
 */
export function resolveClientOptions<TClient>(options: ClientOptions<TClient>): ResolvedClientOptions<TClient> {
  const url = options?.url;
  if (typeof url !== 'function' && (typeof url !== 'string' || url.length === 0)) throw new TypeError('"url" must be a non-empty string or a function');
  const token = options.token;
  if (token !== undefined && typeof token !== 'function' && !isSubprotocolToken(token)) {
    throw new TypeError('"token" must be a function, or a non-empty string of the characters a subprotocol may hold (RFC 7230 token characters)');
  }
  const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof WebSocket !== 'function') {
    throw new TypeError('no WebSocket class: pass one as the "WebSocket" option (in Node 20: import { WebSocket } from "ws")');
  }
  const requestTimeoutMs = options.requestTimeoutMs ?? defaults.requestTimeoutMs;
  if (!Number.isInteger(requestTimeoutMs) || requestTimeoutMs < 1 || requestTimeoutMs > MAX_TIMEOUT_MS) {
    throw new RangeError(`"requestTimeoutMs" must be an integer from 1 to ${MAX_TIMEOUT_MS}`);
  }
  const queueLimit = options.queueLimit ?? defaults.queueLimit;
  if (!Number.isInteger(queueLimit) || queueLimit < 0) throw new RangeError('"queueLimit" must be an integer, zero or more');
  return Object.freeze({
    url: typeof url === 'string' ? () => url : url,
    token: typeof token === 'string' ? () => token : token,
    WebSocket,
    requestTimeoutMs,
    queueLimit,
    reconnect: options.reconnect === false ? false : resolveReconnectPolicy(options.reconnect),
    onReconnect: options.onReconnect ?? defaults.onReconnect,
    onError: options.onError ?? defaults.onError,
  });
}
