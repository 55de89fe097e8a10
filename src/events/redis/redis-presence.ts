import type { ChainableCommander, Redis } from 'ioredis';
import { BehaviorSubject, filter, firstValueFrom } from 'rxjs';
import { Presence, type PresenceEntry } from '../presence.js';
import { closeRedis, openRedis } from './redis-connection.js';
import { RedisLinkState } from './redis-link-state.js';
import { resolveRedisOptions, type RedisScaleOutOptions, type ResolvedRedisOptions } from './redis-options.js';

/** One stored entry: the owning node and the user, as a hash field's value. */
interface StoredEntry {
  readonly n: string;
  readonly u: string | null;
}

interface LocalSession {
  readonly userId: string | undefined;
  readonly rooms: Set<string>;
}

/**
 * Presence across nodes, in Redis: one hash per room and one per user,
 * field = connection id, value = owning node and user. Each node refreshes
 * a liveness key every `heartbeatMs`; it expires `presenceTtlMs` after the
 * last one. Readers ignore (and remove) entries of nodes whose key is gone,
 * so a node that dies without cleanup vanishes from `members()` and
 * `sessions()` within `presenceTtlMs`.
 *
 * This node's own entries are also kept in memory, which is what lets it
 * keep serving while Redis is away: writes are recorded locally and the
 * whole local state is written back once Redis returns (even a Redis that
 * restarted empty). Reads need Redis and reject while it is unreachable.
 *
 * @example
 * const presence = new RedisPresence({ url: process.env.REDIS_URL });
 * const app = new Switchyard({ backplane, presence });
 * const members = await presence.members('lobby');
 */
export class RedisPresence extends Presence {
  readonly #options: ResolvedRedisOptions;
  readonly #redis: Redis;
  readonly #link: RedisLinkState;
  readonly #sessions = new Map<string, LocalSession>();
  /** Hash fields of this node removed while their removal could not reach Redis. */
  readonly #pendingRemovals = new Map<string, Set<string>>();
  readonly #timer: NodeJS.Timeout;
  /** Changes not yet in Redis; a node starts with one (itself). Non-zero means the next heartbeat writes everything back. */
  #unsynced = 1;
  readonly #synced = new BehaviorSubject(false);
  #closing: Promise<void> | undefined;

  constructor(options: RedisScaleOutOptions) {
    super();
    this.#options = resolveRedisOptions(options);
    this.#link = new RedisLinkState(this.#options.logger, 'presence', 'presence changes are kept locally and written back when it returns');
    this.#redis = openRedis(this.#options, 'presence');
    this.#redis.on('error', this.#onError);
    this.#redis.on('ready', this.#heartbeat);
    this.#redis.on('close', this.#onClose);
    this.#timer = setInterval(this.#heartbeat, this.#options.heartbeatMs);
    this.#timer.unref();
  }

  /** This node's id, stored with each of its entries. */
  get nodeId(): string {
    return this.#options.nodeId;
  }

  /** Resolves once this node's presence has been written to Redis. */
  async ready(): Promise<void> {
    await firstValueFrom(this.#synced.pipe(filter(Boolean)));
  }

  async connected(entry: PresenceEntry): Promise<void> {
    this.#sessions.set(entry.connectionId, { userId: entry.userId, rooms: new Set() });
    if (entry.userId !== undefined) await this.#put(this.#userKey(entry.userId), entry);
  }

  async disconnected(connectionId: string): Promise<void> {
    const session = this.#sessions.get(connectionId);
    if (session === undefined) return;
    this.#sessions.delete(connectionId);
    const keys = [...session.rooms].map((room) => this.#roomKey(room));
    if (session.userId !== undefined) keys.push(this.#userKey(session.userId));
    await this.#remove(keys, connectionId);
  }

  async joined(room: string, entry: PresenceEntry): Promise<void> {
    let session = this.#sessions.get(entry.connectionId);
    if (session === undefined) this.#sessions.set(entry.connectionId, (session = { userId: entry.userId, rooms: new Set() }));
    session.rooms.add(room);
    await this.#put(this.#roomKey(room), entry);
  }

  async left(room: string, connectionId: string): Promise<void> {
    this.#sessions.get(connectionId)?.rooms.delete(room);
    await this.#remove([this.#roomKey(room)], connectionId);
  }

  async members(room: string): Promise<PresenceEntry[]> {
    return this.#read(this.#roomKey(room));
  }

  async sessions(userId: string): Promise<PresenceEntry[]> {
    return this.#read(this.#userKey(userId));
  }

  /** Stops the heartbeat, removes this node's entries, and closes the connection. Idempotent. */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    clearInterval(this.#timer);
    this.#synced.complete();
    this.#redis.off('close', this.#onClose);
    if (this.#redis.status === 'ready') {
      const batch = this.#redis.multi().del(this.#nodeKey());
      for (const [connectionId, session] of this.#sessions) {
        for (const key of this.#keysOf(session)) batch.hdel(key, connectionId);
      }
      await batch.exec().catch(this.#onError);
    }
    this.#sessions.clear();
    await closeRedis(this.#redis);
  }

  async #put(key: string, entry: PresenceEntry): Promise<void> {
    this.#pendingRemovals.get(key)?.delete(entry.connectionId);
    const batch = this.#redis.multi();
    this.#alive(batch);
    batch.hset(key, entry.connectionId, this.#value(entry.userId)).pexpire(key, this.#options.presenceTtlMs);
    await this.#send(batch);
  }

  async #remove(keys: string[], connectionId: string): Promise<void> {
    if (keys.length === 0) return;
    const batch = this.#redis.multi();
    for (const key of keys) batch.hdel(key, connectionId);
    if (await this.#send(batch)) return;
    for (const key of keys) {
      let fields = this.#pendingRemovals.get(key);
      if (fields === undefined) this.#pendingRemovals.set(key, (fields = new Set()));
      fields.add(connectionId);
    }
  }

  /** Sends a write; if Redis cannot take it, marks the state for a full write-back instead of failing the caller. */
  async #send(batch: ChainableCommander): Promise<boolean> {
    if (this.#closing !== undefined) return true;
    if (this.#link.isUp && this.#unsynced === 0) {
      try {
        await batch.exec();
        return true;
      } catch (error) {
        this.#link.down(error);
      }
    }
    this.#unsynced += 1;
    this.#synced.next(false);
    this.#link.lost();
    return false;
  }

  async #read(key: string): Promise<PresenceEntry[]> {
    if (this.#redis.status !== 'ready') throw new Error('presence is unavailable: Redis is unreachable');
    const fields = await this.#redis.hgetall(key);
    const parsed = Object.entries(fields).map(([connectionId, raw]) => ({ connectionId, stored: parse(raw) }));
    const nodes = [...new Set(parsed.map(({ stored }) => stored.n))].filter((node) => node !== this.#options.nodeId);
    const alive = new Set([this.#options.nodeId]);
    if (nodes.length > 0) {
      const found = await this.#redis.mget(nodes.map((node) => this.#nodeKey(node)));
      nodes.forEach((node, index) => found[index] !== null && alive.add(node));
    }
    const dead = parsed.filter(({ stored }) => !alive.has(stored.n)).map(({ connectionId }) => connectionId);
    if (dead.length > 0) this.#redis.hdel(key, ...dead).catch(this.#onError);
    return parsed
      .filter(({ stored }) => alive.has(stored.n))
      .map(({ connectionId, stored }) => ({ connectionId, userId: stored.u ?? undefined }));
  }

  readonly #heartbeat = (): void => {
    if (this.#closing !== undefined || this.#redis.status !== 'ready') return;
    const batch = this.#redis.multi().exists(this.#nodeKey());
    this.#alive(batch);
    // Changes deferred while this batch is in flight stay counted, so they are written back next time.
    const unsynced = this.#unsynced;
    if (unsynced > 0) this.#writeBack(batch);
    else for (const key of this.#localKeys()) batch.pexpire(key, this.#options.presenceTtlMs);
    batch.exec().then(
      (results) => {
        this.#link.up();
        this.#unsynced -= unsynced;
        // Our liveness key had expired (a long pause, a flushed Redis): others may have removed our entries.
        if (unsynced === 0 && results?.[0]?.[1] === 0 && this.#sessions.size > 0) this.#unsynced += 1;
        this.#synced.next(this.#unsynced === 0);
        if (this.#unsynced > 0) this.#heartbeat();
      },
      (error: unknown) => {
        this.#link.down(error);
        this.#synced.next(false);
      },
    );
  };

  /** Adds to `batch` everything needed to make Redis match this node's state again. */
  #writeBack(batch: ChainableCommander): void {
    for (const [key, fields] of this.#pendingRemovals) batch.hdel(key, ...fields);
    this.#pendingRemovals.clear();
    for (const [connectionId, session] of this.#sessions) {
      const value = this.#value(session.userId);
      for (const key of this.#keysOf(session)) batch.hset(key, connectionId, value).pexpire(key, this.#options.presenceTtlMs);
    }
  }

  #alive(batch: ChainableCommander): void {
    batch.set(this.#nodeKey(), '1', 'PX', this.#options.presenceTtlMs);
  }

  #localKeys(): Set<string> {
    const keys = new Set<string>();
    for (const session of this.#sessions.values()) for (const key of this.#keysOf(session)) keys.add(key);
    return keys;
  }

  #keysOf(session: LocalSession): string[] {
    const keys = [...session.rooms].map((room) => this.#roomKey(room));
    if (session.userId !== undefined) keys.push(this.#userKey(session.userId));
    return keys;
  }

  #value(userId: string | undefined): string {
    return JSON.stringify({ n: this.#options.nodeId, u: userId ?? null } satisfies StoredEntry);
  }

  #nodeKey(nodeId = this.#options.nodeId): string {
    return `${this.#options.keyPrefix}node:${nodeId}`;
  }

  #roomKey(room: string): string {
    return `${this.#options.keyPrefix}room:${room}`;
  }

  #userKey(userId: string): string {
    return `${this.#options.keyPrefix}user:${userId}`;
  }

  readonly #onClose = (): void => {
    // Redis may come back empty (a restart without persistence): write everything back then.
    this.#unsynced += 1;
    this.#link.down();
    this.#synced.next(false);
  };

  readonly #onError = (error: unknown): void => {
    this.#options.logger.debug({ err: error }, 'redis connection error');
  };
}

function parse(raw: string): StoredEntry {
  try {
    const value = JSON.parse(raw) as Partial<StoredEntry>;
    return { n: String(value.n), u: typeof value.u === 'string' ? value.u : null };
  } catch {
    return { n: '', u: null };
  }
}
