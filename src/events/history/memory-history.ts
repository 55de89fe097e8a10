import { randomBytes } from 'node:crypto';
import type { Backplane } from '../backplane.js';
import type { EventEnvelope } from '../event-envelope.js';
import { FROM_START, resolveHistoryLimits, streamOf, type EventHistory, type HistoryLimits, type Replay, type ResolvedHistoryLimits } from './event-history.js';

interface Entry {
  readonly offset: number;
  readonly at: number;
  readonly envelope: EventEnvelope;
}

/** One stream's log: its epoch, the kept entries, and the offsets around them. */
interface StreamLog {
  readonly epoch: string;
  readonly entries: Entry[];
  /** Index of the first kept entry in `entries` (dropped ones are spliced out in batches). */
  start: number;
  /** Offset of the last event appended; 0 before the first. */
  last: number;
  /** Highest offset dropped by a limit; a position below it has lost events after it. */
  trimmed: number;
  touched: number;
}

/** Options of a {@link MemoryHistory}. */
export interface MemoryHistoryOptions extends HistoryLimits {
  /** How long a stream with nothing kept is remembered (its epoch and offsets) after its last use, in ms. @default 2 × maxAgeMs */
  readonly idleStreamMs?: number;
}

/** Streams are swept for idleness this often. */
const SWEEP_INTERVAL_MS = 30_000;

/**
 * Event history in this process: one node, no engine. Positions are
 * `<epoch>.<offset>`, offsets counting up from 1 per stream; the epoch is
 * random per stream, so a position from before a restart is never taken for one after.
 *
 * @example
 * new Switchyard({ recovery: { history: { maxEvents: 200 } } }); // uses a MemoryHistory
 */
export class MemoryHistory implements EventHistory {
  readonly #limits: ResolvedHistoryLimits;
  readonly #idleMs: number;
  readonly #streams = new Map<string, StreamLog>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: MemoryHistoryOptions = {}) {
    this.#limits = resolveHistoryLimits(options);
    this.#idleMs = options.idleStreamMs ?? 2 * this.#limits.maxAgeMs;
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(SWEEP_INTERVAL_MS, this.#limits.maxAgeMs));
    this.#sweeper.unref();
  }

  /** The number of streams remembered (for tests and metrics). */
  get streams(): number {
    return this.#streams.size;
  }

  wrap(backplane: Backplane): Backplane {
    if (backplane.stats !== undefined) {
      throw new RangeError('a history in memory cannot serve a backplane that spans nodes: use RedisHistory (switchyard/redis) with the Redis backplane');
    }
    const record = (envelope: EventEnvelope): EventEnvelope => this.#record(envelope);
    return {
      publish: (envelope) => backplane.publish(record(envelope)),
      get deliveries() {
        return backplane.deliveries;
      },
      close: () => backplane.close(),
    };
  }

  head(stream: string): string {
    const log = this.#log(stream);
    this.#expire(log, Date.now());
    return `${log.epoch}.${log.last}`;
  }

  after(stream: string, pos: string): Replay | undefined {
    const log = this.#streams.get(stream);
    if (pos === FROM_START) {
      if (log === undefined) return { events: [] };
      this.#expire(log, Date.now());
      return log.trimmed > 0 ? undefined : { events: log.entries.slice(log.start).map((entry) => entry.envelope) };
    }
    const parsed = parse(pos);
    if (parsed === undefined || log === undefined || parsed.epoch !== log.epoch) return undefined;
    const now = Date.now();
    this.#expire(log, now);
    log.touched = now;
    if (parsed.offset < log.trimmed || parsed.offset > log.last) return undefined;
    const events: EventEnvelope[] = [];
    for (let index = log.start; index < log.entries.length; index++) {
      const entry = log.entries[index] as Entry;
      if (entry.offset > parsed.offset) events.push(entry.envelope);
    }
    return { events };
  }

  compare(a: string, b: string): number | undefined {
    const left = parse(a);
    const right = parse(b);
    if (left === undefined || right === undefined || left.epoch !== right.epoch) return undefined;
    return left.offset - right.offset;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  #record(envelope: EventEnvelope): EventEnvelope {
    const stream = streamOf(envelope.audience, envelope.volatile);
    if (stream === undefined) return envelope;
    const log = this.#log(stream);
    const now = Date.now();
    const offset = ++log.last;
    const recorded: EventEnvelope = { ...envelope, position: { stream, pos: `${log.epoch}.${offset}` } };
    log.entries.push({ offset, at: now, envelope: recorded });
    log.touched = now;
    if (log.entries.length - log.start > this.#limits.maxEvents) this.#drop(log, 1);
    else this.#expire(log, now);
    return recorded;
  }

  #log(stream: string): StreamLog {
    let log = this.#streams.get(stream);
    if (log === undefined) {
      log = { epoch: randomBytes(6).toString('base64url'), entries: [], start: 0, last: 0, trimmed: 0, touched: Date.now() };
      this.#streams.set(stream, log);
    }
    return log;
  }

  /** Drops the entries older than the age limit. */
  #expire(log: StreamLog, now: number): void {
    const oldest = now - this.#limits.maxAgeMs;
    let count = 0;
    while (log.start + count < log.entries.length && (log.entries[log.start + count] as Entry).at < oldest) count++;
    if (count > 0) this.#drop(log, count);
  }

  #drop(log: StreamLog, count: number): void {
    log.trimmed = (log.entries[log.start + count - 1] as Entry).offset;
    log.start += count;
    // Spliced in batches: a shift per event would copy the whole log each time.
    if (log.start >= 1024 || log.start === log.entries.length) {
      log.entries.splice(0, log.start);
      log.start = 0;
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const [stream, log] of this.#streams) {
      this.#expire(log, now);
      if (log.start === log.entries.length && now - log.touched > this.#idleMs) this.#streams.delete(stream);
    }
  }
}

function parse(pos: string): { epoch: string; offset: number } | undefined {
  if (typeof pos !== 'string') return undefined;
  const dot = pos.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const offset = Number(pos.slice(dot + 1));
  if (!Number.isSafeInteger(offset) || offset < 0) return undefined;
  return { epoch: pos.slice(0, dot), offset };
}
