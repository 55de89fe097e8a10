import { Redis, type RedisOptions } from 'ioredis';
import type { ResolvedRedisOptions } from './redis-options.js';

/**
 * Opens one Redis connection for Switchyard's own use: from the URL, or as a
 * duplicate of the user's client. The offline queue is off, so a command
 * sent while Redis is away fails at once instead of piling up in memory
 * (ioredis's queue has no size limit); reconnection never gives up.
 *
 * @example
 * const publisher = openRedis(resolved, 'publisher');
 */
export function openRedis(options: ResolvedRedisOptions, role: string): Redis {
  const overrides: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: null,
    connectionName: `switchyard-${options.nodeId}-${role}`,
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
