import { context, isSpanContextValid, SpanKind, trace, type Attributes, type Link, type Span, type Tracer } from '@opentelemetry/api';
import type { EventEnvelope } from '../../events/event-envelope.js';
import { formatTraceparent } from '../../protocol/traceparent.js';
import type { CommandSubject, PublishProbe, Telemetry, TransportTelemetry } from '../telemetry.js';
import { CommandSpan } from './command-span.js';
import { resolveOpenTelemetryOptions, type ClientTracePolicy, type OpenTelemetryTracingOptions } from './opentelemetry-options.js';
import { remoteSpanContext } from './remote-context.js';
import { SpanAttribute } from './span-attributes.js';
import { TransportTracing } from './transport-tracing.js';

/**
 * The instrumentation scope of every span Switchyard starts.
 *
 * @example
 * const ours = spans.filter((span) => span.instrumentationScope.name === TRACER_NAME);
 */
export const TRACER_NAME = 'switchyard';

/**
 * Traces a Switchyard application through `@opentelemetry/api` alone (the
 * application brings the SDK and registers it): a SERVER span per command,
 * named after its type, continuing the client's trace from
 * `meta.traceparent`; a PRODUCER span per publish, whose context the event
 * carries across the backplane; a CONSUMER span per delivery to a node's
 * connections, child of the publish, on every node. Handlers run with their
 * command's span active, so their own spans and publishes nest under it.
 *
 * Context flows through awaits only with a context manager registered, as
 * the Node SDK does (`AsyncLocalStorageContextManager`).
 *
 * @example
 * import { OpenTelemetryTracing } from 'switchyard/opentelemetry';
 *
 * const app = new Switchyard({ telemetry: new OpenTelemetryTracing() }); // after the SDK is registered
 */
export class OpenTelemetryTracing implements Telemetry {
  readonly #tracer: Tracer;
  readonly #clientTrace: ClientTracePolicy;
  readonly #transports = new Map<string, TransportTracing>();

  constructor(options: OpenTelemetryTracingOptions = {}) {
    const { tracerProvider, clientTrace } = resolveOpenTelemetryOptions(options);
    // Through the global provider's proxy, spans reach whichever SDK is registered, even one registered later.
    this.#tracer = (tracerProvider ?? trace.getTracerProvider()).getTracer(TRACER_NAME);
    this.#clientTrace = clientTrace;
  }

  commandStarted(type: string | undefined, command: CommandSubject): CommandSpan {
    // A type no handler serves is the client's free text: it names no span and fills no attribute.
    const name = type ?? 'unknown';
    const attributes: Attributes = { [SpanAttribute.COMMAND_TYPE]: name, [SpanAttribute.CONNECTION_ID]: command.session.id };
    if (command.id !== undefined) attributes[SpanAttribute.COMMAND_ID] = command.id;
    if (command.transport !== undefined) attributes[SpanAttribute.TRANSPORT] = command.transport;
    let parent = context.active();
    let links: Link[] | undefined;
    const meta = command.meta;
    if (meta?.traceparent !== undefined && this.#clientTrace !== 'ignore') {
      const client = remoteSpanContext(meta.traceparent, meta.tracestate);
      if (client !== undefined && this.#clientTrace === 'parent') parent = trace.setSpanContext(parent, client);
      else if (client !== undefined) links = [{ context: client }];
    }
    const span = this.#tracer.startSpan(name, links === undefined ? { kind: SpanKind.SERVER, attributes } : { kind: SpanKind.SERVER, attributes, links }, parent);
    return new CommandSpan(span, parent);
  }

  eventPublished(envelope: EventEnvelope): PublishProbe | undefined {
    const attributes = { [SpanAttribute.EVENT_TYPE]: envelope.type, [SpanAttribute.AUDIENCE_KIND]: envelope.audience.kind };
    const span = this.#tracer.startSpan(`publish ${envelope.type}`, { kind: SpanKind.PRODUCER, attributes });
    const ids = span.spanContext();
    if (!isSpanContextValid(ids)) {
      span.end();
      return undefined;
    }
    const trace = formatTraceparent({ traceId: ids.traceId, spanId: ids.spanId, flags: ids.traceFlags });
    return new PublishSpan(span, { ...envelope, trace });
  }

  forTransport(name: string): TransportTelemetry {
    let tracing = this.#transports.get(name);
    if (tracing === undefined) this.#transports.set(name, (tracing = new TransportTracing(this.#tracer, name)));
    return tracing;
  }
}

class PublishSpan implements PublishProbe {
  readonly envelope: EventEnvelope;
  readonly #span: Span;

  constructor(span: Span, envelope: EventEnvelope) {
    this.#span = span;
    this.envelope = envelope;
  }

  end(error?: unknown): void {
    if (error instanceof Error) this.#span.recordException(error);
    this.#span.end();
  }
}
