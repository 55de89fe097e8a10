import type { Codec } from '../../protocol/codec.js';
import type { IncomingMessage, Server } from 'node:http';
import type { Identity } from '../../protocol/identity.js';
import { checkAuthenticate, checkPort, checkPositiveInteger, checkServerOrAddress, checkTimerMs } from '../option-checks.js';

/**
 * What `authenticate` gets besides the request.
 *
 * @example
 * const authenticate = async (request: IncomingMessage, { signal }: AuthenticateContext) => lookUpSession(request, { signal });
 */
export interface AuthenticateContext {
  /**
   * Aborted when the client closes its connection, or when
   * `authenticateTimeoutMs` passes: pass it to the I/O `authenticate` does
   * (a token introspection call, a database look-up) so it stops too.
   */
  readonly signal: AbortSignal;
}

/**
 * Options of the WebSocket transport.
 *
 * @example
 * new WebSocketTransport({ port: 8080, authenticate: jwtAuthenticator({ secret }), allowedOrigins: ['https://app.example.com'] });
 */
export interface WebSocketTransportOptions {
  /** Port to listen on; `0` picks a free one. Not allowed with `server`. @default 8080 */
  port?: number;
  /** Interface to bind; `'0.0.0.0'` accepts connections from other machines. Not allowed with `server`. @default '127.0.0.1' */
  host?: string;
  /** An existing HTTP server to share: upgrades on `path` are taken, everything else is left alone. */
  server?: Server;
  /** The WebSocket endpoint's path. @default '/ws' */
  path?: string;
  /**
   * The wire protocol of this endpoint, so one application can serve v1 on
   * `/ws` and JSON-RPC 2.0 on `/rpc`.
   * @default the application's `codec` (protocol v1 unless it says otherwise)
   */
  codec?: Codec;
  /** Largest inbound frame in bytes; a larger one closes the socket with 1009. @default 65536 */
  maxPayload?: number;
  /** How long `close()` waits for clients to finish the close handshake, in ms. @default 2000 */
  closeTimeoutMs?: number;
  /**
   * Works out who is connecting, before the upgrade completes. Return the
   * identity, or `undefined` for an anonymous connection; throw to refuse
   * the connection with HTTP 401. Its second argument carries a `signal`,
   * aborted when the client leaves or the time is up.
   * @default () => undefined
   */
  authenticate?: (request: IncomingMessage, context: AuthenticateContext) => Identity | undefined | Promise<Identity | undefined>;
  /**
   * Longest wait for `authenticate`, in ms. Past it the upgrade is refused
   * with HTTP 503 (the server could not decide in time; the credentials were
   * not found wanting), its `signal` is aborted, and its slot is free again.
   * @default 10000
   */
  authenticateTimeoutMs?: number;
  /**
   * On the HTTP server the transport creates itself (no `server` option):
   * how long a client may take to send its upgrade request's headers, in ms
   * (`headersTimeout` and `requestTimeout`); a slower one is answered 408 and
   * cut. A server the application passes in is the application's to bound.
   * @default 10000
   */
  headersTimeoutMs?: number;
  /**
   * How often each socket is pinged, in ms. A socket that has not answered
   * the previous ping is terminated, so a dead peer is gone within two
   * intervals. `0` turns the heartbeat off.
   * @default 30000
   */
  heartbeatIntervalMs?: number;
  /**
   * Most bytes a connection's outbound buffer may hold. Past it, volatile
   * events are dropped and any other frame closes the connection with 1013.
   * @default 1048576 (1 MiB)
   */
  maxBufferedBytes?: number;
  /**
   * Most open connections on this transport; further upgrades get HTTP 503.
   * The HTTP server the transport creates itself accepts at most 1024 TCP
   * connections more (handshakes, plain requests), and drops the rest.
   * @default 50000
   */
  maxConnections?: number;
  /**
   * Origins (`scheme://host[:port]`) allowed to open a socket, against
   * cross-site WebSocket hijacking; others get HTTP 403. A request without an
   * `Origin` header (not a browser) is allowed. `undefined` allows any origin.
   * @default undefined
   */
  allowedOrigins?: readonly string[];
}

/** The options once defaults are applied and checked. */
export interface ResolvedWebSocketOptions {
  readonly port: number;
  readonly host: string;
  readonly server: Server | undefined;
  readonly path: string;
  readonly codec: Codec | undefined;
  readonly maxPayload: number;
  readonly closeTimeoutMs: number;
  readonly authenticate: NonNullable<WebSocketTransportOptions['authenticate']>;
  readonly authenticateTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly maxBufferedBytes: number;
  readonly maxConnections: number;
  readonly allowedOrigins: ReadonlySet<string> | undefined;
}

const defaults = Object.freeze({
  port: 8080,
  host: '127.0.0.1',
  path: '/ws',
  maxPayload: 64 * 1024,
  closeTimeoutMs: 2000,
  authenticate: (): Identity | undefined => undefined,
  authenticateTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  heartbeatIntervalMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  maxConnections: 50_000,
});

/** Largest delay Node's timers accept. */
/**
 * Applies the defaults to the user's options, rejects conflicts and values
 * out of range, and freezes the result.
 *
 * @example
 * const options = resolveWebSocketOptions({ port: 0, maxConnections: 1000 });
 */
export function resolveWebSocketOptions(options: WebSocketTransportOptions): ResolvedWebSocketOptions {
  checkServerOrAddress(options);
  const resolved: ResolvedWebSocketOptions = {
    port: options.port ?? defaults.port,
    host: options.host ?? defaults.host,
    server: options.server,
    path: options.path ?? defaults.path,
    codec: options.codec,
    maxPayload: options.maxPayload ?? defaults.maxPayload,
    closeTimeoutMs: options.closeTimeoutMs ?? defaults.closeTimeoutMs,
    authenticate: options.authenticate ?? defaults.authenticate,
    authenticateTimeoutMs: options.authenticateTimeoutMs ?? defaults.authenticateTimeoutMs,
    headersTimeoutMs: options.headersTimeoutMs ?? defaults.headersTimeoutMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? defaults.heartbeatIntervalMs,
    maxBufferedBytes: options.maxBufferedBytes ?? defaults.maxBufferedBytes,
    maxConnections: options.maxConnections ?? defaults.maxConnections,
    allowedOrigins: options.allowedOrigins === undefined ? undefined : new Set(options.allowedOrigins.map(normalizeOrigin)),
  };
  checkPort(resolved.port);
  if (!resolved.path.startsWith('/')) throw new TypeError('"path" must start with "/"');
  checkPositiveInteger('maxPayload', resolved.maxPayload);
  if (!(resolved.closeTimeoutMs >= 0)) throw new RangeError('"closeTimeoutMs" must be zero or more');
  checkAuthenticate(resolved.authenticate);
  if (resolved.codec !== undefined && (typeof resolved.codec.decode !== 'function' || typeof resolved.codec.encodeEvent !== 'function')) throw new TypeError('"codec" must be a Codec');
  checkTimerMs('authenticateTimeoutMs', resolved.authenticateTimeoutMs, 1);
  checkTimerMs('headersTimeoutMs', resolved.headersTimeoutMs, 1);
  checkTimerMs('heartbeatIntervalMs', resolved.heartbeatIntervalMs, 0, ' (0 turns it off)');
  if (!Number.isInteger(resolved.maxBufferedBytes) || resolved.maxBufferedBytes < resolved.maxPayload) {
    // A reply may echo a whole inbound frame, so a smaller buffer could never send one.
    throw new RangeError('"maxBufferedBytes" must be an integer no smaller than "maxPayload"');
  }
  checkPositiveInteger('maxConnections', resolved.maxConnections);
  return Object.freeze(resolved);
}

/**
 * `Origin` headers are compared as browsers send them: lower-case scheme and host, no trailing slash.
 *
 * @example
 * normalizeOrigin('https://App.example.com/'); // 'https://app.example.com'
 */
export function normalizeOrigin(origin: string): string {
  if (typeof origin !== 'string' || origin.length === 0) throw new TypeError('"allowedOrigins" must hold non-empty strings');
  return origin.trim().toLowerCase().replace(/\/+$/, '');
}

/**
 * Whether a request's `Origin` is one of `allowed` (normalized with
 * {@link normalizeOrigin}). An empty or blank Origin matches none, and is no
 * origin `normalizeOrigin` accepts.
 *
 * @example
 * isAllowedOrigin(new Set(['https://app.example.com']), 'https://App.example.com/'); // true
 */
export function isAllowedOrigin(allowed: ReadonlySet<string>, origin: string): boolean {
  return origin.trim() !== '' && allowed.has(normalizeOrigin(origin));
}
