import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { HttpTransport, WebSocketTransport, jsonRpcCodec, type Identity, type Switchyard } from '../src/index.js';
import { redisRecoveryStore, scaleOutFromEnv } from '../src/redis.js';
import { createDemoApp } from './app.js';
import type { CartStore } from './cart/cart-store.js';
import { MemoryCartStore } from './cart/memory-cart-store.js';
import { RedisCartStore } from './cart/redis-cart-store.js';
import { asyncApiRoute } from './http/asyncapi-route.js';
import { serveStatic } from './http/static-files.js';
import { MemoryRoomStatsStore } from './room-stats/memory-room-stats-store.js';
import { RedisRoomStatsStore } from './room-stats/redis-room-stats-store.js';
import type { RoomStatsStore } from './room-stats/room-stats-store.js';
import { metricsRoute } from './http/metrics-route.js';
import { startDemoObservability } from './observability.js';

/** Options of the demo server. */
export interface DemoServerOptions {
  /** Port for HTTP and WebSocket alike; `0` picks a free one. @default 8080 */
  port?: number;
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /**
   * Keep carts in this Redis and share events and presence with every other
   * node on it; without it the demo is one node with everything in memory.
   * @default undefined
   */
  redisUrl?: string;
  /** Sessions one room holds. @default 100 */
  roomCapacity?: number;
  /** How often changed room statistics are saved, in ms. @default 5000 */
  statsIntervalMs?: number;
  /** How long a joiner waits for the most active member's `room.state`, in ms. @default 1000 */
  catchUpTimeoutMs?: number;
  /** The pino logger. @default pino at `LOG_LEVEL` or 'info' */
  logger?: Logger;
  /** Export traces over OTLP/HTTP to this collector (`http://127.0.0.1:4318`). @default undefined (no tracing) */
  otlpEndpoint?: string;
}

/** A running demo server. */
export interface DemoServer {
  readonly app: Switchyard;
  /** `http://host:port`, the page. */
  readonly url: string;
  /** `ws://host:port/ws`, the bus. */
  readonly wsUrl: string;
  readonly port: number;
  /** Closes the bus (saving the room statistics), the HTTP server and the stores. Idempotent. */
  close(): Promise<void>;
}

const defaults = Object.freeze({ port: 8080, host: '127.0.0.1' });

// Resolved from this module so the server finds its files from any working directory:
// dist/demo/demo-server.js -> demo/public (the page) and dist/src/client (the compiled client).
const publicDir = fileURLToPath(new URL('../../demo/public/', import.meta.url));
const clientDir = fileURLToPath(new URL('../src/client/', import.meta.url));

/**
 * Starts the demo: one port, the page at `/`, the compiled client at
 * `/client/`, the bus at `/ws` (protocol v1) and `/rpc` (JSON-RPC 2.0),
 * over HTTP at `POST /commands/{type}` and `GET /events`, its AsyncAPI
 * contract at `/asyncapi.json`, its metrics at `/metrics`.
 *
 * @example
 * const server = await startDemoServer({ port: 0 });
 * console.log(server.url);
 * await server.close();
 */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const port = options.port ?? defaults.port;
  const host = options.host ?? defaults.host;
  const cartStore: CartStore =
    options.redisUrl === undefined ? new MemoryCartStore() : new RedisCartStore({ url: options.redisUrl, ...(options.logger ? { logger: options.logger } : {}) });
  const roomStatsStore: RoomStatsStore =
    options.redisUrl === undefined ? new MemoryRoomStatsStore() : new RedisRoomStatsStore({ url: options.redisUrl, ...(options.logger ? { logger: options.logger } : {}) });
  const scaleOut = scaleOutFromEnv({ REDIS_URL: options.redisUrl }, options.logger ? { logger: options.logger } : {});
  await scaleOut.ready();
  // Recovery is on: in memory on one node, in Redis with REDIS_URL, so a page resumes on any node and across a restart.
  const recoveryStore = options.redisUrl === undefined ? undefined : redisRecoveryStore({ url: options.redisUrl, ...(options.logger ? { logger: options.logger } : {}) });
  const observability = startDemoObservability(options.otlpEndpoint === undefined ? {} : { otlpEndpoint: options.otlpEndpoint });
  const closeStores = (): Promise<unknown> => Promise.all([cartStore.close(), roomStatsStore.close(), scaleOut.close(), observability.close()]);
  // A start-up that fails (a handler module refused, say) must not leave Redis connections holding the process open.
  const app = await createDemoApp({
    telemetry: observability.telemetry,
    cartStore,
    roomStatsStore,
    ...(options.statsIntervalMs === undefined ? {} : { statsIntervalMs: options.statsIntervalMs }),
    backplane: scaleOut.backplane,
    presence: scaleOut.presence,
    recovery: recoveryStore === undefined ? true : { store: recoveryStore },
    ...(options.roomCapacity === undefined ? {} : { roomCapacity: options.roomCapacity }),
    ...(options.catchUpTimeoutMs === undefined ? {} : { catchUpTimeoutMs: options.catchUpTimeoutMs }),
    ...(options.logger ? { logger: options.logger } : {}),
  }).catch(async (error: unknown) => {
    await closeStores();
    throw error;
  });
  await recoveryStore?.ready();
  const serve = serveStatic([
    { prefix: '/', root: publicDir },
    { prefix: '/client/', root: clientDir },
  ]);
  const asyncapi = asyncApiRoute(app, () => `${host}:${(server.address() as AddressInfo).port}`);
  const metrics = metricsRoute(observability.registry);
  const server = createServer((request, response) => {
    if (asyncapi(request, response) || metrics(request, response)) return;
    serve(request, response).catch((error: unknown) => {
      app.logger.error({ err: error }, 'static file failed');
      response.destroy();
    });
  });
  await app.listen(new WebSocketTransport({ server, path: '/ws', authenticate }));
  // The same handlers for JSON-RPC 2.0 clients, and over plain HTTP (commands, and events as Server-Sent Events).
  await app.listen(new WebSocketTransport({ server, path: '/rpc', codec: jsonRpcCodec, authenticate }));
  await app.listen(new HttpTransport({ server, authenticate }));
  await listen(server, port, host);
  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    app,
    port: bound,
    url: `http://${host}:${bound}`,
    wsUrl: `ws://${host}:${bound}/ws`,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await closeStores();
      })()),
  };
}

/**
 * Demo only: the user is whoever the `user` query parameter says, and no
 * name means an anonymous session (it may chat, but has no cart). A real
 * service verifies a token here.
 */
function authenticate(request: IncomingMessage): Identity | undefined {
  const name = new URL(request.url ?? '/', 'http://localhost').searchParams.get('user')?.trim();
  return name ? { id: name.slice(0, 64) } : undefined;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
