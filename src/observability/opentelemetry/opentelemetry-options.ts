import type { TracerProvider } from '@opentelemetry/api';

/**
 * What a client's `meta.traceparent` does to the span of its command:
 * becomes its parent (`'parent'`, the trace continues from the client),
 * only a link (`'link'`, the server starts its own trace and points to the
 * client's), or nothing (`'ignore'`).
 *
 * @example
 * new OpenTelemetryTracing({ clientTrace: 'link' }); // a public API whose clients should not steer your sampling
 */
export type ClientTracePolicy = 'parent' | 'link' | 'ignore';

/** Options of {@link OpenTelemetryTracing}. */
export interface OpenTelemetryTracingOptions {
  /** Where the tracer comes from. @default the global one, `trace.getTracerProvider()`, which the SDK sets when registered */
  tracerProvider?: TracerProvider;
  /**
   * What a client's `meta.traceparent` does. A client's trace context is
   * its say: with `'parent'` it also carries the client's sampling decision.
   * @default 'parent'
   */
  clientTrace?: ClientTracePolicy;
}

/** The options once defaults are applied and checked. */
export interface ResolvedOpenTelemetryOptions {
  readonly tracerProvider: TracerProvider | undefined;
  readonly clientTrace: ClientTracePolicy;
}

const defaults = Object.freeze({ clientTrace: 'parent' as ClientTracePolicy });

const policies: readonly ClientTracePolicy[] = ['parent', 'link', 'ignore'];

/**
 * Applies the defaults, checks each option, and freezes the result.
 *
 * @example
 * const { clientTrace } = resolveOpenTelemetryOptions({});
 */
export function resolveOpenTelemetryOptions(options: OpenTelemetryTracingOptions): ResolvedOpenTelemetryOptions {
  const tracerProvider = options.tracerProvider;
  if (tracerProvider !== undefined && typeof (tracerProvider as { getTracer?: unknown }).getTracer !== 'function') {
    throw new TypeError('"tracerProvider" must be an OpenTelemetry TracerProvider');
  }
  const clientTrace = options.clientTrace ?? defaults.clientTrace;
  if (!policies.includes(clientTrace)) throw new TypeError(`"clientTrace" must be one of ${policies.map((policy) => `'${policy}'`).join(', ')}`);
  return Object.freeze({ tracerProvider, clientTrace });
}
