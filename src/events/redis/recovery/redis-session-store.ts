import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { SessionRecord, SessionStore } from '../../recovery/session-store.js';
import { claimScript, disconnectedScript, updateScript } from './session-scripts.js';

/**
 * Session records and resume tokens in Redis, so a session is resumed on
 * any node. Tokens are stored only as their SHA-256. A record whose
 * connection is open is kept alive by its node (its expiry renewed every
 * third of the TTL), so a node that dies leaves records that expire `ttlMs`
 * later, as a closed connection's do.
 */
export class RedisSessionStore implements SessionStore {
  readonly #redis: Redis | Cluster;
  readonly #prefix: string;
  readonly #ttlMs: number;
  /** Records held by this node's open connections, by session id: their owner mark and token key. */
  readonly #open = new Map<string, { readonly owner: string; readonly tokenKey: string | undefined }>();
  readonly #renewal: NodeJS.Timeout;
  readonly #reportError: (error: unknown) => void;

  constructor(options: { readonly redis: Redis | Cluster; readonly keyPrefix: string; readonly ttlMs: number; readonly reportError: (error: unknown) => void }) {
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix;
    this.#ttlMs = options.ttlMs;
    this.#reportError = options.reportError;
    this.#renewal = setInterval(() => this.#renew(), Math.max(1, Math.floor(this.#ttlMs / 3)));
    this.#renewal.unref();
  }

  async grant(record: SessionRecord, owner: string, token: string): Promise<void> {
    const key = this.#sessionKey(record.id);
    const hash = hashOf(token);
    this.#open.set(record.id, { owner, tokenKey: this.#tokenKey(hash) });
    const fields = ['record', JSON.stringify(record), 'owner', owner, 'token', hash, 'user', record.userId ?? '', 'open', '1'];
    if (this.#redis.isCluster) {
      // The token key is looked up by the token alone, so it cannot share the session's slot: two writes on a Cluster.
      await Promise.all([this.#redis.multi().hset(key, ...fields).pexpire(key, this.#ttlMs).exec(), this.#redis.set(this.#tokenKey(hash), record.id, 'PX', this.#ttlMs)]);
      return;
    }
    await this.#redis
      .multi()
      .hset(key, ...fields)
      .pexpire(key, this.#ttlMs)
      .set(this.#tokenKey(hash), record.id, 'PX', this.#ttlMs)
      .exec();
  }

  async update(record: SessionRecord, owner: string): Promise<void> {
    await updateScript.run(this.#redis, [this.#sessionKey(record.id)], [JSON.stringify(record), owner]);
  }

  async disconnected(sessionId: string, owner: string, ttlMs: number): Promise<void> {
    if (this.#open.get(sessionId)?.owner === owner) this.#open.delete(sessionId);
    await disconnectedScript.run(this.#redis, [this.#sessionKey(sessionId)], [owner, ttlMs]);
  }

  async claim(token: string, userId: string | null, owner: string): Promise<SessionRecord | undefined> {
    const hash = hashOf(token);
    const sessionId = await this.#redis.get(this.#tokenKey(hash));
    if (sessionId === null) return undefined;
    const json = await claimScript.run(this.#redis, [this.#sessionKey(sessionId)], [hash, userId ?? '', owner, this.#ttlMs]);
    if (typeof json !== 'string') return undefined;
    this.#open.set(sessionId, { owner, tokenKey: undefined });
    await this.#redis.del(this.#tokenKey(hash));
    try {
      return JSON.parse(json) as SessionRecord;
    } catch {
      return undefined;
    }
  }

  async discard(sessionId: string): Promise<void> {
    this.#open.delete(sessionId);
    await this.#redis.del(this.#sessionKey(sessionId));
  }

  async close(): Promise<void> {
    clearInterval(this.#renewal);
  }

  /** Renews the expiry of the records (and their token keys) of this node's open connections, in one pipeline. */
  #renew(): void {
    if (this.#open.size === 0 || this.#redis.status !== 'ready') return;
    const keys: string[] = [];
    for (const [sessionId, { tokenKey }] of this.#open) {
      keys.push(this.#sessionKey(sessionId));
      if (tokenKey !== undefined) keys.push(tokenKey);
    }
    if (this.#redis.isCluster) {
      // A Cluster pipeline must stay within one slot: one command per key (ioredis sends them to their shards at once).
      for (const key of keys) this.#redis.pexpire(key, this.#ttlMs).catch(this.#reportError);
      return;
    }
    const pipeline = this.#redis.pipeline();
    for (const key of keys) pipeline.pexpire(key, this.#ttlMs);
    pipeline.exec().catch(this.#reportError);
  }

  #sessionKey(sessionId: string): string {
    return `${this.#prefix}{session:${sessionId}}`;
  }

  #tokenKey(hash: string): string {
    return `${this.#prefix}resume:${hash}`;
  }
}

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
