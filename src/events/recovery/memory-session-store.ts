import type { SessionRecord, SessionStore } from './session-store.js';

interface Held {
  record: SessionRecord;
  owner: string;
  token: string;
  /** When the record stops being claimable; `undefined` while its connection is open. */
  expiresAt: number | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Session records and resume tokens in this process: one node. A closed
 * session's record is dropped `ttlMs` after its connection closed.
 *
 * @example
 * new Switchyard({ recovery: { ttlMs: 60_000 } }); // uses a MemorySessionStore
 */
export class MemorySessionStore implements SessionStore {
  readonly #byId = new Map<string, Held>();
  readonly #byToken = new Map<string, string>();

  /** The number of records kept (for tests and metrics). */
  get size(): number {
    return this.#byId.size;
  }

  async grant(record: SessionRecord, owner: string, token: string): Promise<void> {
    const held = this.#byId.get(record.id);
    if (held !== undefined) {
      this.#byToken.delete(held.token);
      clearTimeout(held.timer);
    }
    this.#byId.set(record.id, { record, owner, token, expiresAt: undefined, timer: undefined });
    this.#byToken.set(token, record.id);
  }

  async update(record: SessionRecord, owner: string): Promise<void> {
    const held = this.#byId.get(record.id);
    if (held !== undefined && held.owner === owner) held.record = record;
  }

  async disconnected(sessionId: string, owner: string, ttlMs: number): Promise<void> {
    const held = this.#byId.get(sessionId);
    if (held === undefined || held.owner !== owner) return;
    held.expiresAt = Date.now() + ttlMs;
    clearTimeout(held.timer);
    held.timer = setTimeout(() => {
      if (this.#byId.get(sessionId) === held) void this.discard(sessionId);
    }, ttlMs);
    held.timer.unref();
  }

  async claim(token: string, userId: string | null, owner: string): Promise<SessionRecord | undefined> {
    const id = this.#byToken.get(token);
    const held = id === undefined ? undefined : this.#byId.get(id);
    if (held === undefined || held.record.userId !== userId) return undefined;
    this.#byToken.delete(token);
    if (held.expiresAt !== undefined && held.expiresAt <= Date.now()) {
      await this.discard(held.record.id);
      return undefined;
    }
    clearTimeout(held.timer);
    held.timer = undefined;
    held.expiresAt = undefined;
    held.owner = owner;
    return held.record;
  }

  async discard(sessionId: string): Promise<void> {
    const held = this.#byId.get(sessionId);
    if (held === undefined) return;
    clearTimeout(held.timer);
    this.#byId.delete(sessionId);
    if (this.#byToken.get(held.token) === sessionId) this.#byToken.delete(held.token);
  }

  async close(): Promise<void> {
    for (const held of this.#byId.values()) clearTimeout(held.timer);
    this.#byId.clear();
    this.#byToken.clear();
  }
}
