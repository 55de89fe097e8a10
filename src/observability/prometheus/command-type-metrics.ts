import type { Counter, Histogram } from 'prom-client';
import type { CommandProbe } from '../telemetry.js';

/**
 * The metrics of one command type, made once and kept: it is the probe of
 * every command of that type, so counting one costs two map lookups and no
 * allocation. Its children are cached per outcome, since prom-client's
 * `labels()` hashes the label values on every call.
 */
export class CommandTypeMetrics implements CommandProbe {
  readonly logFields = undefined;
  readonly #type: string;
  readonly #commands: Counter<'type' | 'outcome'>;
  readonly #duration: Histogram.Internal<'type'>;
  readonly #outcomes = new Map<string, Counter.Internal>();

  constructor(type: string, commands: Counter<'type' | 'outcome'>, duration: Histogram<'type'>) {
    this.#type = type;
    this.#commands = commands;
    this.#duration = duration.labels({ type });
  }

  run<A extends unknown[], R>(fn: (...args: A) => R, thisArg: unknown, ...args: A): R {
    return fn.apply(thisArg, args);
  }

  end(outcome: string, durationMs: number): void {
    let counter = this.#outcomes.get(outcome);
    if (counter === undefined) this.#outcomes.set(outcome, (counter = this.#commands.labels({ type: this.#type, outcome })));
    counter.inc();
    this.#duration.observe(durationMs / 1000);
  }
}
