import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { addressKey } from '../../session/client-budgets.js';
import type { ResolvedWebSocketOptions } from './websocket-options.js';
import { connectionsCheckingInterval } from '../own-server-listen.js';

/**
 * TCP connections the transport's own server accepts beyond `maxConnections`: handshakes, and plain requests answered 426.
 *
 * @example
 * server.maxConnections = options.maxConnections + HANDSHAKE_HEADROOM;
 */
export const HANDSHAKE_HEADROOM = 1024;

/** Idle time of a plain HTTP connection on the transport's own server, in ms (it answers every plain request 426 and closes). */
const KEEP_ALIVE_TIMEOUT_MS = 5000;

/**
 * Counts the TCP connections of each address that have not become
 * WebSockets yet (requests still arriving, authenticating, or answered 426),
 * and refuses one more past `perAddress`, the connections the address may
 * hold open: a client holding thousands of half-sent requests is cut off at
 * the TCP level, whatever the header timeout. It forgets a connection when
 * it closes or upgrades, so an open WebSocket costs it nothing.
 *
 * @example
 * const guard = new HandshakeGuard(512);
 * server.on('connection', (socket) => guard.admit(socket) || socket.destroy());
 */
export class HandshakeGuard {
  readonly #keys = new Map<Duplex, string>();
  readonly #counts = new Map<string, number>();
  // One listener per server, not one closure per socket.
  readonly #onClose: (this: Duplex) => void;
  readonly #perAddress: number;

  constructor(perAddress: number) {
    this.#perAddress = perAddress;
    const guard = this;
    this.#onClose = function (this: Duplex) {
      guard.#forget(this);
    };
  }

  /** Counts a new TCP connection; `false` when its address already holds as many as it may. */
  admit(socket: Socket): boolean {
    const key = addressKey(socket.remoteAddress);
    if (key === undefined) return true;
    const count = this.#counts.get(key) ?? 0;
    if (count >= this.#perAddress) return false;
    this.#counts.set(key, count + 1);
    this.#keys.set(socket, key);
    socket.on('close', this.#onClose);
    return true;
  }

  /** Forgets a connection that has become a WebSocket. */
  upgraded(socket: Duplex): void {
    if (this.#forget(socket)) socket.off('close', this.#onClose);
  }

  #forget(socket: Duplex): boolean {
    const key = this.#keys.get(socket);
    if (key === undefined) return false;
    this.#keys.delete(socket);
    const count = (this.#counts.get(key) ?? 1) - 1;
    if (count === 0) this.#counts.delete(key);
    else this.#counts.set(key, count);
    return true;
  }
}

/**
 * The HTTP server the WebSocket transport creates when the application
 * gives it none, bounded where Node's defaults are not: a client has
 * `headersTimeoutMs` to send its upgrade request (Node's own default is a
 * minute, checked every 30 s), the server accepts at most `maxConnections`
 * plus {@link HANDSHAKE_HEADROOM} TCP connections, and, with a `guard`, one
 * address at most as many that are not WebSockets yet as it may hold open;
 * past either, new TCP connections are dropped. A server the application
 * passes in is the application's to bound.
 *
 * @example
 * const server = createOwnServer(options, new HandshakeGuard(512));
 * server.listen(options.port, options.host);
 */
export function createOwnServer(options: ResolvedWebSocketOptions, guard: HandshakeGuard | undefined): Server {
  const headersTimeout = options.headersTimeoutMs;
  const server = createServer(
    {
      headersTimeout,
      // An upgrade request is all headers: it has nothing more to wait for.
      requestTimeout: headersTimeout,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: connectionsCheckingInterval(headersTimeout),
    },
    answerUpgradeRequired,
  );
  server.maxConnections = options.maxConnections + HANDSHAKE_HEADROOM;
  if (guard !== undefined) {
    server.on('connection', (socket: Socket) => {
      if (!guard.admit(socket)) socket.destroy();
    });
  }
  return server;
}

function answerUpgradeRequired(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket', connection: 'close' }).end('Upgrade Required');
}
