import type { CachedReply, ReplyCache } from './reply-cache.js';

interface Slot {
  readonly id: string;
  reply: CachedReply | undefined;
  /** Set while the first run is going: what its retries wait on. */
  waiters: Array<(reply: CachedReply) => void> | undefined;
  at: number;
}

/** One session's replies: by id, and a ring of the last `maxPerSession` in the order they began. */
interface SessionReplies {
  readonly slots: Map<string, Slot>;
  readonly ring: Array<Slot | undefined>;
  next: number;
}

/** Sessions whose newest reply is older than the TTL are swept this often. */
const SWEEP_INTERVAL_MS = 30_000;

/**
 * Command replies in this process, per session: the last `maxPerSession`
 * ids (a ring: the one begun `maxPerSession` ids ago goes when a new one
 * begins, unless it is still running), each kept at most `ttlMs` after it
 * ran. Answers synchronously, so a command pays two `Map` lookups.
 *
 * @example
 * const replies = new MemoryReplyCache({ ttlMs: 120_000, maxPerSession: 128 });
 */
export class MemoryReplyCache implements ReplyCache {
  readonly #sessions = new Map<string, SessionReplies>();
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
    let session = this.#sessions.get(sessionId);
    if (session === undefined) this.#sessions.set(sessionId, (session = { slots: new Map(), ring: new Array<Slot | undefined>(this.#max), next: 0 }));
    const now = Date.now();
    const slot = session.slots.get(commandId);
    if (slot !== undefined) {
      if (slot.reply === undefined) return new Promise((resolve) => (slot.waiters ??= []).push(resolve));
      if (now - slot.at <= this.#ttlMs) return slot.reply;
    }
    const fresh: Slot = { id: commandId, reply: undefined, waiters: undefined, at: now };
    session.slots.set(commandId, fresh);
    const old = session.ring[session.next];
    // A run still going is not forgotten; the sweep takes it once it has finished and aged.
    if (old !== undefined && old.reply !== undefined && session.slots.get(old.id) === old) session.slots.delete(old.id);
    session.ring[session.next] = fresh;
    session.next = (session.next + 1) % this.#max;
    return undefined;
  }

  finish(sessionId: string, commandId: string, reply: CachedReply): void {
    const slot = this.#sessions.get(sessionId)?.slots.get(commandId);
    if (slot === undefined || slot.reply !== undefined) return;
    slot.reply = reply;
    slot.at = Date.now();
    const waiters = slot.waiters;
    if (waiters === undefined) return;
    slot.waiters = undefined;
    for (const wake of waiters) wake(reply);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  #sweep(): void {
    const oldest = Date.now() - this.#ttlMs;
    for (const [sessionId, session] of this.#sessions) {
      for (const [id, slot] of session.slots) if (slot.reply !== undefined && slot.at < oldest) session.slots.delete(id);
      if (session.slots.size === 0) this.#sessions.delete(sessionId);
    }
  }
}
