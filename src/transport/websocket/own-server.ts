import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ClientBudgets } from '../../session/client-budgets.js';
import type { ResolvedWebSocketOptions } from './websocket-options.js';

/** TCP connections the transport's own server accepts beyond `maxConnections`: handshakes, and plain requests answered 426. */
export const HANDSHAKE_HEADROOM = 1024;

/** Idle time of a plain HTTP connection on the transport's own server, in ms (it answers every plain request 426 and closes). */
const KEEP_ALIVE_TIMEOUT_MS = 5000;

/**
 * The HTTP server the WebSocket transport creates when the application
 * gives it none, bounded where Node's defaults are not: a client has
 * `headersTimeoutMs` to send its upgrade request (Node's own default is a
 * minute, checked every 30 s), the server accepts at most `maxConnections`
 * plus {@link HANDSHAKE_HEADROOM} TCP connections, and one address at most as
 * many as its `perAddress` budget allows connections (plus a few
 * handshakes); past either, new TCP connections are dropped. A server the
 * application passes in is the application's to bound.
 *
 * @example
 * const server = createOwnServer(options, hub.budgets);
 * server.listen(options.port, options.host);
 */
export function createOwnServer(options: ResolvedWebSocketOptions, budgets: ClientBudgets): Server {
  const headersTimeout = options.headersTimeoutMs;
  const server = createServer(
    {
      headersTimeout,
      // An upgrade request is all headers: it has nothing more to wait for.
      requestTimeout: headersTimeout,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      // How often Node looks for requests past those timeouts; its default (30 s) would let one live 40 s.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(headersTimeout / 2))),
    },
    answerUpgradeRequired,
  );
  server.maxConnections = options.maxConnections + HANDSHAKE_HEADROOM;
  server.on('connection', (socket) => {
    const address = socket.remoteAddress;
    if (!budgets.openSocket(address)) return void socket.destroy();
    socket.once('close', () => budgets.closeSocket(address));
  });
  return server;
}

function answerUpgradeRequired(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket', connection: 'close' }).end('Upgrade Required');
}
