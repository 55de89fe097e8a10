import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';

/** Options of the Redis backplane and presence. Give `url` or `client`, not both. */
export interface RedisScaleOutOptions {
  /** A Redis URL such as `redis://127.0.0.1:6379`. */
  url?: string;
  /**
   * An ioredis client you already configure (TLS, Sentinel, auth). Switchyard
   * never sends commands on it: it opens its own connections with
   * `client.duplicate()`, overriding only the offline queue and the retry delay.
   */
  client?: Redis;
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
  readonly client: Redis | undefined;
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
  if (options.url !== undefined && !/^rediss?:\/\//.test(options.url)) throw new TypeError('"url" must start with redis:// or rediss://');
  const resolved: ResolvedRedisOptions = {
    url: options.url,
    client: options.client,
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
