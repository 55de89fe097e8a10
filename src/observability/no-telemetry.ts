import type { DeliveryProbe, Telemetry, TransportTelemetry } from './telemetry.js';

function nothing(): void {}

function noProbe(): undefined {
  return undefined;
}

const noTransportTelemetry: TransportTelemetry = Object.freeze({
  connectionOpened: nothing,
  connectionClosed: nothing,
  frameRefused: nothing,
  deliveryStarted: noProbe as () => DeliveryProbe | undefined,
  backpressureDropped: nothing,
  backpressureClosed: nothing,
});

/**
 * The telemetry of an application that asked for none: every call does
 * nothing and follows nothing, so commands and events pay a call that
 * returns `undefined`, and allocate nothing for it.
 *
 * @example
 * const hubTelemetry = context.telemetry ?? noTelemetry.forTransport('websocket');
 */
export const noTelemetry: Telemetry = Object.freeze({
  commandStarted: noProbe,
  eventPublished: noProbe,
  forTransport: (): TransportTelemetry => noTransportTelemetry,
});
