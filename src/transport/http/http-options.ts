import type { IncomingMessage, Server } from 'node:http';
import type { Identity } from '../../protocol/identity.js';
import { normalizeOrigin, type AuthenticateContext } from '../websocket/websocket-options.js';
import { checkAuthenticate, checkPort, checkPositiveInteger, checkServerOrAddress, checkTimerMs } from '../option-checks.js';

/** Options of the {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** Port of the transport's own HTTP server (ignored with `server`). @default 8080 */
  port?: number;
  /** Interface of the transport's own HTTP server (ignored with `server`). @default '127.0.0.1' */
  host?: string;
  /**
   * An existing HTTP server to share (with the WebSocket transport, with the
   * application's own routes). The transport goes in front of the server's
   * `request` listeners present when it starts: it answers its own paths and
   * hands every other request on to them, so the application's routes keep
   * working. `false`: no server at all; the application calls
   * `transport.handle(request, response)` from its own handler or framework.
   * @default undefined (the transport listens on its own port)
   */
  server?: Server | false;
  /** Where commands are posted: `POST <commandsPath>/<type>`. @default '/commands' */
  commandsPath?: string;
  /** The event stream: `GET <eventsPath>`. @default '/events' */
  eventsPath?: string;
  /** Largest request body, in bytes; a larger one is answered 413 without being read. @default 65536 */
  maxBodyBytes?: number;
  /** Longest wait for a request body, in ms; a slower one is answered 408 and its connection closed. @default 10000 */
  bodyTimeoutMs?: number;
  /**
   * Works out who is calling, as the WebSocket transport's `authenticate`
   * does (the same function serves both): the identity, `undefined` for an
   * anonymous caller; a throw answers 401 `UNAUTHORIZED`. It runs for each
   * command posted without a session token, and once per event stream.
   * @default () => undefined
   */
  authenticate?: (request: IncomingMessage, context: AuthenticateContext) => Identity | undefined | Promise<Identity | undefined>;
  /** Longest wait for `authenticate`, in ms; past it the request is answered 503 `UNAVAILABLE`. @default 10000 */
  authenticateTimeoutMs?: number;
  /** How often each event stream gets a comment line, so proxies keep it open and dead peers are found, in ms. `0` turns it off. @default 15000 */
  heartbeatIntervalMs?: number;
  /**
   * How long an EventSource should wait before it reconnects a dropped
   * stream, in ms: sent as the stream's `retry:` field. With recovery on, the
   * reconnect resumes the session from `Last-Event-ID`. `0` sends none (the
   * client's default, 3 s in browsers, applies).
   * @default 0
   */
  retryMs?: number;
  /** Most bytes an event stream's outbound buffer may hold; past it volatile events are dropped and anything else ends the stream. @default 1048576 */
  maxBufferedBytes?: number;
  /** Most open event streams; further ones are answered 503. @default 50000 */
  maxStreams?: number;
  /** On the transport's own server: how long a client may take to send its request headers, in ms. @default 10000 */
  headersTimeoutMs?: number;
  /**
   * Origins (`scheme://host[:port]`) whose pages may call the transport from
   * a browser (CORS): their requests get `Access-Control-Allow-Origin` and
   * their preflights are answered; a request with any other `Origin` gets
   * 403 `FORBIDDEN`. A request without `Origin` (curl, a server) is allowed.
   * `undefined`: no CORS headers, so browsers allow only same-origin pages.
   * @default undefined
   */
  allowedOrigins?: readonly string[];
}

/** The options once defaults are applied and checked. */
export interface ResolvedHttpOptions {
  readonly port: number;
  readonly host: string;
  readonly server: Server | false | undefined;
  readonly commandsPrefix: string;
  readonly eventsPath: string;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  readonly authenticate: NonNullable<HttpTransportOptions['authenticate']>;
  readonly authenticateTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly retryMs: number;
  readonly maxBufferedBytes: number;
  readonly maxStreams: number;
  readonly headersTimeoutMs: number;
  readonly allowedOrigins: ReadonlySet<string> | undefined;
}

const defaults = Object.freeze({
  port: 8080,
  host: '127.0.0.1',
  commandsPath: '/commands',
  eventsPath: '/events',
  maxBodyBytes: 64 * 1024,
  bodyTimeoutMs: 10_000,
  authenticate: (): Identity | undefined => undefined,
  authenticateTimeoutMs: 10_000,
  heartbeatIntervalMs: 15_000,
  retryMs: 0,
  maxBufferedBytes: 1024 * 1024,
  maxStreams: 50_000,
  headersTimeoutMs: 10_000,
});

/**
 * Applies the defaults to the user's options, rejects conflicts and values
 * out of range, and freezes the result.
 *
 * @example
 * const options = resolveHttpOptions({ port: 0, maxBodyBytes: 16_384 });
 */
export function resolveHttpOptions(options: HttpTransportOptions): ResolvedHttpOptions {
  checkServerOrAddress(options);
  const commandsPath = options.commandsPath ?? defaults.commandsPath;
  const resolved: ResolvedHttpOptions = {
    port: options.port ?? defaults.port,
    host: options.host ?? defaults.host,
    server: options.server,
    commandsPrefix: commandsPath.endsWith('/') ? commandsPath : `${commandsPath}/`,
    eventsPath: options.eventsPath ?? defaults.eventsPath,
    maxBodyBytes: options.maxBodyBytes ?? defaults.maxBodyBytes,
    bodyTimeoutMs: options.bodyTimeoutMs ?? defaults.bodyTimeoutMs,
    authenticate: options.authenticate ?? defaults.authenticate,
    authenticateTimeoutMs: options.authenticateTimeoutMs ?? defaults.authenticateTimeoutMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? defaults.heartbeatIntervalMs,
    retryMs: options.retryMs ?? defaults.retryMs,
    maxBufferedBytes: options.maxBufferedBytes ?? defaults.maxBufferedBytes,
    maxStreams: options.maxStreams ?? defaults.maxStreams,
    headersTimeoutMs: options.headersTimeoutMs ?? defaults.headersTimeoutMs,
    allowedOrigins: options.allowedOrigins === undefined ? undefined : new Set(options.allowedOrigins.map(normalizeOrigin)),
  };
  checkPort(resolved.port);
  if (!commandsPath.startsWith('/') || !resolved.eventsPath.startsWith('/')) throw new TypeError('"commandsPath" and "eventsPath" must start with "/"');
  if (resolved.eventsPath.startsWith(resolved.commandsPrefix)) throw new TypeError('"eventsPath" cannot lie under "commandsPath"');
  checkPositiveInteger('maxBodyBytes', resolved.maxBodyBytes);
  checkAuthenticate(resolved.authenticate);
  checkTimerMs('bodyTimeoutMs', resolved.bodyTimeoutMs, 1);
  checkTimerMs('authenticateTimeoutMs', resolved.authenticateTimeoutMs, 1);
  checkTimerMs('headersTimeoutMs', resolved.headersTimeoutMs, 1);
  checkTimerMs('heartbeatIntervalMs', resolved.heartbeatIntervalMs, 0, ' (0 turns it off)');
  checkTimerMs('retryMs', resolved.retryMs, 0, ' (0 sends none)');
  checkPositiveInteger('maxBufferedBytes', resolved.maxBufferedBytes);
  checkPositiveInteger('maxStreams', resolved.maxStreams);
  return Object.freeze(resolved);
}
