import type { HistoryLimits } from '../../events/history/event-history.js';
import { resolveHistoryLimits } from '../../events/history/event-history.js';
import type { RecoveryStoreFactory, RecoverySettings } from '../../events/recovery/recovery-store.js';

/**
 * Sessions that survive a reconnect (protocol v1.1): a client that comes
 * back within `ttlMs` resumes its session with `session.resume`, gets what
 * it missed in order, and a command it retries does not run twice.
 *
 * @example
 * new Switchyard({ recovery: true });                                         // in memory, defaults
 * new Switchyard({ recovery: { ttlMs: 60_000, history: { maxEvents: 200 } } });
 * new Switchyard({ backplane, presence, recovery: { store: redisRecoveryStore({ url }) } }); // any node
 */
export interface RecoveryOptions {
  /** How long after its socket drops a session can be resumed, in ms. @default 120000 (2 min) */
  readonly ttlMs?: number;
  /** How much of each stream (room, user, connection) is kept. @default { maxEvents: 1000, maxAgeMs: 300000 } */
  readonly history?: HistoryLimits;
  /** Replies kept per session for once-only commands, twice the default limit of commands in flight; the oldest go first. @default 128 */
  readonly maxRepliesPerSession?: number;
  /** Where it is all kept. @default in this process (one node) */
  readonly store?: RecoveryStoreFactory;
}

/** Recovery options once defaults are applied. */
export type ResolvedRecoveryOptions = RecoverySettings;

/** The defaults of {@link RecoveryOptions}. */
export const DEFAULT_RECOVERY = Object.freeze({ ttlMs: 120_000, maxRepliesPerSession: 128 });

const MAX_TIMER_MS = 2_147_483_647;

/** Checks recovery options and applies their defaults. */
export function resolveRecoveryOptions(options: RecoveryOptions): ResolvedRecoveryOptions {
  const ttlMs = options.ttlMs ?? DEFAULT_RECOVERY.ttlMs;
  if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_TIMER_MS) throw new RangeError(`"recovery.ttlMs" must be an integer from 1 to ${MAX_TIMER_MS}`);
  const maxRepliesPerSession = options.maxRepliesPerSession ?? DEFAULT_RECOVERY.maxRepliesPerSession;
  if (!Number.isSafeInteger(maxRepliesPerSession) || maxRepliesPerSession < 1) throw new RangeError('"recovery.maxRepliesPerSession" must be a positive integer');
  return Object.freeze({ ttlMs, history: resolveHistoryLimits(options.history), maxRepliesPerSession });
}
