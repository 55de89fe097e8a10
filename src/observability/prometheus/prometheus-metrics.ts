import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { Backplane } from '../../events/backplane.js';
import type { EventEnvelope } from '../../events/event-envelope.js';
import { SetupError, SetupErrorCode } from '../../protocol/errors.js';
import type { Telemetry, TelemetryTarget, TransportTelemetry } from '../telemetry.js';
import { CommandTypeMetrics } from './command-type-metrics.js';
import { resolvePrometheusOptions, type PrometheusMetricsOptions } from './prometheus-options.js';
import { TransportMetrics, type TransportMetricFamilies } from './transport-metrics.js';

/**
 * The `type` label of commands no handler serves: whatever a client sends
 * as a type counts here, so random types cannot make new series.
 *
 * @example
 * // switchyard_commands_total{type="unknown",outcome="UNKNOWN_COMMAND"} 412
 */
export const UNKNOWN_COMMAND_LABEL = 'unknown';

/**
 * The `type` label of published events past `maxEventTypes` distinct types.
 *
 * @example
 * new PrometheusMetrics({ registry, maxEventTypes: 64 }); // the 65th type on counts as "other"
 */
export const OTHER_EVENT_LABEL = 'other';

/**
 * Prometheus metrics of a Switchyard application, on your prom-client
 * registry: connections, commands by type and outcome, command duration,
 * events published and delivered, refused frames, backpressure, and the
 * backplane. Every label value is bounded: a command type no handler serves
 * is `unknown`, and the other labels take values from code, never from a
 * client. Give it to one application, in its `telemetry` option.
 *
 * @example
 * import { Registry } from 'prom-client';
 * import { PrometheusMetrics } from 'switchyard/prometheus';
 *
 * const registry = new Registry();
 * const app = new Switchyard({ telemetry: new PrometheusMetrics({ registry }) });
 * http.createServer(async (req, res) => res.end(await registry.metrics())).listen(9464);
 */
export class PrometheusMetrics implements Telemetry {
  readonly #commands: Counter<'type' | 'outcome'>;
  readonly #duration: Histogram<'type'>;
  readonly #published: Counter<'type'>;
  readonly #transportFamilies: TransportMetricFamilies;
  readonly #commandTypes = new Map<string, CommandTypeMetrics>();
  readonly #unknown: CommandTypeMetrics;
  readonly #eventTypes = new Map<string, Counter.Internal>();
  readonly #transports = new Map<string, TransportMetrics>();
  readonly #maxEventTypes: number;
  #otherEvents: Counter.Internal | undefined;
  #backplane: Backplane | undefined;
  #backplaneUp = false;
  #status: Subscription | undefined;

  constructor(options: PrometheusMetricsOptions) {
    const { registry, durationBuckets, maxEventTypes } = resolvePrometheusOptions(options);
    const registers = [registry];
    this.#maxEventTypes = maxEventTypes;
    this.#commands = new Counter({
      name: 'switchyard_commands_total',
      help: 'Commands that reached the bus, by type (unknown for a type no handler serves) and outcome (result, or the error code).',
      labelNames: ['type', 'outcome'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'switchyard_command_duration_seconds',
      help: 'Time from the bus receiving a command to its reply (validation, middleware and handler), by type.',
      labelNames: ['type'],
      buckets: [...durationBuckets],
      registers,
    });
    this.#published = new Counter({
      name: 'switchyard_events_published_total',
      help: 'Events published on this node, by type (other past maxEventTypes types).',
      labelNames: ['type'],
      registers,
    });
    this.#transportFamilies = {
      connections: new Gauge({ name: 'switchyard_connections', help: 'Open connections on this node, by transport.', labelNames: ['transport'], registers }),
      refused: new Counter({
        name: 'switchyard_frames_refused_total',
        help: 'Frames refused before they reached the bus, by transport and code (BAD_FRAME, RATE_LIMITED, UNAVAILABLE).',
        labelNames: ['transport', 'code'],
        registers,
      }),
      delivered: new Counter({
        name: 'switchyard_events_delivered_total',
        help: 'Event frames sent to connections of this node (one per recipient), by transport.',
        labelNames: ['transport'],
        registers,
      }),
      drops: new Counter({
        name: 'switchyard_backpressure_drops_total',
        help: 'Volatile events dropped for connections that read too slowly, by transport.',
        labelNames: ['transport'],
        registers,
      }),
      closes: new Counter({
        name: 'switchyard_backpressure_closes_total',
        help: 'Connections closed with 1013 because they read too slowly, by transport.',
        labelNames: ['transport'],
        registers,
      }),
    };
    this.#unknown = new CommandTypeMetrics(UNKNOWN_COMMAND_LABEL, this.#commands, this.#duration);
    this.#registerBackplaneMetrics(registers);
  }

  attach(target: TelemetryTarget): () => void {
    if (this.#backplane !== undefined) throw new SetupError(SetupErrorCode.ALREADY_STARTED, 'these PrometheusMetrics already observe an application; make one per application (on its own registry)');
    const backplane = target.backplane;
    this.#backplane = backplane;
    this.#backplaneUp = backplane.status$ === undefined;
    this.#status = backplane.status$?.subscribe((status) => {
      this.#backplaneUp = status === 'up';
    });
    return () => {
      this.#status?.unsubscribe();
      this.#status = undefined;
      this.#backplane = undefined;
    };
  }

  commandStarted(type: string | undefined): CommandTypeMetrics {
    if (type === undefined) return this.#unknown;
    let metrics = this.#commandTypes.get(type);
    // Only types the bus serves reach here, so the map holds at most one entry per registered command.
    if (metrics === undefined) this.#commandTypes.set(type, (metrics = new CommandTypeMetrics(type, this.#commands, this.#duration)));
    return metrics;
  }

  eventPublished(envelope: EventEnvelope): undefined {
    const type = envelope.type;
    let counter = this.#eventTypes.get(type);
    if (counter === undefined) {
      if (this.#eventTypes.size < this.#maxEventTypes) this.#eventTypes.set(type, (counter = this.#published.labels({ type })));
      else counter = this.#otherEvents ??= this.#published.labels({ type: OTHER_EVENT_LABEL });
    }
    counter.inc();
    return undefined;
  }

  forTransport(name: string): TransportTelemetry {
    let metrics = this.#transports.get(name);
    if (metrics === undefined) this.#transports.set(name, (metrics = new TransportMetrics(name, this.#transportFamilies)));
    return metrics;
  }

  #registerBackplaneMetrics(registers: Registry[]): void {
    // Read when scraped: the backplane counts anyway, so the message path pays nothing for these.
    const self = this;
    new Gauge({
      name: 'switchyard_backplane_up',
      help: 'Whether events cross nodes: 1 while the backplane is connected (always, for the in-process one), 0 while it is down.',
      registers,
      collect() {
        this.set(self.#backplane !== undefined && self.#backplaneUp ? 1 : 0);
      },
    });
    new Counter({
      name: 'switchyard_backplane_messages_total',
      help: 'Messages this node sent to other nodes (out) and received from them (in).',
      labelNames: ['direction'],
      registers,
      collect() {
        const stats = self.#backplane?.stats;
        this.reset();
        if (stats === undefined) return;
        this.inc({ direction: 'out' }, stats.sent);
        this.inc({ direction: 'in' }, stats.received);
      },
    });
    new Counter({
      name: 'switchyard_backplane_dropped_total',
      help: 'Backplane messages dropped: outage (for other nodes, while the engine was unreachable), malformed, rejected (bad signature).',
      labelNames: ['reason'],
      registers,
      collect() {
        const stats = self.#backplane?.stats;
        this.reset();
        if (stats === undefined) return;
        this.inc({ reason: 'outage' }, stats.lost ?? 0);
        this.inc({ reason: 'malformed' }, stats.malformed ?? 0);
        this.inc({ reason: 'rejected' }, stats.rejected ?? 0);
      },
    });
  }
}
