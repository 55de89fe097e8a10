import { Counter, Gauge, type Metric, type Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { Backplane } from '../../events/backplane.js';
import type { EventEnvelope } from '../../events/event-envelope.js';
import { SetupError, SetupErrorCode } from '../../protocol/errors.js';
import type { Telemetry, TelemetryTarget, TransportTelemetry } from '../telemetry.js';
import { CommandTypeMetrics } from './command-type-metrics.js';
import { DurationHistogram } from './duration-histogram.js';
import { resolvePrometheusOptions, type PrometheusMetricsOptions } from './prometheus-options.js';
import { TransportMetrics } from './transport-metrics.js';

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
 * Commands and events only add to plain numbers; prom-client reads them
 * when the registry is scraped, so the hot path allocates nothing for them.
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
  readonly #bounds: readonly number[];
  readonly #commandTypes = new Map<string, CommandTypeMetrics>();
  readonly #unknown: CommandTypeMetrics;
  readonly #events = new Map<string, number>();
  readonly #maxEventTypes: number;
  readonly #transports = new Map<string, TransportMetrics>();
  #backplane: Backplane | undefined;
  #backplaneUp = false;
  #status: Subscription | undefined;
  readonly #resumes = { recovered: 0, refused: 0 };
  #replayed = 0;

  constructor(options: PrometheusMetricsOptions) {
    const { registry, durationBuckets, maxEventTypes } = resolvePrometheusOptions(options);
    this.#bounds = durationBuckets;
    this.#maxEventTypes = maxEventTypes;
    this.#unknown = new CommandTypeMetrics(UNKNOWN_COMMAND_LABEL, durationBuckets);
    this.#registerCommandMetrics(registry);
    this.#registerTransportMetrics(registry);
    this.#registerBackplaneMetrics(registry);
    this.#registerRecoveryMetrics(registry);
  }

  sessionResumed(recovered: boolean, replayed: number): void {
    if (recovered) this.#resumes.recovered++;
    else this.#resumes.refused++;
    this.#replayed += replayed;
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
    if (metrics === undefined) this.#commandTypes.set(type, (metrics = new CommandTypeMetrics(type, this.#bounds)));
    return metrics;
  }

  eventPublished(envelope: EventEnvelope): undefined {
    const events = this.#events;
    const known = events.get(envelope.type);
    if (known !== undefined) events.set(envelope.type, known + 1);
    else if (events.size < this.#maxEventTypes) events.set(envelope.type, 1);
    else events.set(OTHER_EVENT_LABEL, (events.get(OTHER_EVENT_LABEL) ?? 0) + 1);
    return undefined;
  }

  forTransport(name: string): TransportTelemetry {
    let metrics = this.#transports.get(name);
    if (metrics === undefined) this.#transports.set(name, (metrics = new TransportMetrics(name)));
    return metrics;
  }

  *#commandSeries(): Iterable<CommandTypeMetrics> {
    yield* this.#commandTypes.values();
    yield this.#unknown;
  }

  #registerRecoveryMetrics(registry: Registry): void {
    const self = this;
    const registers = [registry];
    new Counter({
      name: 'switchyard_recovery_resumes_total',
      help: 'session.resume answers, by outcome: recovered, or refused (recovered:false).',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        this.inc({ outcome: 'recovered' }, self.#resumes.recovered);
        this.inc({ outcome: 'refused' }, self.#resumes.refused);
      },
    });
    new Counter({
      name: 'switchyard_recovery_replayed_events_total',
      help: 'Missed events sent again by recovered sessions (session.resume).',
      registers,
      collect() {
        this.reset();
        this.inc(self.#replayed);
      },
    });
  }

  // Each metric reads the counts when scraped (prom-client's `collect`), so nothing is written to prom-client per command.
  #registerCommandMetrics(registry: Registry): void {
    const self = this;
    const registers = [registry];
    new Counter({
      name: 'switchyard_commands_total',
      help: 'Commands that reached the bus, by type (unknown for a type no handler serves) and outcome (result, or the error code).',
      labelNames: ['type', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const metrics of self.#commandSeries()) {
          for (const [outcome, count] of metrics.outcomes) this.inc({ type: metrics.type, outcome }, count);
        }
      },
    });
    registry.registerMetric(new DurationHistogram(this.#bounds, () => this.#commandSeries()) as unknown as Metric);
    new Counter({
      name: 'switchyard_events_published_total',
      help: 'Events published on this node, by type (other past maxEventTypes types).',
      labelNames: ['type'],
      registers,
      collect() {
        this.reset();
        for (const [type, count] of self.#events) this.inc({ type }, count);
      },
    });
  }

  #registerTransportMetrics(registry: Registry): void {
    const transports = (): Iterable<TransportMetrics> => this.#transports.values();
    const registers = [registry];
    new Gauge({
      name: 'switchyard_connections',
      help: 'Open connections on this node, by transport.',
      labelNames: ['transport'],
      registers,
      collect() {
        for (const metrics of transports()) this.set({ transport: metrics.transport }, metrics.connections);
      },
    });
    new Counter({
      name: 'switchyard_frames_refused_total',
      help: 'Frames refused before they reached the bus, by transport and code (BAD_FRAME, RATE_LIMITED, UNAVAILABLE).',
      labelNames: ['transport', 'code'],
      registers,
      collect() {
        this.reset();
        for (const metrics of transports()) {
          for (const [code, count] of metrics.refused) this.inc({ transport: metrics.transport, code }, count);
        }
      },
    });
    const perTransport = (name: string, help: string, read: (metrics: TransportMetrics) => number): void => {
      new Counter({
        name,
        help,
        labelNames: ['transport'],
        registers,
        collect() {
          this.reset();
          for (const metrics of transports()) this.inc({ transport: metrics.transport }, read(metrics));
        },
      });
    };
    perTransport('switchyard_events_delivered_total', 'Event frames sent to connections of this node (one per recipient), by transport.', (metrics) => metrics.delivered);
    perTransport('switchyard_backpressure_drops_total', 'Volatile events dropped for connections that read too slowly, by transport.', (metrics) => metrics.drops);
    perTransport('switchyard_backpressure_closes_total', 'Connections closed with 1013 because they read too slowly, by transport.', (metrics) => metrics.closes);
  }

  #registerBackplaneMetrics(registry: Registry): void {
    // The backplane counts anyway; these read its counts.
    const self = this;
    const registers = [registry];
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
