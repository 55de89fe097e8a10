import type { Cluster, Redis } from 'ioredis';
import type { CachedReply, ReplyCache } from '../../recovery/reply-cache.js';
import { beginScript, finishScript } from './session-scripts.js';

/** How often a retry looks again for the reply of a run still going on another node. */
const POLL_MS = 25;

/**
 * Command replies in Redis, per session (hash-tagged with the session, so
 * one shard holds them), so a retry on another node finds them: the first
 * run sets a running mark (HSETNX), its reply replaces the mark, and a retry
 * that finds the mark polls until the reply is there or `waitMs` passes
 * (then `TIMEOUT`). At most `maxPerSession` replies, the oldest finished go
 * first; the cache expires `ttlMs` after the session's last command.
 */
export class RedisReplyCache implements ReplyCache {
  readonly #redis: Redis | Cluster;
  readonly #prefix: string;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #waitMs: number;
  readonly #reportError: (error: unknown) => void;

  constructor(options: { readonly redis: Redis | Cluster; readonly keyPrefix: string; readonly ttlMs: number; readonly maxPerSession: number; readonly waitMs: number; readonly reportError: (error: unknown) => void }) {
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix;
    this.#ttlMs = options.ttlMs;
    this.#max = options.maxPerSession;
    this.#waitMs = options.waitMs;
    this.#reportError = options.reportError;
  }

  async begin(sessionId: string, commandId: string): Promise<CachedReply | undefined> {
    const keys = this.#keys(sessionId);
    const deadline = Date.now() + this.#waitMs;
    let value = await beginScript.run(this.#redis, keys, [commandId, this.#max, this.#ttlMs]);
    while (value === '~') {
      if (Date.now() > deadline) return { ok: false, error: { code: 'TIMEOUT', message: 'the first run of this command did not reply in time', details: [] } };
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      value = await this.#redis.hget(keys[0], commandId);
    }
    if (typeof value !== 'string') return undefined;
    try {
      return JSON.parse(value) as CachedReply;
    } catch {
      return undefined;
    }
  }

  finish(sessionId: string, commandId: string, reply: CachedReply): void {
    let json: string;
    try {
      json = JSON.stringify(reply);
    } catch (error) {
      json = JSON.stringify({ ok: false, error: { code: 'INTERNAL', message: 'internal error', details: [] } });
      this.#reportError(error);
    }
    finishScript.run(this.#redis, [this.#keys(sessionId)[0]], [commandId, json, this.#ttlMs]).catch(this.#reportError);
  }

  async close(): Promise<void> {}

  #keys(sessionId: string): [string, string] {
    const tag = `${this.#prefix}{session:${sessionId}}`;
    return [`${tag}:replies`, `${tag}:order`];
  }
}
