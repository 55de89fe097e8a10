import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Telemetry } from '../src/index.js';
import { OpenTelemetryTracing } from '../src/opentelemetry.js';
import { PrometheusMetrics } from '../src/prometheus.js';

/** What the demo measures and where its traces go. */
export interface DemoObservabilityOptions {
  /**
   * An OTLP/HTTP collector (`http://127.0.0.1:4318`): spans are exported to
   * `<endpoint>/v1/traces` as JSON. Without it, nothing is traced.
   * @default undefined
   */
  otlpEndpoint?: string;
  /** The `service.name` of the spans. @default 'switchyard-demo' */
  serviceName?: string;
}

/** The demo's metrics and tracing, made once, closed with the server. */
export interface DemoObservability {
  /** What `/metrics` serves: Switchyard's metrics and the process's own. */
  readonly registry: Registry;
  /** The application's `telemetry` option. */
  readonly telemetry: readonly Telemetry[];
  /** Sends the spans still buffered and unregisters the tracer. */
  close(): Promise<void>;
}

const defaults = Object.freeze({ serviceName: 'switchyard-demo' });

/**
 * The demo as an application wires observability: the OpenTelemetry SDK
 * and its OTLP exporter are the application's dependencies, not the
 * library's, which only calls `@opentelemetry/api`.
 *
 * @example
 * const observability = startDemoObservability({ otlpEndpoint: 'http://127.0.0.1:4318' });
 * const app = createDemoApp({ telemetry: observability.telemetry });
 * // on shutdown
 * await observability.close();
 */
export function startDemoObservability(options: DemoObservabilityOptions = {}): DemoObservability {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = new PrometheusMetrics({ registry });
  const endpoint = options.otlpEndpoint;
  if (endpoint === undefined || endpoint === '') {
    return { registry, telemetry: [metrics], close: async () => {} };
  }
  if (!/^https?:\/\//.test(endpoint)) throw new TypeError('"otlpEndpoint" must be an http:// or https:// URL');
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? defaults.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 })],
  });
  // As the Node SDK does: context follows awaits, and application code can use trace.getTracer().
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  let closing: Promise<void> | undefined;
  return {
    registry,
    telemetry: [metrics, new OpenTelemetryTracing({ tracerProvider: provider })],
    close: () =>
      (closing ??= (async () => {
        await provider.shutdown();
        trace.disable();
        context.disable();
      })()),
  };
}
