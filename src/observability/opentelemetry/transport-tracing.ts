import { SpanKind, type Tracer } from '@opentelemetry/api';
import type { EventEnvelope } from '../../events/event-envelope.js';
import type { DeliveryProbe, TransportTelemetry } from '../telemetry.js';
import { remoteContext } from './remote-context.js';
import { SpanAttribute } from './span-attributes.js';

function nothing(): void {}

/**
 * What one transport traces: the delivery of each traced event to its
 * connections, as a CONSUMER span child of the publishing span, on whichever
 * node published it. Connections, refusals and backpressure are metrics,
 * not spans.
 *
 * @example
 * const tracing = new TransportTracing(tracer, 'websocket');
 * tracing.deliveryStarted(envelope)?.end(3);
 */
export class TransportTracing implements TransportTelemetry {
  readonly connectionOpened = nothing;
  readonly connectionClosed = nothing;
  readonly frameRefused = nothing;
  readonly backpressureDropped = nothing;
  readonly backpressureClosed = nothing;
  readonly #tracer: Tracer;
  readonly #transport: string;

  constructor(tracer: Tracer, transport: string) {
    this.#tracer = tracer;
    this.#transport = transport;
  }

  /** Follows an event published with trace context; one published untraced starts no trace here. */
  deliveryStarted(envelope: EventEnvelope): DeliveryProbe | undefined {
    if (envelope.trace === undefined) return undefined;
    return new DeliverySpan(this.#tracer, this.#transport, envelope, performance.now());
  }
}

class DeliverySpan implements DeliveryProbe {
  readonly #tracer: Tracer;
  readonly #transport: string;
  readonly #envelope: EventEnvelope;
  readonly #started: number;

  constructor(tracer: Tracer, transport: string, envelope: EventEnvelope, started: number) {
    this.#tracer = tracer;
    this.#transport = transport;
    this.#envelope = envelope;
    this.#started = started;
  }

  end(recipients: number): void {
    // Every node hears every event; one with no recipient here did nothing worth a span.
    if (recipients === 0) return;
    const envelope = this.#envelope;
    const parent = remoteContext(envelope.trace as string);
    if (parent === undefined) return;
    const attributes = {
      [SpanAttribute.EVENT_TYPE]: envelope.type,
      [SpanAttribute.AUDIENCE_KIND]: envelope.audience.kind,
      [SpanAttribute.TRANSPORT]: this.#transport,
      [SpanAttribute.RECIPIENTS]: recipients,
    };
    this.#tracer.startSpan(`deliver ${envelope.type}`, { kind: SpanKind.CONSUMER, startTime: this.#started, attributes }, parent).end();
  }
}
