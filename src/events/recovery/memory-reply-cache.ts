import type { CachedReply, ReplyCache } from './reply-cache.js';

interface Slot {
  reply: CachedReply | undefined;
  /** Set while the first run is going: what its retries wait on. */
  waiters: Array<(reply: CachedReply) => void> | undefined;
  at: number;
}

/** Sessions whose newest reply is older than the TTL are swept this often. */
const SWEEP_INTERVAL_MS = 30_000;

/**
 * Command replies in this process, per session: at most `maxPerSession`
 * (the oldest finished go first; running ones are never evicted), each kept
 * `ttlMs` after it ran.
 *
 * @example
 * const replies = new MemoryReplyCache({ ttlMs: 120_000, maxPerSession: 256 });
 */
export class MemoryReplyCache implements ReplyCache {
  readonly #sessions = new Map<string, Map<string, Slot>>();
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: { readonly ttlMs: number; readonly maxPerSession: number }) {
    this.#ttlMs = options.ttlMs;
    this.#max = options.maxPerSession;
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(SWEEP_INTERVAL_MS, this.#ttlMs));
    this.#sweeper.unref();
  }

  begin(sessionId: string, commandId: string): CachedReply | undefined | Promise<CachedReply> {
    let slots = this.#sessions.get(sessionId);
    if (slots === undefined) this.#sessions.set(sessionId, (slots = new Map()));
    const now = Date.now();
    const slot = slots.get(commandId);
    if (slot !== undefined && (slot.reply === undefined || now - slot.at <= this.#ttlMs)) {
      if (slot.reply !== undefined) return slot.reply;
      return new Promise((resolve) => (slot.waiters ??= []).push(resolve));
    }
    slots.delete(commandId);
    slots.set(commandId, { reply: undefined, waiters: undefined, at: now });
    if (slots.size > this.#max) this.#evict(slots);
    return undefined;
  }

  finish(sessionId: string, commandId: string, reply: CachedReply): void {
    const slot = this.#sessions.get(sessionId)?.get(commandId);
    if (slot === undefined || slot.reply !== undefined) return;
    slot.reply = reply;
    slot.at = Date.now();
    const waiters = slot.waiters;
    slot.waiters = undefined;
    for (const wake of waiters ?? []) wake(reply);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  /** Drops the oldest finished reply (a Map iterates in insertion order). */
  #evict(slots: Map<string, Slot>): void {
    for (const [id, slot] of slots) {
      if (slot.reply === undefined) continue;
      slots.delete(id);
      return;
    }
  }

  #sweep(): void {
    const oldest = Date.now() - this.#ttlMs;
    for (const [sessionId, slots] of this.#sessions) {
      for (const [id, slot] of slots) if (slot.reply !== undefined && slot.at < oldest) slots.delete(id);
      if (slots.size === 0) this.#sessions.delete(sessionId);
    }
  }
}
