import type { Backplane } from '../events/backplane.js';
import type { EventEnvelope } from '../events/event-envelope.js';
import type { CommandMeta } from '../protocol/command-meta.js';

/**
 * What the bus, the connection hubs and the application tell whoever
 * watches them: a handful of calls at the points a command or an event
 * passes. An application without telemetry gets {@link noTelemetry}, whose
 * calls do nothing and return `undefined`, so the hot path allocates nothing
 * for it. `switchyard/prometheus` and `switchyard/opentelemetry` implement
 * it; so can an application, for another metrics system.
 *
 * Each call must return quickly and never throw: it runs inside the
 * dispatch of a command or the delivery of an event.
 *
 * @example
 * const app = new Switchyard({ telemetry: [new PrometheusMetrics({ registry }), new OpenTelemetryTracing()] });
 */
export interface Telemetry {
  /**
   * Called once by the application being observed, when it is built, with
   * what can only be read from it (the backplane's state). Returns what to
   * call when the application closes.
   */
  attach?(target: TelemetryTarget): (() => void) | undefined;
  /**
   * A command reached the bus. `type` is its type when a handler (or a
   * built-in) serves it, `undefined` when none does: then the type is the
   * client's free text and must not become a label. Returns what follows
   * the command to its end, or `undefined` to follow nothing.
   */
  commandStarted(type: string | undefined, command: CommandSubject): CommandProbe | undefined;
  /**
   * An event is about to leave this node's publisher for the backplane.
   * Returns the envelope to send instead (carrying the trace context of the
   * publish) and what to call once it is sent, or `undefined`.
   */
  eventPublished(envelope: EventEnvelope): PublishProbe | undefined;
  /** What one transport's hub reports, its label (`websocket`, `memory`) bound once. */
  forTransport(name: string): TransportTelemetry;
  /**
   * A `session.resume` was answered (recovery on): whether the session was
   * recovered, and how many missed events it replayed. Optional: telemetry
   * that counts no resumes leaves it out.
   */
  sessionResumed?(recovered: boolean, replayed: number): void;
}

/**
 * What telemetry may read of the application it observes.
 *
 * @example
 * attach({ backplane }) { backplane.status$?.subscribe((status) => (up = status === 'up')); return () => {}; }
 */
export interface TelemetryTarget {
  readonly backplane: Backplane;
}

/**
 * What telemetry sees of a command as it reaches the bus (an
 * `InboundCommand` is one). Its `type` is not here on purpose: see
 * {@link Telemetry.commandStarted}.
 *
 * @example
 * commandStarted(type, command) { return type === undefined ? undefined : probeFor(type, command.transport); }
 */
export interface CommandSubject {
  readonly id: string | undefined;
  readonly session: { readonly id: string };
  readonly meta?: CommandMeta | undefined;
  readonly transport?: string | undefined;
}

/**
 * Follows one command from the bus to its reply.
 *
 * @example
 * const probe: CommandProbe = { logFields: undefined, end: (outcome, ms) => histogram.observe(ms, { outcome }) };
 */
export interface CommandProbe {
  /** Fields that tie a log line to the command's trace (`trace_id`, `span_id`), or `undefined` when it has none. */
  readonly logFields: Readonly<Record<string, string>> | undefined;
  /**
   * Runs `fn(a, b, c)` as part of the command: with its trace context
   * active, so that what the handler publishes and logs belongs to its
   * trace. Fixed arguments and no `this`, so that passing them on allocates
   * nothing (no rest array, no bound function). A probe with no context to
   * set (metrics) leaves it out, and the bus calls the handler directly.
   */
  run?<A, B, C, R>(fn: (a: A, b: B, c: C) => R, a: A, b: B, c: C): R;
  /**
   * The command is answered (or, without an id, done): `outcome` is
   * `'result'` or the error code, `durationMs` its time in the bus, and
   * `error` the unexpected failure behind an `INTERNAL`, if that is what it was.
   */
  end(outcome: string, durationMs: number, error?: unknown): void;
}

/**
 * Follows one publish to the backplane.
 *
 * @example
 * eventPublished(envelope) { const span = start(envelope.type); return { envelope: { ...envelope, trace: span.traceparent }, end: () => span.end() }; }
 */
export interface PublishProbe {
  /** The envelope to hand to the backplane. */
  readonly envelope: EventEnvelope;
  /** The backplane has it; `error` when handing it over threw. */
  end(error?: unknown): void;
}

/**
 * Follows one event through a hub's delivery to its local connections.
 *
 * @example
 * deliveryStarted() { return { end: (recipients) => (delivered += recipients) }; }
 */
export interface DeliveryProbe {
  /** Delivery is done: `recipients` connections of this node were sent the event. */
  end(recipients: number): void;
}

/**
 * What one transport's connection hub reports.
 *
 * @example
 * const telemetry = new PrometheusMetrics({ registry }).forTransport('websocket');
 * telemetry.connectionOpened();
 */
export interface TransportTelemetry {
  connectionOpened(): void;
  connectionClosed(): void;
  /** A frame was refused before it reached the bus: `BAD_FRAME`, `RATE_LIMITED` or `UNAVAILABLE`. */
  frameRefused(code: string): void;
  /** The hub is about to deliver an event to its connections; `undefined` to follow nothing. */
  deliveryStarted(envelope: EventEnvelope): DeliveryProbe | undefined;
  /** A volatile event was dropped for a connection that reads too slowly. */
  backpressureDropped(): void;
  /** A connection was closed (1013) because it read too slowly for a frame that could not be dropped. */
  backpressureClosed(): void;
}
