/**
 * `switchyard/prometheus`: Prometheus metrics of an application, on your
 * prom-client registry. The only entry that loads `prom-client`, an
 * optional peer dependency.
 */
export { PrometheusMetrics, OTHER_EVENT_LABEL, UNKNOWN_COMMAND_LABEL } from './observability/prometheus/prometheus-metrics.js';
export type { PrometheusMetricsOptions } from './observability/prometheus/prometheus-options.js';
