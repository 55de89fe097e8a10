import type { CommandProbe } from '../telemetry.js';

/**
 * The counts of one command type, made once and kept: it is the probe of
 * every command of that type, so counting a command is a map update and a
 * few additions, with no allocation. prom-client reads them when scraped.
 *
 * @example
 * const echo = new CommandTypeMetrics('echo', [0.001, 0.01]);
 * echo.end('result', 0.4); // echo.outcomes.get('result') === 1, echo.buckets[0] === 1
 */
export class CommandTypeMetrics implements CommandProbe {
  readonly logFields = undefined;
  readonly type: string;
  /** Commands by outcome (`result` or the error code). */
  readonly outcomes = new Map<string, number>();
  /** How many durations fell in each bucket (not cumulative); the last one is past every bound. */
  readonly buckets: Float64Array;
  /** Sum of the durations, in seconds. */
  sum = 0;
  count = 0;
  readonly #bounds: readonly number[];

  constructor(type: string, bounds: readonly number[]) {
    this.type = type;
    this.#bounds = bounds;
    this.buckets = new Float64Array(bounds.length + 1);
  }

  end(outcome: string, durationMs: number): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    const seconds = durationMs / 1000;
    const bounds = this.#bounds;
    let bucket = 0;
    // As Prometheus buckets are: a value lands in the first bucket whose upper bound it does not exceed.
    while (bucket < bounds.length && seconds > (bounds[bucket] as number)) bucket++;
    this.buckets[bucket] = (this.buckets[bucket] as number) + 1;
    this.sum += seconds;
    this.count++;
  }

  /** Forgets the durations (a registry's `resetMetrics()`). */
  resetDurations(): void {
    this.buckets.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}
