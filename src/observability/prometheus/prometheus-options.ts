import type { Registry } from 'prom-client';

/** Options of {@link PrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** The registry the `switchyard_*` metrics are registered on, the one your `/metrics` endpoint serves. */
  registry: Registry;
  /**
   * Upper bounds of the command duration histogram's buckets, in seconds,
   * ascending. Commands that answer from memory take well under a
   * millisecond; the default reaches from 0.5 ms to 10 s (the default timeout).
   * @default [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
   */
  durationBuckets?: readonly number[];
  /**
   * How many event types `switchyard_events_published_total` counts by
   * name. Event types come from the application's code, not from clients;
   * this is a bound in case code builds them from data: past it, further
   * types are counted as `other`.
   * @default 256
   */
  maxEventTypes?: number;
}

/** The options once defaults are applied and checked. */
export interface ResolvedPrometheusOptions {
  readonly registry: Registry;
  readonly durationBuckets: readonly number[];
  readonly maxEventTypes: number;
}

const defaults = Object.freeze({
  durationBuckets: Object.freeze([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
  maxEventTypes: 256,
});

/**
 * Applies the defaults, checks each option, and freezes the result.
 *
 * @example
 * const { durationBuckets } = resolvePrometheusOptions({ registry: new Registry() });
 */
export function resolvePrometheusOptions(options: PrometheusMetricsOptions): ResolvedPrometheusOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('PrometheusMetrics takes options: { registry }');
  const registry = options.registry;
  if (typeof registry !== 'object' || registry === null || typeof (registry as { registerMetric?: unknown }).registerMetric !== 'function') {
    throw new TypeError('"registry" must be a prom-client Registry');
  }
  const durationBuckets = options.durationBuckets ?? defaults.durationBuckets;
  if (!Array.isArray(durationBuckets) || durationBuckets.length === 0 || durationBuckets.some((bound, i) => !Number.isFinite(bound) || bound <= 0 || (i > 0 && bound <= (durationBuckets[i - 1] as number)))) {
    throw new RangeError('"durationBuckets" must be a non-empty array of positive numbers in ascending order');
  }
  const maxEventTypes = options.maxEventTypes ?? defaults.maxEventTypes;
  if (!Number.isInteger(maxEventTypes) || maxEventTypes < 0) throw new RangeError('"maxEventTypes" must be a non-negative integer');
  return Object.freeze({ registry, durationBuckets: Object.freeze([...durationBuckets]), maxEventTypes });
}
