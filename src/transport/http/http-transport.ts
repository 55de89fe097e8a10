import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Identity } from '../../protocol/identity.js';
import { CommandError, ErrorCode, SetupError, SetupErrorCode } from '../../protocol/errors.js';
import type { Reply, WireError } from '../../protocol/frames.js';
import { SessionResumed } from '../../protocol/session-events.js';
import { SessionResume, type SessionResumePayload, type SessionResumeResult } from '../../protocol/session-resume.js';
import type { TokenVerifier } from '../../commands/session.js';
import type { Connection } from '../../session/connection.js';
import { ConnectionHub } from '../../session/connection-hub.js';
import { isJwtAuthenticator } from '../../auth/jwt-authenticator.js';
import { noTelemetry } from '../../observability/no-telemetry.js';
import type { DrainOptions, Transport, TransportContext } from '../transport.js';
import { TransportShutdown } from '../transport-shutdown.js';
import { boundAddress, connectionsCheckingInterval, listenOn } from '../own-server-listen.js';
import { authenticateUpgrade } from '../websocket/authenticate-upgrade.js';
import type { SendPolicy } from '../websocket/ws-socket.js';
import { admitOrigin, answerPreflight } from './cors.js';
import { decodeHttpCommand, readCommandMeta } from './decode-http-command.js';
import { httpStatusOf } from './http-status.js';
import { resolveHttpOptions, type HttpTransportOptions, type ResolvedHttpOptions } from './http-options.js';
import { ImplicitSessions } from './implicit-sessions.js';
import { readJsonBody } from './read-json-body.js';
import { sseCodec } from './sse-codec.js';
import { SseCursor } from './sse-cursor.js';
import { SseSocket } from './sse-socket.js';

/**
 * The header that makes a posted command act as an event stream's session:
 * its value is the `sessionToken` of that stream's `session.connected`.
 *
 * @example
 * await fetch(`${base}/commands/room.join`, { method: 'POST', headers: { [SESSION_HEADER]: token, 'content-type': 'application/json' }, body: '{"room":"lobby"}' });
 */
export const SESSION_HEADER = 'Switchyard-Session';

/** Longest command type in a path, in characters. */
const MAX_TYPE_LENGTH = 256;
/** How long a closing stream may take to flush its last bytes, in ms. */
const CLOSE_TIMEOUT_MS = 2000;
const JSON_TYPE = 'application/json; charset=utf-8';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Serves the bus over plain HTTP: `POST /commands/{type}` runs a command
 * (JSON body = payload; the result, or a coded error, is the response), and
 * `GET /events` opens a Server-Sent Events stream that is a session like a
 * socket: rooms, user, presence, events to its audiences. A command posted
 * with `Switchyard-Session: <token>` acts as that stream's session. The same
 * handlers, middleware, limits and authenticator as the WebSocket transport.
 *
 * @example
 * const server = createServer(myRoutes);
 * await app.listen(new WebSocketTransport({ server, path: '/ws', authenticate }));
 * await app.listen(new HttpTransport({ server, authenticate }));
 * server.listen(8080);
 */
export class HttpTransport implements Transport {
  readonly name = 'http';
  readonly #options: ResolvedHttpOptions;
  readonly #verifyToken: TokenVerifier | undefined;
  // Without an authenticator every caller is anonymous: nothing to wait for, so no timer and no signal per request.
  readonly #anonymous: boolean;
  readonly #streams = new Set<SseSocket>();
  readonly #sessions = new Map<string, Connection>();
  #context: TransportContext | undefined;
  #hub: ConnectionHub | undefined;
  #implicit: ImplicitSessions | undefined;
  #policy: SendPolicy | undefined;
  #server: Server | undefined;
  #ownsServer = false;
  // The server's request listeners this transport went in front of; given back on close.
  #others: RequestListener[] = [];
  #heartbeat: NodeJS.Timeout | undefined;
  #sequence = 0;
  #starting: Promise<void> | undefined;
  readonly #shutdown = new TransportShutdown(() => this.#close(), () => this.#hub);
  readonly #onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    if (this.handle(request, response)) return;
    if (this.#others.length === 0) return void answerError(response, 404, ErrorCode.UNKNOWN_COMMAND, `nothing is served at this path; commands are POST ${this.#options.commandsPrefix}{type}, events GET ${this.#options.eventsPath}`);
    for (const listener of this.#others) listener.call(this.#server, request, response);
  };

  constructor(options: HttpTransportOptions = {}) {
    this.#options = resolveHttpOptions(options);
    this.#anonymous = options.authenticate === undefined;
    const authenticate = this.#options.authenticate;
    this.#verifyToken = isJwtAuthenticator(authenticate) ? authenticate.verifyToken : undefined;
  }

  /** The bound address of the transport's own server, or of the server it shares, once started. */
  get address(): AddressInfo {
    return boundAddress(this.#server);
  }

  /** Counts of what this node holds: open sessions (streams and implicit ones), users and rooms with a member here. */
  get stats(): { readonly connections: number; readonly streams: number; readonly users: number; readonly rooms: number } {
    const registry = this.#hub?.registry;
    return { connections: registry?.size ?? 0, streams: this.#streams.size, ...(registry?.counts ?? { users: 0, rooms: 0 }) };
  }

  async start(context: TransportContext): Promise<void> {
    if (this.#shutdown.closed) throw new SetupError(SetupErrorCode.CLOSED, 'the transport is closed');
    if (this.#starting !== undefined) throw new SetupError(SetupErrorCode.ALREADY_STARTED, 'the transport is already started');
    return (this.#starting = this.#start(context));
  }

  async #start(context: TransportContext): Promise<void> {
    this.#context = context;
    // Events go out as SSE frames, encoded once per event for every stream.
    const hub = (this.#hub = new ConnectionHub({ ...context, codec: sseCodec }));
    this.#implicit = new ImplicitSessions(hub, this.#verifyToken);
    this.#policy = { maxBufferedBytes: this.#options.maxBufferedBytes, closeTimeoutMs: CLOSE_TIMEOUT_MS, telemetry: context.telemetry ?? noTelemetry.forTransport(this.name) };
    if (this.#options.heartbeatIntervalMs > 0) {
      this.#heartbeat = setInterval(beat, this.#options.heartbeatIntervalMs, this.#streams);
      this.#heartbeat.unref();
    }
    const given = this.#options.server;
    if (given === false) return;
    if (given !== undefined) {
      this.#server = given;
      this.#others = given.listeners('request') as RequestListener[];
      given.removeAllListeners('request');
      given.on('request', this.#onRequest);
      return;
    }
    this.#ownsServer = true;
    const headersTimeout = this.#options.headersTimeoutMs;
    const server = (this.#server = createServer({ headersTimeout, connectionsCheckingInterval: connectionsCheckingInterval(headersTimeout) }, this.#onRequest));
    try {
      await listenOn(server, this.#options.port, this.#options.host);
    } catch (error) {
      this.#release();
      throw error;
    }
  }

  /**
   * Answers a request if it is this transport's (a command or the event
   * stream) and returns `true`; returns `false` and leaves it alone
   * otherwise. For applications that route requests themselves (`server:
   * false`): `transport.handle(req, res) || next()`.
   *
   * @example
   * const server = createServer((req, res) => transport.handle(req, res) || myRoutes(req, res));
   */
  handle(request: IncomingMessage, response: ServerResponse): boolean {
    const path = pathOf(request.url);
    const { commandsPrefix, eventsPath } = this.#options;
    if (path === eventsPath) {
      if (this.#crossOrigin(request, response, 'GET')) this.#openStream(request, response).catch((error: unknown) => this.#failed(response, error));
      return true;
    }
    if (path.startsWith(commandsPrefix) || path === commandsPrefix.slice(0, -1)) {
      if (this.#crossOrigin(request, response, 'POST')) this.#command(request, response, path.slice(commandsPrefix.length)).catch((error: unknown) => this.#failed(response, error));
      return true;
    }
    return false;
  }

  /** With `allowedOrigins`, applies CORS to a request for a route served with `method`; returns whether it still needs an answer. */
  #crossOrigin(request: IncomingMessage, response: ServerResponse, method: string): boolean {
    const allowed = this.#options.allowedOrigins;
    if (allowed === undefined) return true;
    const decision = admitOrigin(allowed, request, response);
    if (decision === 'allowed') return true;
    if (decision === 'preflight') answerPreflight(response, method);
    else answerError(response, 403, ErrorCode.FORBIDDEN, 'this origin may not call this server', hasBody(request) ? CLOSE : NO_HEADERS);
    return false;
  }

  async #command(request: IncomingMessage, response: ServerResponse, rawType: string): Promise<void> {
    // Refused before its body is read, a request is answered with Connection: close, so Node does not read (and discard) a body of any size.
    const unread = hasBody(request) ? CLOSE : NO_HEADERS;
    if (request.method !== 'POST') return answerError(response, 405, ErrorCode.BAD_FRAME, 'commands are sent with POST', { allow: 'POST', ...unread });
    const hub = this.#hub;
    const implicit = this.#implicit;
    if (hub === undefined || implicit === undefined || this.#shutdown.closed) return answerError(response, 503, ErrorCode.UNAVAILABLE, 'the server is not serving commands', unread);
    const type = decodeType(rawType);
    if (type instanceof CommandError) return answerError(response, 400, type.code, type.message, unread);
    const meta = readCommandMeta(request.headers);
    if (typeof meta === 'string') return answerError(response, 400, ErrorCode.BAD_FRAME, meta, unread);
    let connection: Connection;
    const token = request.headers['switchyard-session'];
    if (token !== undefined) {
      const session = typeof token === 'string' ? this.#sessions.get(token) : undefined;
      if (session === undefined || !session.open) return answerError(response, 401, ErrorCode.UNAUTHORIZED, 'the session token is unknown or its session has ended; open a new event stream', unread);
      connection = session;
    } else {
      const user = this.#anonymous ? undefined : await this.#authenticate(request, response);
      if (user === false) return;
      const admission = implicit.acquire(request.socket, user);
      if (!admission.ok) return answerError(response, 429, ErrorCode.RATE_LIMITED, admission.reason, { ...retryAfter(admission.retryAfterMs), ...unread });
      connection = admission.connection;
    }
    const body = await readJsonBody(request, this.#options.maxBodyBytes, this.#options.bodyTimeoutMs);
    if (!body.ok) return answerError(response, body.status, ErrorCode.BAD_FRAME, body.message, CLOSE);
    const id = (++this.#sequence).toString(36);
    hub.request(connection, () => decodeHttpCommand(type, id, body.text, meta), (reply) => this.#answer(response, reply));
  }

  async #openStream(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET') return answerError(response, 405, ErrorCode.BAD_FRAME, 'the event stream is opened with GET', { allow: 'GET' });
    const hub = this.#hub;
    const policy = this.#policy;
    if (hub === undefined || policy === undefined || !this.#shutdown.accepting) return answerError(response, 503, ErrorCode.UNAVAILABLE, 'the server is not opening sessions');
    if (this.#streams.size >= this.#options.maxStreams) return answerError(response, 503, ErrorCode.UNAVAILABLE, 'the server holds as many event streams as it may');
    // The address's budget comes before authenticate(), the costly step a flood would aim at.
    const admission = hub.budgets.admit(request.socket);
    if (!admission.ok) return answerError(response, 429, ErrorCode.RATE_LIMITED, admission.reason, retryAfter(admission.retryAfterMs));
    const lease = admission.lease;
    const user = this.#anonymous ? undefined : await this.#authenticate(request, response);
    if (user === false) return void lease.release();
    const identified = hub.budgets.identify(lease, user?.id);
    if (!identified.ok) {
      lease.release();
      return answerError(response, 429, ErrorCode.RATE_LIMITED, identified.reason, retryAfter(identified.retryAfterMs));
    }
    if (!this.#shutdown.accepting || response.destroyed) {
      lease.release();
      return answerError(response, 503, ErrorCode.UNAVAILABLE, 'the server is not opening sessions');
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    if (this.#options.retryMs > 0) response.write(`retry: ${this.#options.retryMs}\n\n`);
    else response.flushHeaders();
    request.socket.setNoDelay(true);
    const socket = new SseSocket(response, policy, this.#streams);
    const token = (socket.token = randomBytes(24).toString('base64url'));
    // An EventSource reconnecting hands back the last id it was sent: with recovery on, that resumes the session it names.
    const lastEventId = request.headers['last-event-id'];
    const greeted = typeof lastEventId === 'string' && this.#context?.recovery !== undefined ? (opened: Connection) => this.#resume(hub, socket, opened, SseCursor.read(lastEventId)) : undefined;
    const connection = (socket.connection = hub.open(socket, user, this.#verifyToken, { greeting: { sessionToken: token }, greeted }));
    this.#sessions.set(token, connection);
    connection.lease = lease;
    response.once('close', () => {
      this.#sessions.delete(token);
      socket.closed();
    });
  }

  /**
   * Runs `session.resume` for a stream that came back with `Last-Event-ID`,
   * as a socket's client would send it first thing, and tells the stream
   * how it went with `session.resumed` (after the replayed events, as a
   * socket gets the result after them).
   */
  #resume(hub: ConnectionHub, socket: SseSocket, connection: Connection, payload: SessionResumePayload): void {
    const id = (++this.#sequence).toString(36);
    hub.request(connection, () => ({ ok: true, type: SessionResume.type, id, payload }), (reply) => {
      if (reply?.kind === 'error') connection.log.debug({ code: reply.error.code }, 'an event stream could not resume its session');
      const result: SessionResumeResult = reply?.kind === 'result' ? (reply.payload as SessionResumeResult) : { recovered: false, rooms: [], replayed: 0, resume: socket.grant ?? { token: '', ttlMs: 0 } };
      connection.send(sseCodec.encodeEvent(SessionResumed.type, result));
    });
  }

  /** The caller's identity, `undefined` for anonymous, or `false` once it has been answered (refused, timed out, gone). */
  async #authenticate(request: IncomingMessage, response: ServerResponse): Promise<Identity | undefined | false> {
    const outcome = await authenticateUpgrade(this.#options, request, request.socket);
    if (outcome.kind === 'identified') return outcome.user;
    if (outcome.kind === 'gone') response.destroy();
    else if (outcome.kind === 'timed-out') answerError(response, 503, ErrorCode.UNAVAILABLE, 'authentication did not answer in time; try again', CLOSE);
    else {
      this.#context?.logger.debug({ err: outcome.error }, 'request refused by authenticate()');
      answerError(response, 401, ErrorCode.UNAUTHORIZED, 'the credentials were refused', { 'www-authenticate': 'Bearer', ...CLOSE });
    }
    return false;
  }

  #answer(response: ServerResponse, reply: Reply | undefined): void {
    // Every posted command has an id, so the bus answers each; a missing reply is nothing to say.
    if (reply === undefined) return void (response.headersSent || response.destroyed || response.writeHead(204).end());
    if (reply.kind === 'error') return answerWireError(response, reply.error);
    let body: string;
    try {
      body = JSON.stringify(reply.payload) ?? 'null';
    } catch (error) {
      // A result that cannot be encoded (a BigInt, a cycle) is the handler's bug, not the client's.
      this.#context?.logger.error({ err: error }, 'result could not be encoded');
      return answerError(response, 500, ErrorCode.INTERNAL, 'internal error');
    }
    if (response.writableEnded || response.destroyed) return;
    response.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' }).end(body);
  }

  #failed(response: ServerResponse, error: unknown): void {
    this.#context?.reportError(error);
    answerError(response, 500, ErrorCode.INTERNAL, 'internal error');
  }

  close(): Promise<void> {
    return this.#shutdown.close();
  }

  /**
   * Drains for shutdown: refuses new streams and commands (503), tells every
   * stream `session.draining`, lets running commands reply (for at most
   * `deadlineMs`), then ends every stream. Resolves whether every command
   * finished in time. Idempotent.
   *
   * @example
   * process.once('SIGTERM', () => void transport.drain({ deadlineMs: 10_000 }));
   */
  drain(options: DrainOptions = {}): Promise<boolean> {
    return this.#shutdown.drain(options);
  }

  async #close(): Promise<void> {
    await this.#starting?.catch(ignore);
    this.#release();
    const server = this.#server;
    if (this.#ownsServer && server?.listening) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), CLOSE_TIMEOUT_MS);
      await closed;
      clearTimeout(timer);
    }
  }

  #release(): void {
    clearInterval(this.#heartbeat);
    this.#hub?.close();
    this.#sessions.clear();
    const server = this.#server;
    if (server !== undefined && !this.#ownsServer) {
      server.off('request', this.#onRequest);
      for (const listener of this.#others) server.on('request', listener);
      this.#others = [];
    }
  }
}

const CLOSE = Object.freeze({ connection: 'close' });
const NO_HEADERS = Object.freeze({});

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function beat(streams: ReadonlySet<SseSocket>): void {
  for (const stream of streams) stream.heartbeat();
}

function decodeType(raw: string): string | CommandError {
  let type = raw;
  try {
    if (raw.includes('%')) type = decodeURIComponent(raw);
  } catch {
    return new CommandError(ErrorCode.BAD_FRAME, 'the command type in the path is not valid percent-encoding');
  }
  if (type.length === 0) return new CommandError(ErrorCode.BAD_FRAME, 'the path names no command type: POST /commands/{type}');
  if (type.length > MAX_TYPE_LENGTH) return new CommandError(ErrorCode.BAD_FRAME, `a command type is at most ${MAX_TYPE_LENGTH} characters`);
  return type;
}

function retryAfter(ms: number | undefined): Record<string, string> {
  return ms === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) };
}

function answerWireError(response: ServerResponse, error: WireError): void {
  const headers: Record<string, string> = error.code === ErrorCode.RATE_LIMITED ? { 'retry-after': '1' } : {};
  send(response, httpStatusOf(error.code), JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } }), headers);
}

function answerError(response: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  send(response, status, JSON.stringify({ error: { code, message, details: [] } }), headers);
}

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers }).end(body);
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function ignore(): void {}
