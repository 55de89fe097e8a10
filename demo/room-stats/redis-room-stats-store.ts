import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RoomChange, RoomStatsStore, RoomTally } from './room-stats-store.js';

/** Options of a {@link RedisRoomStatsStore}. */
export interface RedisRoomStatsStoreOptions {
  /** Redis connection URL, such as `redis://127.0.0.1:6379`. Required. */
  url: string;
  /** Prefix of every key the store writes. @default 'switchyard:demo:' */
  keyPrefix?: string;
  /** Where connection trouble and malformed hashes are logged. @default none */
  logger?: Logger;
}

const defaults = Object.freeze({ keyPrefix: 'switchyard:demo:' });

// Adds in one step, so two nodes saving one room at once both count, and the last activity only moves forward.
const ADD = `
redis.call('HINCRBY', KEYS[1], 'messages', ARGV[1])
local last = tonumber(redis.call('HGET', KEYS[1], 'lastActivityAt'))
if last == nil or last < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], 'lastActivityAt', ARGV[2]) end
return 1
`;

/**
 * Room statistics in Redis, one hash per room (`<prefix>room-stats:<room>`,
 * fields `messages` and `lastActivityAt`), added to by a script, so every
 * node's saves count and a restart loses nothing saved.
 *
 * @example
 * const store = new RedisRoomStatsStore({ url: process.env.REDIS_URL });
 */
export class RedisRoomStatsStore implements RoomStatsStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #logger: Logger | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: RedisRoomStatsStoreOptions) {
    if (typeof options.url !== 'string' || options.url.length === 0) throw new TypeError('"url" must be a Redis URL');
    this.#prefix = options.keyPrefix ?? defaults.keyPrefix;
    this.#logger = options.logger;
    // Fail quickly while Redis is away: the write-behind keeps the changes and tries again.
    this.#redis = new Redis(options.url, { maxRetriesPerRequest: 2, lazyConnect: false });
    const logger = options.logger;
    this.#redis.on('error', (error: Error) => logger?.warn({ err: error }, 'room stats store: Redis connection error'));
  }

  async read(room: string): Promise<RoomTally> {
    const [messages, lastActivityAt] = await this.#redis.hmget(this.#key(room), 'messages', 'lastActivityAt');
    return { messages: this.#count(room, 'messages', messages) ?? 0, lastActivityAt: this.#count(room, 'lastActivityAt', lastActivityAt) };
  }

  async add(changes: ReadonlyMap<string, RoomChange>): Promise<void> {
    if (changes.size === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const [room, change] of changes) pipeline.eval(ADD, 1, this.#key(room), change.messages, change.lastActivityAt);
    const replies = await pipeline.exec();
    const failed = replies?.find(([error]) => error !== null);
    if (replies === null || failed !== undefined) throw failed?.[0] ?? new Error('the room stats pipeline was aborted');
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#redis.quit().then(
      () => undefined,
      () => this.#redis.disconnect(),
    ));
  }

  #key(room: string): string {
    return `${this.#prefix}room-stats:${room}`;
  }

  /** A field read back from Redis: a non-negative integer, or `null` when absent or malformed (which is logged). */
  #count(room: string, field: string, text: string | null | undefined): number | null {
    if (text === null || text === undefined) return null;
    const value = Number(text);
    if (Number.isSafeInteger(value) && value >= 0) return value;
    this.#logger?.warn({ room, field }, 'room stats store: malformed field ignored');
    return null;
  }
}
