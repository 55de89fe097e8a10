import type { Backplane } from '../backplane.js';
import type { EventEnvelope } from '../event-envelope.js';
import type { Audience } from '../audience.js';

/**
 * How much of each stream's history is kept: at most `maxEvents` events,
 * none older than `maxAgeMs`, whichever is reached first.
 *
 * @example
 * new Switchyard({ recovery: { history: { maxEvents: 500, maxAgeMs: 60_000 } } });
 */
export interface HistoryLimits {
  /** Events kept per stream. @default 1000 */
  readonly maxEvents?: number;
  /** Longest an event is kept, in ms. @default 300000 (5 min) */
  readonly maxAgeMs?: number;
}

/** History limits once defaults are applied. */
export interface ResolvedHistoryLimits {
  readonly maxEvents: number;
  readonly maxAgeMs: number;
}

/** The default history limits: 1000 events, 5 minutes, per stream. */
export const DEFAULT_HISTORY_LIMITS: ResolvedHistoryLimits = Object.freeze({ maxEvents: 1000, maxAgeMs: 300_000 });

/** Checks history limits and applies their defaults. */
export function resolveHistoryLimits(limits: HistoryLimits = {}): ResolvedHistoryLimits {
  const maxEvents = limits.maxEvents ?? DEFAULT_HISTORY_LIMITS.maxEvents;
  const maxAgeMs = limits.maxAgeMs ?? DEFAULT_HISTORY_LIMITS.maxAgeMs;
  if (!Number.isSafeInteger(maxEvents) || maxEvents < 1) throw new RangeError('"recovery.history.maxEvents" must be a positive integer');
  if (!Number.isSafeInteger(maxAgeMs) || maxAgeMs < 1) throw new RangeError('"recovery.history.maxAgeMs" must be a positive integer (ms)');
  return Object.freeze({ maxEvents, maxAgeMs });
}

/**
 * The position before any event of a stream, whatever its epoch: a session
 * whose stream is new (its own connection's) starts there without asking
 * the history. Replaying from it fails once anything was trimmed.
 */
export const FROM_START = '';

/** The events of one stream after a position, in order: what a resume replays. */
export interface Replay {
  readonly events: readonly EventEnvelope[];
}

/**
 * The bounded, per-stream history of recorded events, and the positions
 * that order them. A position is `<epoch>.<offset>`: the epoch changes when
 * a stream's history is lost (a restarted or flushed store), so a position
 * from before cannot be taken for one after. {@link MemoryHistory} keeps it
 * in this process; `RedisHistory` (`switchyard/redis`) in Redis Streams.
 */
export interface EventHistory {
  /**
   * Wraps the application's backplane: a recorded event is given its
   * position, in the same order as it is delivered, before it reaches any
   * connection; other events pass through unchanged.
   */
  wrap(backplane: Backplane): Backplane;
  /** Where a stream stands now: the position a session starting to listen to it resumes from. */
  head(stream: string): string | Promise<string>;
  /**
   * Every kept event of `stream` after `pos`, in order, each with its
   * position; `undefined` when the history no longer reaches `pos` (trimmed,
   * aged out, another epoch, or a position this history never gave).
   */
  after(stream: string, pos: string): Replay | undefined | Promise<Replay | undefined>;
  /** Orders two positions of one stream: negative, zero or positive; `undefined` when they are of different epochs. */
  compare(a: string, b: string): number | undefined;
  /** Releases timers and connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * The stream an event is kept in, or `undefined` when it is kept nowhere:
 * volatile events and `to.all()` are not.
 *
 * @example
 * streamOf(to.room('lobby')); // 'room:lobby'
 */
export function streamOf(audience: Audience, volatile: boolean | undefined): string | undefined {
  // A filtered audience is not kept: a replay could not ask the filter again of the identity the event was meant for.
  if (volatile === true || audience.kind === 'all' || audience.filter !== undefined) return undefined;
  return `${audience.kind}:${audience.id}`;
}
