import type { Counter, Gauge } from 'prom-client';
import type { DeliveryProbe, TransportTelemetry } from '../telemetry.js';

/** The metrics {@link TransportMetrics} writes, each labelled by transport. */
export interface TransportMetricFamilies {
  readonly connections: Gauge<'transport'>;
  readonly refused: Counter<'transport' | 'code'>;
  readonly delivered: Counter<'transport'>;
  readonly drops: Counter<'transport'>;
  readonly closes: Counter<'transport'>;
}

/**
 * The metrics of one transport, its label bound once: its own delivery
 * probe too, since counting deliveries needs no state per event.
 */
export class TransportMetrics implements TransportTelemetry, DeliveryProbe {
  readonly #transport: string;
  readonly #refused: Counter<'transport' | 'code'>;
  readonly #refusedByCode = new Map<string, Counter.Internal>();
  readonly #connections: Gauge.Internal<'transport'>;
  readonly #delivered: Counter.Internal;
  readonly #drops: Counter.Internal;
  readonly #closes: Counter.Internal;

  constructor(transport: string, families: TransportMetricFamilies) {
    const labels = { transport };
    this.#transport = transport;
    this.#refused = families.refused;
    // Made now, so each series is there (at 0) from the first scrape, not from the first event.
    this.#connections = families.connections.labels(labels);
    this.#connections.inc(0);
    this.#delivered = families.delivered.labels(labels);
    this.#delivered.inc(0);
    this.#drops = families.drops.labels(labels);
    this.#drops.inc(0);
    this.#closes = families.closes.labels(labels);
    this.#closes.inc(0);
  }

  connectionOpened(): void {
    this.#connections.inc();
  }

  connectionClosed(): void {
    this.#connections.dec();
  }

  frameRefused(code: string): void {
    let counter = this.#refusedByCode.get(code);
    if (counter === undefined) this.#refusedByCode.set(code, (counter = this.#refused.labels({ transport: this.#transport, code })));
    counter.inc();
  }

  deliveryStarted(): DeliveryProbe {
    return this;
  }

  end(recipients: number): void {
    if (recipients > 0) this.#delivered.inc(recipients);
  }

  backpressureDropped(): void {
    this.#drops.inc();
  }

  backpressureClosed(): void {
    this.#closes.inc();
  }
}
