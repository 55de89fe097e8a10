import type { IncomingMessage, Server } from 'node:http';
import type { Identity } from '../../commands/identity.js';

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
}

/** The options once defaults are applied and checked. */
export type ResolvedWebSocketOptions = Readonly<Required<Omit<WebSocketTransportOptions, 'server'>> & { server: Server | undefined }>;

const defaults = Object.freeze({
  port: 8080,
  host: '127.0.0.1',
  path: '/ws',
  maxPayload: 64 * 1024,
  closeTimeoutMs: 2000,
  authenticate: (): Identity | undefined => undefined,
});

/** Merges the user's options over the defaults, rejects conflicts, and freezes the result. */
export function resolveWebSocketOptions(options: WebSocketTransportOptions): ResolvedWebSocketOptions {
  if (options.server !== undefined && (options.port !== undefined || options.host !== undefined)) {
    throw new TypeError('the "server" option cannot be combined with "port" or "host"');
  }
  const resolved = { ...defaults, ...withoutUndefined(options), server: options.server };
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) throw new RangeError('"port" must be an integer from 0 to 65535');
  if (!resolved.path.startsWith('/')) throw new TypeError('"path" must start with "/"');
  if (!Number.isInteger(resolved.maxPayload) || resolved.maxPayload < 1) throw new RangeError('"maxPayload" must be a positive integer');
  if (!(resolved.closeTimeoutMs >= 0)) throw new RangeError('"closeTimeoutMs" must be zero or more');
  if (typeof resolved.authenticate !== 'function') throw new TypeError('"authenticate" must be a function');
  return Object.freeze(resolved);
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
