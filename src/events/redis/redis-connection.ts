import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { ResolvedRedisOptions } from './redis-options.js';

/**
 * Opens one Redis connection for Switchyard's own use: from the URL, or as a
 * duplicate of the user's client. The offline queue is off, so a command
 * sent while Redis is away fails at once instead of piling up in memory
 * (ioredis's queue has no size limit); reconnection never gives up. An
 * ioredis `keyPrefix` of the user's client is turned off on the duplicate:
 * presence names its keys in full, including inside a Lua script, where
 * ioredis could not add the prefix.
 *
 * @example
 * const publisher = openRedis(resolved, 'publisher');
 */
export function openRedis(options: ResolvedRedisOptions, role: string): Redis {
  if (options.cluster) throw new TypeError('openRedis() opens one Redis; on a Cluster use openRedisLink()');
  const overrides = connectionOverrides(options, role);
  if (options.client !== undefined) return (options.client as Redis).duplicate(overrides);
  return new Redis(options.url as string, overrides);
}

/**
 * Opens one Redis connection, or one ioredis `Cluster` (for a
 * `redis+cluster://` URL or a Cluster client), with the same overrides as
 * {@link openRedis}. `sharded` gives the Cluster its sharded subscribers
 * (one connection per master), for `SSUBSCRIBE`.
 *
 * @example
 * const subscriber = openRedisLink(resolved, 'sub', { sharded: true });
 */
export function openRedisLink(options: ResolvedRedisOptions, role: string, { sharded = false } = {}): Redis | Cluster {
  if (!options.cluster) return openRedis(options, role);
  const { retryStrategy, ...redisOptions } = connectionOverrides(options, role);
  const clusterOptions: ClusterOptions = {
    enableOfflineQueue: false,
    shardedSubscribers: sharded,
    clusterRetryStrategy: retryStrategy as ClusterOptions['clusterRetryStrategy'],
    // A promoted replica or a moved slot: follow it rather than fail the command.
    retryDelayOnFailover: 100,
    redisOptions: options.tls ? { ...redisOptions, tls: {} } : redisOptions,
  };
  if (options.client !== undefined) return (options.client as Cluster).duplicate([], clusterOptions);
  return new Cluster(options.clusterNodes as { host: string; port: number }[], clusterOptions);
}

function connectionOverrides(options: ResolvedRedisOptions, role: string): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: null,
    connectionName: `switchyard-${options.nodeId}-${role}`,
    keyPrefix: '',
    // The backplane subscribes every channel again itself on each ready, and knows which it no longer wants.
    autoResubscribe: false,
    // A user's client made with lazyConnect would otherwise hand that on, and ours would never connect.
    lazyConnect: false,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 10), options.reconnectMaxDelayMs),
  };
}

/** Closes a connection Switchyard opened: politely when it is up, at once when it is not. */
export async function closeRedis(redis: Redis | Cluster): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
