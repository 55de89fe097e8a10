import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { cartFrom, lineKey, type Cart, type CartLine } from './cart.js';
import type { CartStore } from './cart-store.js';

/** Options of a {@link RedisCartStore}. */
export interface RedisCartStoreOptions {
  /** Redis connection URL, such as `redis://127.0.0.1:6379`. Required. */
  url: string;
  /** Prefix of every key the store writes. @default 'switchyard:demo:' */
  keyPrefix?: string;
  /** Where connection trouble is logged (commands fail on their own while Redis is away). @default none */
  logger?: Logger;
}

const defaults = Object.freeze({ keyPrefix: 'switchyard:demo:' });

/**
 * Carts in Redis, one hash per user (`<prefix>cart:<userId>`, field = line
 * key, value = quantity). `HINCRBY` and `HGETALL` run in one `MULTI`, so
 * concurrent adds from two tabs both count and each answer is a consistent
 * snapshot. A server restart loses nothing.
 *
 * @example
 * const store = new RedisCartStore({ url: process.env.REDIS_URL });
 */
export class RedisCartStore implements CartStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  #closing: Promise<void> | undefined;

  constructor(options: RedisCartStoreOptions) {
    if (typeof options.url !== 'string' || options.url.length === 0) throw new TypeError('"url" must be a Redis URL');
    this.#prefix = options.keyPrefix ?? defaults.keyPrefix;
    // Fail commands quickly while Redis is away instead of queueing them for ever.
    this.#redis = new Redis(options.url, { maxRetriesPerRequest: 2, lazyConnect: false });
    const logger = options.logger;
    this.#redis.on('error', (error: Error) => logger?.warn({ err: error }, 'cart store: Redis connection error'));
  }

  async get(userId: string): Promise<Cart> {
    return cartFrom(userId, toQuantities(await this.#redis.hgetall(this.#key(userId))));
  }

  async addItem(userId: string, line: CartLine): Promise<Cart> {
    const key = this.#key(userId);
    const replies = await this.#redis.multi().hincrby(key, lineKey(line), line.quantity).hgetall(key).exec();
    const failed = replies?.find(([error]) => error !== null);
    if (replies === null || failed !== undefined) throw failed?.[0] ?? new Error('the cart transaction was aborted');
    return cartFrom(userId, toQuantities(replies[1]?.[1] as Record<string, string>));
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#redis.quit().then(
      () => undefined,
      () => this.#redis.disconnect(),
    ));
  }

  #key(userId: string): string {
    return `${this.#prefix}cart:${userId}`;
  }
}

function toQuantities(hash: Record<string, string>): [string, number][] {
  return Object.entries(hash).map(([key, value]) => [key, Number(value)]);
}
