import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Identity } from '../../protocol/identity.js';
import { SetupError, SetupErrorCode } from '../../protocol/errors.js';
import type { TokenVerifier } from '../../commands/session.js';
import { ConnectionHub } from '../../session/connection-hub.js';
import type { DrainOptions, Transport, TransportContext } from '../transport.js';
import { TransportShutdown } from '../transport-shutdown.js';
import { boundAddress, listenOn } from '../own-server-listen.js';
import { selectProtocol } from '../../auth/bearer-token.js';
import { isJwtAuthenticator } from '../../auth/jwt-authenticator.js';
import type { ClientLease } from '../../session/client-budgets.js';
import { answersStrayUpgrade, servesUpgrades } from './upgrade-paths.js';
import { authenticateUpgrade, type AuthenticateOutcome } from './authenticate-upgrade.js';
import { Heartbeat } from './heartbeat.js';
import { createOwnServer, HandshakeGuard } from './own-server.js';
import { isAllowedOrigin, resolveWebSocketOptions, type WebSocketTransportOptions, type ResolvedWebSocketOptions } from './websocket-options.js';
import { WsSocket, type SendPolicy } from './ws-socket.js';
import { noTelemetry } from '../../observability/no-telemetry.js';

/**
 * Serves the bus over real WebSockets (`ws`): on its own port, or on the
 * `path` of an existing `http.Server` so HTTP and WebSocket share one port.
 *
 * @example
 * const transport = new WebSocketTransport({ server: httpServer, path: '/ws' });
 * await app.listen(transport);
 */
export class WebSocketTransport implements Transport {
  readonly name = 'websocket';
  readonly #options: ResolvedWebSocketOptions;
  #sendPolicy: SendPolicy | undefined;
  // Handed to each connection, so session.reauth checks tokens as this endpoint does, and no other.
  readonly #verifyToken: TokenVerifier | undefined;
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
  #starting: Promise<void> | undefined;
  readonly #shutdown = new TransportShutdown(() => this.#close(), () => this.#hub);
  #stopping: Promise<void> | undefined;
  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const fail = (error: unknown): void => {
      this.#context?.reportError(error);
      socket.destroy();
    };
    try {
      // Synchronous unless authenticate() answered with a promise.
      this.#upgrade(request, socket, head)?.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
  #context: TransportContext | undefined;

  constructor(options: WebSocketTransportOptions = {}) {
    this.#options = resolveWebSocketOptions(options);
    const authenticate = this.#options.authenticate;
    this.#verifyToken = isJwtAuthenticator(authenticate) ? authenticate.verifyToken : undefined;
  }

  /** The bound address once started (useful with `port: 0`). */
  get address(): AddressInfo {
    return boundAddress(this.#server);
  }

  /** The number of open connections on this node. */
  get connections(): number {
    return this.#hub?.registry.size ?? 0;
  }

  /**
   * Starts serving; `Switchyard.listen()` calls it. A start that fails (the
   * port is taken) leaves nothing behind: no hub, no timer, no listener.
   * `close()` during a start waits for it, then closes what it opened.
   */
  async start(context: TransportContext): Promise<void> {
    if (this.#shutdown.closed) throw new SetupError(SetupErrorCode.CLOSED, 'the transport is closed');
    if (this.#starting !== undefined) throw new SetupError(SetupErrorCode.ALREADY_STARTED, 'the transport is already started');
    return (this.#starting = this.#start(context));
  }

  async #start(context: TransportContext): Promise<void> {
    this.#context = context;
    const codec = this.#options.codec;
    this.#hub = new ConnectionHub(codec === undefined ? context : { ...context, codec });
    const { maxBufferedBytes, closeTimeoutMs } = this.#options;
    this.#sendPolicy = { maxBufferedBytes, closeTimeoutMs, telemetry: context.telemetry ?? noTelemetry.forTransport(this.name) };
    this.#wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: this.#options.maxPayload, perMessageDeflate: false, handleProtocols: selectProtocol });
    if (this.#options.heartbeatIntervalMs > 0) this.#heartbeat = new Heartbeat(this.#sockets, this.#options.heartbeatIntervalMs);
    this.#ownsServer = this.#options.server === undefined;
    const perAddress = this.#hub.budgets.maxConnectionsPerAddress;
    if (this.#ownsServer && perAddress !== undefined) this.#handshakes = new HandshakeGuard(perAddress);
    const server = this.#options.server ?? createOwnServer(this.#options, this.#handshakes);
    this.#server = server;
    servesUpgrades(this.#onUpgrade, this.#options.path);
    server.on('upgrade', this.#onUpgrade);
    const authenticate = this.#options.authenticate;
    if (isJwtAuthenticator(authenticate)) {
      for (const warning of authenticate.warnings ?? []) context.logger.warn({ path: this.#options.path }, warning);
    }
    if (!this.#ownsServer) return;
    try {
      await listenOn(server, this.#options.port, this.#options.host);
    } catch (error) {
      await this.#stop();
      throw error;
    }
  }

  /** Counts of what this node holds: open connections, users and rooms with a member here. */
  get stats(): { readonly connections: number; readonly users: number; readonly rooms: number } {
    const registry = this.#hub?.registry;
    return { connections: registry?.size ?? 0, ...(registry?.counts ?? { users: 0, rooms: 0 }) };
  }

  close(): Promise<void> {
    return this.#shutdown.close();
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
    return this.#shutdown.drain(options);
  }

  async #close(): Promise<void> {
    // A start still binding its port is let finish, so that what it opened is closed too.
    await this.#starting?.catch(ignore);
    await this.#stop();
  }

  /** Releases everything `start()` made. Idempotent: a failed start and a later close both end here. */
  #stop(): Promise<void> {
    return (this.#stopping ??= this.#release());
  }

  async #release(): Promise<void> {
    const hub = this.#hub;
    const wss = this.#wss;
    const server = this.#server;
    if (hub === undefined || wss === undefined || server === undefined) return;
    server.off('upgrade', this.#onUpgrade);
    this.#heartbeat?.stop();
    hub.close();
    await closeSockets(this.#sockets, this.#options.closeTimeoutMs);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    if (this.#ownsServer && server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> | undefined {
    // The path first: on a shared server, an upgrade for another path is another listener's, even while this one refuses its own.
    const path = pathOf(request.url);
    if (path !== this.#options.path) {
      const server = this.#server;
      if (this.#ownsServer || (server !== undefined && answersStrayUpgrade(server, this.#onUpgrade, path))) rejectHandshake(socket, 404, 'Not Found');
      return;
    }
    const wss = this.#wss;
    if (wss === undefined || !this.#shutdown.accepting) return void rejectHandshake(socket, 503, 'Service Unavailable');
    socket.on('error', ignore);
    const allowed = this.#options.allowedOrigins;
    const origin = request.headers.origin;
    if (allowed !== undefined && origin !== undefined && !isAllowedOrigin(allowed, origin)) {
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
    const outcome = authenticateUpgrade(this.#options, request, socket);
    if (outcome instanceof Promise) return outcome.then((answer) => this.#authenticated(wss, hub, request, socket, head, lease, answer));
    this.#authenticated(wss, hub, request, socket, head, lease, outcome);
    return undefined;
  }

  /** Goes on with an upgrade once authenticate() has answered: refuses it, or completes the handshake and opens the connection. */
  #authenticated(wss: WebSocketServer, hub: ConnectionHub, request: IncomingMessage, socket: Duplex, head: Buffer, lease: ClientLease, outcome: AuthenticateOutcome): void {
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
    if (!this.#shutdown.accepting || !socket.writable) {
      lease.release();
      return void rejectHandshake(socket, 503, 'Service Unavailable');
    }
    let accepted = false;
    // Corked, the 101 response and the session.connected greeting leave in one write, not two.
    socket.cork();
    try {
      wss.handleUpgrade(request, socket, head, (ws) => {
        accepted = true;
        // ws has its own error handling from here on; ours was only for the authentication window.
        socket.off('error', ignore);
        this.#handshakes?.upgraded(socket);
        this.#accept(ws, user, lease);
      });
    } finally {
      socket.uncork();
    }
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
    const policy = this.#sendPolicy;
    if (hub === undefined || policy === undefined || this.#shutdown.closed) {
      lease.release();
      return void ws.terminate();
    }
    const socket = new WsSocket(ws, policy, this.#sockets);
    const connection = (socket.connection = hub.open(socket, user, this.#verifyToken));
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
