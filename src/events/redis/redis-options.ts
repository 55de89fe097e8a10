import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { pino, type Logger } from 'pino';

/** How events reach other nodes: see "Interest or broadcast" in docs/scaling.md. */
export type BackplaneRouting = 'interest' | 'broadcast';

/** Options of the Redis backplane and presence. Give `url` or `client`, not both. */
export interface RedisScaleOutOptions {
  /**
   * A Redis URL such as `redis://127.0.0.1:6379`, or a Redis Cluster's
   * startup nodes as `redis+cluster://10.0.0.1:7000,10.0.0.2:7000`
   * (`rediss+cluster://` for TLS): on a Cluster, events go over sharded
   * pub/sub (Redis 7).
   */
  url?: string;
  /**
   * An ioredis client you already configure (TLS, Sentinel, auth), or an
   * ioredis `Cluster`. Switchyard never sends commands on it: it opens its
   * own connections with `client.duplicate()`, overriding only the offline
   * queue and the retry delay.
   */
  client?: Redis | Cluster;
  /**
   * `'interest'`: each event goes on its audience's channel (a room, a user,
   * a connection; `to.all()` on a shared one) and a node subscribes only to
   * the audiences it has local members of, so it pays for its own traffic.
   * `'broadcast'`: every event goes on one channel every node reads, and
   * each node drops what has no local recipient. Every node of an
   * application must use the same routing.
   * @default 'interest'
   */
  routing?: BackplaneRouting;
  /**
   * Under interest routing, how long a node stays subscribed to an audience
   * after its last local member left, in ms: a member that comes back
   * within it costs no resubscription. @default 2000
   */
  interestLingerMs?: number;
  /** Prefix of every key and channel, so several applications can share one Redis. @default 'switchyard:' */
  keyPrefix?: string;
  /** This node's id in messages and presence entries. @default 16 random hex characters */
  nodeId?: string;
  /** How often a node proves it is alive, in ms. @default 5000 */
  heartbeatMs?: number;
  /**
   * How long after its last heartbeat a node's presence entries stay visible,
   * in ms: the bound on how long a node that died without cleanup still
   * appears in `members()` and `sessions()`. At least twice `heartbeatMs`.
   * @default 15000
   */
  presenceTtlMs?: number;
  /** Longest wait between two reconnection attempts, in ms. @default 2000 */
  reconnectMaxDelayMs?: number;
  /** Where outages and recoveries are logged (once each, never per event). Without one, nothing is logged. @default a disabled logger */
  logger?: Logger;
  /**
   * A secret every node shares, at least 32 bytes (a string counts its UTF-8
   * bytes). When set, each backplane message is signed (HMAC-SHA256) and
   * messages without a valid signature are dropped and counted in
   * `stats.rejected`: for a Redis shared with clients that must not inject
   * events. All nodes need the same key. Without one, messages are not signed.
   * @default undefined
   */
  signingKey?: string | Uint8Array;
}

/** The options once defaults are applied and checked. */
export interface ResolvedRedisOptions {
  readonly url: string | undefined;
  readonly client: Redis | Cluster | undefined;
  /** The startup nodes of a `redis+cluster://` URL; `undefined` for one Redis or a client. */
  readonly clusterNodes: readonly { readonly host: string; readonly port: number }[] | undefined;
  /** Whether the URL or client is a Redis Cluster. */
  readonly cluster: boolean;
  readonly tls: boolean;
  readonly routing: BackplaneRouting;
  readonly interestLingerMs: number;
  readonly keyPrefix: string;
  readonly nodeId: string;
  readonly heartbeatMs: number;
  readonly presenceTtlMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly logger: Logger;
  readonly signingKey: KeyObject | undefined;
}

const defaults = Object.freeze({
  keyPrefix: 'switchyard:',
  heartbeatMs: 5000,
  presenceTtlMs: 15_000,
  reconnectMaxDelayMs: 2000,
  routing: 'interest',
  interestLingerMs: 2000,
});

/**
 * Merges the user's options over the defaults, rejects conflicts, and
 * freezes the result.
 *
 * @example
 * const resolved = resolveRedisOptions({ url: process.env.REDIS_URL });
 */
export function resolveRedisOptions(options: RedisScaleOutOptions): ResolvedRedisOptions {
  if (options.url !== undefined && options.client !== undefined) throw new TypeError('the "url" and "client" options cannot be combined');
  if (options.url === undefined && options.client === undefined) throw new TypeError('give the Redis "url" or an ioredis "client"');
  if (options.url !== undefined && !/^rediss?(\+cluster)?:\/\//.test(options.url)) {
    throw new TypeError('"url" must start with redis://, rediss://, redis+cluster:// or rediss+cluster://');
  }
  const clusterNodes = options.url === undefined ? undefined : readClusterNodes(options.url);
  const routing = options.routing ?? defaults.routing;
  if (routing !== 'interest' && routing !== 'broadcast') throw new TypeError('"routing" must be "interest" or "broadcast"');
  const resolved: ResolvedRedisOptions = {
    url: options.url,
    client: options.client,
    clusterNodes,
    cluster: clusterNodes !== undefined || (options.client as { isCluster?: boolean } | undefined)?.isCluster === true,
    tls: options.url?.startsWith('rediss') === true,
    routing,
    interestLingerMs: options.interestLingerMs ?? defaults.interestLingerMs,
    keyPrefix: options.keyPrefix ?? defaults.keyPrefix,
    nodeId: options.nodeId ?? randomBytes(8).toString('hex'),
    heartbeatMs: options.heartbeatMs ?? defaults.heartbeatMs,
    presenceTtlMs: options.presenceTtlMs ?? defaults.presenceTtlMs,
    reconnectMaxDelayMs: options.reconnectMaxDelayMs ?? defaults.reconnectMaxDelayMs,
    logger: options.logger ?? pino({ enabled: false }),
    signingKey: resolveSigningKey(options.signingKey),
  };
  if (resolved.nodeId.length === 0) throw new TypeError('"nodeId" must be a non-empty string');
  if (!Number.isInteger(resolved.heartbeatMs) || resolved.heartbeatMs < 10) throw new RangeError('"heartbeatMs" must be an integer of at least 10');
  if (!Number.isInteger(resolved.presenceTtlMs) || resolved.presenceTtlMs < 2 * resolved.heartbeatMs) {
    throw new RangeError('"presenceTtlMs" must be an integer of at least twice "heartbeatMs"');
  }
  if (!Number.isInteger(resolved.interestLingerMs) || resolved.interestLingerMs < 0) throw new RangeError('"interestLingerMs" must be a non-negative integer');
  if (!Number.isInteger(resolved.reconnectMaxDelayMs) || resolved.reconnectMaxDelayMs < 1) throw new RangeError('"reconnectMaxDelayMs" must be a positive integer');
  return Object.freeze(resolved);
}

const MIN_SIGNING_KEY_BYTES = 32;

function resolveSigningKey(key: string | Uint8Array | undefined): KeyObject | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'string' && !(key instanceof Uint8Array)) throw new TypeError('"signingKey" must be a string or a Uint8Array');
  // A copy: the caller may reuse or zero its buffer.
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (bytes.length < MIN_SIGNING_KEY_BYTES) throw new RangeError(`"signingKey" must be at least ${MIN_SIGNING_KEY_BYTES} bytes`);
  return createSecretKey(bytes);
}

/** The `host:port` list of a `redis+cluster://` URL; `undefined` for a plain Redis URL. */
function readClusterNodes(url: string): { host: string; port: number }[] | undefined {
  const match = /^rediss?\+cluster:\/\/([^/?#]*)/.exec(url);
  if (match === null) return undefined;
  const nodes = (match[1] ?? '').split(',').map((address) => {
    const at = address.lastIndexOf(':');
    const host = at === -1 ? address : address.slice(0, at);
    const port = at === -1 ? 6379 : Number(address.slice(at + 1));
    if (host === '' || !Number.isInteger(port) || port < 1 || port > 65_535) throw new TypeError(`"url" names a cluster node "${address}" that is not host:port`);
    return { host, port };
  });
  return nodes;
}
