import type { CommandTypeMetrics } from './command-type-metrics.js';

/** A sample as prom-client's registry formats it. */
interface Sample {
  readonly metricName: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

/**
 * `switchyard_command_duration_seconds`, registered on a prom-client
 * registry as the histogram it is, but read from the counts each command
 * type keeps: prom-client's own `Histogram.observe()` builds a label hash
 * and an object per observation, which the bus would pay on every command.
 * It has the shape a registry asks of a metric (`name`, `help`, `type`,
 * `aggregator`, `get()`, `reset()`), and exposes what `Histogram` would:
 * cumulative `_bucket{le}` series, `_sum` and `_count`.
 *
 * @example
 * registry.registerMetric(new DurationHistogram(bounds, () => types.values()) as unknown as Metric);
 */
export class DurationHistogram {
  readonly name = 'switchyard_command_duration_seconds';
  readonly help = 'Time from the bus receiving a command to its reply (validation, middleware and handler), by type.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly labelNames: readonly string[] = ['type'];
  readonly #bounds: readonly number[];
  readonly #series: () => Iterable<CommandTypeMetrics>;

  constructor(bounds: readonly number[], series: () => Iterable<CommandTypeMetrics>) {
    this.#bounds = bounds;
    this.#series = series;
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const metrics of this.#series()) {
      if (metrics.count === 0) continue;
      const type = metrics.type;
      let cumulative = 0;
      for (const [index, le] of this.#bounds.entries()) {
        cumulative += metrics.buckets[index] as number;
        values.push({ metricName: bucketName, labels: { le, type }, value: cumulative });
      }
      values.push({ metricName: bucketName, labels: { le: '+Inf', type }, value: metrics.count });
      values.push({ metricName: `${this.name}_sum`, labels: { type }, value: metrics.sum });
      values.push({ metricName: `${this.name}_count`, labels: { type }, value: metrics.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const metrics of this.#series()) metrics.resetDurations();
  }
}
