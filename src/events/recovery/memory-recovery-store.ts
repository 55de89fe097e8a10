import { MemoryHistory } from '../history/memory-history.js';
import { MemoryReplyCache } from './memory-reply-cache.js';
import { MemorySessionStore } from './memory-session-store.js';
import type { RecoveryStore, RecoverySettings } from './recovery-store.js';

/**
 * Recovery in this process: history, sessions and replies in memory. The
 * default; for one node (a second node could not resume these sessions).
 *
 * @example
 * new Switchyard({ recovery: { store: memoryRecoveryStore } });
 */
export function memoryRecoveryStore(options: RecoverySettings): RecoveryStore {
  const history = new MemoryHistory({ ...options.history, idleStreamMs: Math.max(2 * options.history.maxAgeMs, options.ttlMs + options.history.maxAgeMs) });
  const sessions = new MemorySessionStore();
  const replies = new MemoryReplyCache({ ttlMs: options.ttlMs, maxPerSession: options.maxRepliesPerSession });
  let closing: Promise<void> | undefined;
  return Object.freeze({
    history,
    sessions,
    replies,
    close: () => (closing ??= Promise.all([history.close(), sessions.close(), replies.close()]).then(() => undefined)),
  });
}
