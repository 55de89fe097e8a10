import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Identity } from '../../protocol/identity.js';
import { ConnectionHub } from '../../session/connection-hub.js';
import { DEFAULT_DRAIN_DEADLINE_MS, type DrainOptions, type Transport, type TransportContext } from '../transport.js';
import { selectProtocol } from '../../auth/bearer-token.js';
import { isJwtAuthenticator } from '../../auth/jwt-authenticator.js';
import { reauthHandler } from '../../auth/session-reauth.js';
import { SessionReauth } from '../../protocol/session-commands.js';
import type { ClientLease } from '../../session/client-budgets.js';
import { authenticateUpgrade } from './authenticate-upgrade.js';
import { Heartbeat } from './heartbeat.js';
import { createOwnServer, HandshakeGuard } from './own-server.js';
import { normalizeOrigin, resolveWebSocketOptions, type WebSocketTransportOptions, type ResolvedWebSocketOptions } from './websocket-options.js';
import { WsSocket } from './ws-socket.js';


/**
 * Serves the bus over real WebSockets (`ws`): on its own port, or on the
 * `path` of an existing `http.Server` so HTTP and WebSocket share one port.
 *
 * @example
 * const transport = new WebSocketTransport({ server: httpServer, path: '/ws' });
 * await app.listen(transport);
 */
export class WebSocketTransport implements Transport {
  readonly #options: ResolvedWebSocketOptions;
  #hub: ConnectionHub | undefined;
  #wss: WebSocketServer | undefined;
  #server: Server | undefined;
  #ownsServer = false;
  #heartbeat: Heartbeat | undefined;
  // The own server's count of connections not yet upgraded, per address.
  #handshakes: HandshakeGuard | undefined;
  readonly #sockets = new Set<WsSocket>();
  // Upgrades past the checks but still authenticating count against maxConnections too.
  #upgrading = 0;
  #closing: Promise<void> | undefined;
  #drained: Promise<boolean> | undefined;
  #accepting = true;
  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.#upgrade(request, socket, head).catch((error: unknown) => {
      this.#context?.reportError(error);
      socket.destroy();
    });
  };
  #context: TransportContext | undefined;

  constructor(options: WebSocketTransportOptions = {}) {
    this.#options = resolveWebSocketOptions(options);
  }

  /** The bound address once started (useful with `port: 0`). */
  get address(): AddressInfo {
    const address = this.#server?.address();
    if (address === null || address === undefined || typeof address === 'string') throw new Error('the transport is not listening');
    return address;
  }

  /** The number of open connections on this node. */
  get connections(): number {
    return this.#hub?.registry.size ?? 0;
  }

  async start(context: TransportContext): Promise<void> {
    if (this.#hub !== undefined) throw new Error('the transport is already started');
    this.#context = context;
    this.#hub = new ConnectionHub(context);
    const authenticate = this.#options.authenticate;
    if (isJwtAuthenticator(authenticate) && !context.bus.has(SessionReauth.type)) context.bus.register(SessionReauth, reauthHandler(authenticate));
    this.#wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: this.#options.maxPayload, perMessageDeflate: false, handleProtocols: selectProtocol });
    if (this.#options.heartbeatIntervalMs > 0) this.#heartbeat = new Heartbeat(this.#sockets, this.#options.heartbeatIntervalMs);
    this.#ownsServer = this.#options.server === undefined;
    const perAddress = this.#hub.budgets.maxConnectionsPerAddress;
    if (this.#ownsServer && perAddress !== undefined) this.#handshakes = new HandshakeGuard(perAddress);
    const server = this.#options.server ?? createOwnServer(this.#options, this.#handshakes);
    this.#server = server;
    server.on('upgrade', this.#onUpgrade);
    if (this.#ownsServer) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.#options.port, this.#options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    }
  }

  /** Counts of what this node holds: open connections, users and rooms with a member here. */
  get stats(): { readonly connections: number; readonly users: number; readonly rooms: number } {
    const registry = this.#hub?.registry;
    return { connections: registry?.size ?? 0, ...(registry?.counts ?? { users: 0, rooms: 0 }) };
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  /**
   * Drains for shutdown: refuses new upgrades (HTTP 503), tells every client
   * `session.draining`, waits up to `deadlineMs` for running commands to
   * reply, then closes every socket with 1001. Resolves whether every
   * command finished in time. Idempotent.
   *
   * @example
   * process.once('SIGTERM', () => void transport.drain({ deadlineMs: 10_000 }));
   */
  drain(options: DrainOptions = {}): Promise<boolean> {
    return (this.#drained ??= this.#drain(options.deadlineMs ?? DEFAULT_DRAIN_DEADLINE_MS));
  }

  async #drain(deadlineMs: number): Promise<boolean> {
    const hub = this.#hub;
    if (hub === undefined || this.#closing !== undefined) {
      await this.close();
      return true;
    }
    this.#accepting = false;
    const finished = await hub.drain(deadlineMs);
    await this.close();
    return finished;
  }

  async #close(): Promise<void> {
    const hub = this.#hub;
    const wss = this.#wss;
    const server = this.#server;
    if (hub === undefined || wss === undefined || server === undefined) return;
    server.off('upgrade', this.#onUpgrade);
    this.#heartbeat?.stop();
    hub.close();
    await closeSockets(this.#sockets, this.#options.closeTimeoutMs);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    if (this.#ownsServer) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const wss = this.#wss;
    if (wss === undefined || !this.#accepting || this.#closing !== undefined) return void rejectHandshake(socket, 503, 'Service Unavailable');
    if (pathOf(request.url) !== this.#options.path) {
      // On a shared server another upgrade listener may own this path.
      if (this.#ownsServer || this.#server?.listenerCount('upgrade') === 1) rejectHandshake(socket, 404, 'Not Found');
      return;
    }
    socket.on('error', ignore);
    const allowed = this.#options.allowedOrigins;
    const origin = request.headers.origin;
    if (allowed !== undefined && origin !== undefined && !allowed.has(normalizeOrigin(origin))) {
      this.#context?.logger.debug({ origin }, 'connection refused: origin not allowed');
      return void rejectHandshake(socket, 403, 'Forbidden');
    }
    if ((this.#hub?.registry.size ?? 0) + this.#upgrading >= this.#options.maxConnections) {
      this.#context?.logger.warn({ maxConnections: this.#options.maxConnections }, 'connection refused: maxConnections reached');
      return void rejectHandshake(socket, 503, 'Service Unavailable');
    }
    const hub = this.#hub;
    if (hub === undefined) return void rejectHandshake(socket, 503, 'Service Unavailable');
    // The address's budget comes before authenticate(), the costly step a flood of upgrades would aim at.
    const admission = hub.budgets.admit(request.socket);
    if (!admission.ok) return void this.#tooMany(socket, admission.reason, admission.retryAfterMs);
    const lease = admission.lease;
    this.#upgrading++;
    const outcome = await authenticateUpgrade(this.#options, request, socket);
    this.#upgrading--;
    if (outcome.kind !== 'identified') {
      lease.release();
      if (outcome.kind === 'gone') return void socket.destroy();
      if (outcome.kind === 'timed-out') {
        this.#context?.logger.warn({ authenticateTimeoutMs: this.#options.authenticateTimeoutMs }, 'connection refused: authenticate() did not answer in time');
        return void rejectHandshake(socket, 503, 'Service Unavailable');
      }
      this.#context?.logger.debug({ err: outcome.error }, 'connection refused by authenticate()');
      return void rejectHandshake(socket, 401, 'Unauthorized');
    }
    const user = outcome.user;
    const identified = hub.budgets.identify(lease, user?.id);
    if (!identified.ok) {
      lease.release();
      return void this.#tooMany(socket, identified.reason, identified.retryAfterMs);
    }
    if (!this.#accepting || this.#closing !== undefined || !socket.writable) {
      lease.release();
      return void rejectHandshake(socket, 503, 'Service Unavailable');
    }
    let accepted = false;
    wss.handleUpgrade(request, socket, head, (ws) => {
      accepted = true;
      // ws has its own error handling from here on; ours was only for the authentication window.
      socket.off('error', ignore);
      this.#handshakes?.upgraded(socket);
      this.#accept(ws, user, lease);
    });
    // Without verifyClient, ws calls back before handleUpgrade returns, or never (it refused the
    // handshake). An accepted connection gives its lease back when it closes.
    if (!accepted) lease.release();
  }

  #tooMany(socket: Duplex, reason: string, retryAfterMs: number | undefined): void {
    this.#context?.logger.debug({ reason }, 'connection refused: over its budget');
    rejectHandshake(socket, 429, 'Too Many Requests', retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000)));
  }

  #accept(ws: WebSocket, user: Identity | undefined, lease: ClientLease): void {
    const hub = this.#hub;
    if (hub === undefined) {
      lease.release();
      return void ws.terminate();
    }
    const socket = new WsSocket(ws, this.#options, this.#sockets);
    const connection = (socket.connection = hub.open(socket, user));
    connection.lease = lease;
    this.#heartbeat?.watch(ws);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
  }
}

function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  WsSocket.of(this)?.receive(data, isBinary);
}

function onClose(this: WebSocket): void {
  WsSocket.of(this)?.closed();
}

function onError(this: WebSocket, error: Error): void {
  // ws closes the socket itself (1009 for an oversized frame, 1002 for a protocol error).
  WsSocket.of(this)?.connection?.log.debug({ err: error }, 'socket error');
}

function ignore(): void {}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function rejectHandshake(socket: Duplex, status: number, reason: string, retryAfterS?: number): void {
  if (socket.writable) {
    const retryAfter = retryAfterS === undefined ? '' : `Retry-After: ${retryAfterS}\r\n`;
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n${retryAfter}Content-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`);
  }
  socket.destroy();
}

/** Waits for every socket's close handshake, then cuts the stragglers. */
async function closeSockets(sockets: ReadonlySet<WsSocket>, timeoutMs: number): Promise<void> {
  const open = [...sockets].map((socket) => socket.ws);
  if (open.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const closed = Promise.all(open.map((ws) => (ws.readyState === ws.CLOSED ? undefined : new Promise((resolve) => ws.once('close', resolve)))));
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([closed, deadline]);
  clearTimeout(timer);
  for (const socket of sockets) socket.ws.terminate();
}
