import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/**
 * A Lua script run by its digest, with its source sent only when Redis does
 * not have it yet (after a restart, say). Its keys must share one hash tag,
 * so it runs on one shard of a Redis Cluster.
 *
 * @example
 * const script = new LuaScript('return redis.call("GET", KEYS[1])');
 * await script.run(redis, ['{room:lobby}:epoch'], []);
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis | Cluster, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}
