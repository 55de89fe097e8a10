import type { EventEnvelope } from '../events/event-envelope.js';
import { noTelemetry } from './no-telemetry.js';
import type { CommandProbe, CommandSubject, DeliveryProbe, PublishProbe, Telemetry, TelemetryTarget, TransportTelemetry } from './telemetry.js';

/**
 * One telemetry out of the application's option: none is {@link noTelemetry},
 * one is itself (nothing in between on the hot path), several are called in
 * turn, metrics and tracing side by side.
 *
 * @example
 * const telemetry = combineTelemetry([new PrometheusMetrics({ registry }), new OpenTelemetryTracing()]);
 */
export function combineTelemetry(option: Telemetry | readonly Telemetry[] | undefined): Telemetry {
  const list: readonly Telemetry[] = option === undefined ? [] : Array.isArray(option) ? option : [option as Telemetry];
  for (const telemetry of list) {
    const candidate = telemetry as Partial<Telemetry> | null;
    if (typeof candidate !== 'object' || candidate === null || typeof candidate.commandStarted !== 'function' || typeof candidate.eventPublished !== 'function' || typeof candidate.forTransport !== 'function') {
      throw new TypeError('"telemetry" must be a Telemetry (PrometheusMetrics, OpenTelemetryTracing) or an array of them');
    }
  }
  if (list.length === 0) return noTelemetry;
  if (list.length === 1) return list[0] as Telemetry;
  return new CombinedTelemetry(list);
}

class CombinedTelemetry implements Telemetry {
  readonly #list: readonly Telemetry[];

  constructor(list: readonly Telemetry[]) {
    this.#list = [...list];
  }

  sessionResumed(recovered: boolean, replayed: number): void {
    for (const telemetry of this.#list) telemetry.sessionResumed?.(recovered, replayed);
  }

  attach(target: TelemetryTarget): (() => void) | undefined {
    const detaches: Array<() => void> = [];
    const detachAll = (): void => {
      for (const detach of detaches) detach();
    };
    try {
      for (const telemetry of this.#list) {
        const detach = telemetry.attach?.(target);
        if (detach !== undefined) detaches.push(detach);
      }
    } catch (error) {
      // One that refuses leaves none of the others attached.
      detachAll();
      throw error;
    }
    return detachAll;
  }

  commandStarted(type: string | undefined, command: CommandSubject): CommandProbe | undefined {
    const list = this.#list;
    let probes: CommandProbe[] | undefined;
    let only: CommandProbe | undefined;
    for (let index = 0; index < list.length; index++) {
      const probe = (list[index] as Telemetry).commandStarted(type, command);
      if (probe === undefined) continue;
      if (only === undefined && probes === undefined) only = probe;
      else {
        probes ??= [only as CommandProbe];
        probes.push(probe);
        only = undefined;
      }
    }
    return probes === undefined ? only : new CombinedCommandProbe(probes);
  }

  eventPublished(envelope: EventEnvelope): PublishProbe | undefined {
    let current = envelope;
    let probes: PublishProbe[] | undefined;
    for (const telemetry of this.#list) {
      const probe = telemetry.eventPublished(current);
      if (probe === undefined) continue;
      current = probe.envelope;
      (probes ??= []).push(probe);
    }
    if (probes === undefined) return undefined;
    if (probes.length === 1) return probes[0];
    const all = probes;
    return {
      envelope: current,
      end: (error?: unknown) => {
        for (const probe of all) probe.end(error);
      },
    };
  }

  forTransport(name: string): TransportTelemetry {
    return new CombinedTransportTelemetry(this.#list.map((telemetry) => telemetry.forTransport(name)));
  }
}

class CombinedCommandProbe implements CommandProbe {
  readonly #probes: readonly CommandProbe[];

  constructor(probes: readonly CommandProbe[]) {
    this.#probes = probes;
  }

  get logFields(): Readonly<Record<string, string>> | undefined {
    for (const probe of this.#probes) {
      const fields = probe.logFields;
      if (fields !== undefined) return fields;
    }
    return undefined;
  }

  run<A, B, C, R>(fn: (a: A, b: B, c: C) => R, a: A, b: B, c: C): R {
    // Only the probes that set a context run the handler: usually one (tracing), which then needs no closure.
    const probes = this.#probes;
    let runner: CommandProbe | undefined;
    for (let index = 0; index < probes.length; index++) {
      const probe = probes[index] as CommandProbe;
      if (probe.run === undefined) continue;
      if (runner !== undefined) return runNested(probes.filter((each) => each.run !== undefined), 0, fn, a, b, c);
      runner = probe;
    }
    return runner?.run === undefined ? fn(a, b, c) : runner.run(fn, a, b, c);
  }

  end(outcome: string, durationMs: number, error?: unknown): void {
    const probes = this.#probes;
    for (let index = 0; index < probes.length; index++) (probes[index] as CommandProbe).end(outcome, durationMs, error);
  }
}

function runNested<A, B, C, R>(runners: readonly CommandProbe[], index: number, fn: (a: A, b: B, c: C) => R, a: A, b: B, c: C): R {
  const probe = runners[index];
  if (probe?.run === undefined) return fn(a, b, c);
  // The innermost runner calls fn itself; only the ones around it need a closure.
  if (index === runners.length - 1) return probe.run(fn, a, b, c);
  return probe.run(() => runNested(runners, index + 1, fn, a, b, c), undefined, undefined, undefined);
}

class CombinedTransportTelemetry implements TransportTelemetry {
  readonly #list: readonly TransportTelemetry[];

  constructor(list: readonly TransportTelemetry[]) {
    this.#list = list;
  }

  connectionOpened(): void {
    for (const telemetry of this.#list) telemetry.connectionOpened();
  }

  connectionClosed(): void {
    for (const telemetry of this.#list) telemetry.connectionClosed();
  }

  frameRefused(code: string): void {
    for (const telemetry of this.#list) telemetry.frameRefused(code);
  }

  deliveryStarted(envelope: EventEnvelope): DeliveryProbe | undefined {
    let probes: DeliveryProbe[] | undefined;
    for (const telemetry of this.#list) {
      const probe = telemetry.deliveryStarted(envelope);
      if (probe !== undefined) (probes ??= []).push(probe);
    }
    if (probes === undefined || probes.length === 1) return probes?.[0];
    const all = probes;
    return {
      end: (recipients: number) => {
        for (const probe of all) probe.end(recipients);
      },
    };
  }

  backpressureDropped(): void {
    for (const telemetry of this.#list) telemetry.backpressureDropped();
  }

  backpressureClosed(): void {
    for (const telemetry of this.#list) telemetry.backpressureClosed();
  }
}
