import type { DeliveryProbe, TransportTelemetry } from '../telemetry.js';

/**
 * The counts of one transport, its label bound once: its own delivery
 * probe too, since counting deliveries needs no state per event. Plain
 * numbers, which prom-client reads when scraped.
 *
 * @example
 * const websocket = new TransportMetrics('websocket');
 * websocket.connectionOpened(); // websocket.connections === 1
 */
export class TransportMetrics implements TransportTelemetry, DeliveryProbe {
  readonly transport: string;
  connections = 0;
  delivered = 0;
  drops = 0;
  closes = 0;
  /** Frames refused before the bus, by code. */
  readonly refused = new Map<string, number>();

  constructor(transport: string) {
    this.transport = transport;
  }

  connectionOpened(): void {
    this.connections++;
  }

  connectionClosed(): void {
    this.connections--;
  }

  frameRefused(code: string): void {
    this.refused.set(code, (this.refused.get(code) ?? 0) + 1);
  }

  deliveryStarted(): DeliveryProbe {
    return this;
  }

  end(recipients: number): void {
    this.delivered += recipients;
  }

  backpressureDropped(): void {
    this.drops++;
  }

  backpressureClosed(): void {
    this.closes++;
  }
}
