import { createTraceState, ROOT_CONTEXT, trace, type Context, type SpanContext } from '@opentelemetry/api';
import { parseTraceparent } from '../../protocol/traceparent.js';

/**
 * The span a W3C `traceparent` (and `tracestate`) names, as a remote span
 * context; `undefined` when the value is not valid trace context, which
 * then starts a new trace as the specification asks.
 *
 * @example
 * const parent = remoteSpanContext(meta.traceparent, meta.tracestate);
 */
export function remoteSpanContext(traceparent: string, tracestate?: string): SpanContext | undefined {
  const parsed = parseTraceparent(traceparent);
  if (parsed === undefined) return undefined;
  const context: SpanContext = { traceId: parsed.traceId, spanId: parsed.spanId, traceFlags: parsed.flags, isRemote: true };
  return tracestate === undefined || tracestate === '' ? context : { ...context, traceState: createTraceState(tracestate) };
}

/**
 * A context whose active span is the one `traceparent` names, for starting
 * its children; `undefined` when the value is not valid trace context.
 *
 * @example
 * tracer.startSpan('deliver chat.message', { kind: SpanKind.CONSUMER }, remoteContext(envelope.trace));
 */
export function remoteContext(traceparent: string): Context | undefined {
  const spanContext = remoteSpanContext(traceparent);
  return spanContext === undefined ? undefined : trace.setSpanContext(ROOT_CONTEXT, spanContext);
}
