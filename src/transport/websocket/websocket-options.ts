import type { IncomingMessage, Server } from 'node:http';
import type { Identity } from '../../protocol/identity.js';

/** Options of the WebSocket transport. */
export interface WebSocketTransportOptions {
  /** Port to listen on; `0` picks a free one. Not allowed with `server`. @default 8080 */
  port?: number;
  /** Interface to bind; `'0.0.0.0'` accepts connections from other machines. Not allowed with `server`. @default '127.0.0.1' */
  host?: string;
  /** An existing HTTP server to share: upgrades on `path` are taken, everything else is left alone. */
  server?: Server;
  /** The WebSocket endpoint's path. @default '/ws' */
  path?: string;
  /** Largest inbound frame in bytes; a larger one closes the socket with 1009. @default 65536 */
  maxPayload?: number;
  /** How long `close()` waits for clients to finish the close handshake, in ms. @default 2000 */
  closeTimeoutMs?: number;
  /**
   * Works out who is connecting, before the upgrade completes. Return the
   * identity, or `undefined` for an anonymous connection; throw to refuse
   * the connection with HTTP 401.
   * @default () => undefined
   */
  authenticate?: (request: IncomingMessage) => Identity | undefined | Promise<Identity | undefined>;
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
  /** Most open connections on this transport; further upgrades get HTTP 503. @default 50000 */
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
export type ResolvedWebSocketOptions = Readonly<
  Required<Omit<WebSocketTransportOptions, 'server' | 'allowedOrigins'>> & { server: Server | undefined; allowedOrigins: ReadonlySet<string> | undefined }
>;

const defaults = Object.freeze({
  port: 8080,
  host: '127.0.0.1',
  path: '/ws',
  maxPayload: 64 * 1024,
  closeTimeoutMs: 2000,
  authenticate: (): Identity | undefined => undefined,
  heartbeatIntervalMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  maxConnections: 50_000,
});

/** Largest delay Node's timers accept. */
const MAX_TIMER_MS = 2_147_483_647;

/** Merges the user's options over the defaults, rejects conflicts, and freezes the result. */
export function resolveWebSocketOptions(options: WebSocketTransportOptions): ResolvedWebSocketOptions {
  if (options.server !== undefined && (options.port !== undefined || options.host !== undefined)) {
    throw new TypeError('the "server" option cannot be combined with "port" or "host"');
  }
  const allowedOrigins = options.allowedOrigins === undefined ? undefined : new Set(options.allowedOrigins.map(normalizeOrigin));
  const resolved = { ...defaults, ...withoutUndefined(options), server: options.server, allowedOrigins };
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) throw new RangeError('"port" must be an integer from 0 to 65535');
  if (!resolved.path.startsWith('/')) throw new TypeError('"path" must start with "/"');
  if (!Number.isInteger(resolved.maxPayload) || resolved.maxPayload < 1) throw new RangeError('"maxPayload" must be a positive integer');
  if (!(resolved.closeTimeoutMs >= 0)) throw new RangeError('"closeTimeoutMs" must be zero or more');
  if (typeof resolved.authenticate !== 'function') throw new TypeError('"authenticate" must be a function');
  if (!Number.isInteger(resolved.heartbeatIntervalMs) || resolved.heartbeatIntervalMs < 0 || resolved.heartbeatIntervalMs > MAX_TIMER_MS) {
    throw new RangeError(`"heartbeatIntervalMs" must be an integer from 0 (off) to ${MAX_TIMER_MS}`);
  }
  if (!Number.isInteger(resolved.maxBufferedBytes) || resolved.maxBufferedBytes < resolved.maxPayload) {
    // A reply may echo a whole inbound frame, so a smaller buffer could never send one.
    throw new RangeError('"maxBufferedBytes" must be an integer no smaller than "maxPayload"');
  }
  if (!Number.isInteger(resolved.maxConnections) || resolved.maxConnections < 1) throw new RangeError('"maxConnections" must be a positive integer');
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

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
