// The bench server's telemetry, as the observability scenario asks for it:
// off, Prometheus metrics (scraped every second, as a busy Prometheus might),
// or metrics and OpenTelemetry tracing with the SDK and an exporter that
// sends nothing, so the figure is Switchyard's cost and the SDK's, not a network's.
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import type { Telemetry } from '../../src/index.js';
import { OpenTelemetryTracing } from '../../src/opentelemetry.js';
import { PrometheusMetrics } from '../../src/prometheus.js';

export const TELEMETRY_MODES = ['off', 'metrics', 'both'] as const;
export type TelemetryMode = (typeof TELEMETRY_MODES)[number];

/** An exporter that accepts every batch and sends it nowhere. */
class NoopExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: { code: 0 }) => void): void {
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

/** The application's telemetry option for a mode. */
export function telemetryFor(mode: TelemetryMode): Telemetry[] {
  if (mode === 'off') return [];
  const registry = new Registry();
  const telemetry: Telemetry[] = [new PrometheusMetrics({ registry })];
  setInterval(() => void registry.metrics(), 1000).unref();
  if (mode === 'both') {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new NoopExporter())] });
    telemetry.push(new OpenTelemetryTracing({ tracerProvider: provider }));
  }
  return telemetry;
}
