import { Redis, type RedisOptions } from 'ioredis';
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
  const overrides: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: null,
    connectionName: `switchyard-${options.nodeId}-${role}`,
    keyPrefix: '',
    // A user's client made with lazyConnect would otherwise hand that on, and ours would never connect.
    lazyConnect: false,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 10), options.reconnectMaxDelayMs),
  };
  if (options.client !== undefined) return options.client.duplicate(overrides);
  return new Redis(options.url as string, overrides);
}

/** Closes a connection Switchyard opened: politely when it is up, at once when it is not. */
export async function closeRedis(redis: Redis): Promise<void> {
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
