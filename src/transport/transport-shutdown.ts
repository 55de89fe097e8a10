import type { ConnectionHub } from '../session/connection-hub.js';
import { DEFAULT_DRAIN_DEADLINE_MS, type DrainOptions } from './transport.js';

/**
 * A transport's shutdown, done once: the first `close()` runs `stop` and
 * every later call gets the same promise; `drain()` stops letting sessions
 * and commands in, lets the hub drain for at most the deadline, then closes,
 * and every later call gets the same outcome.
 *
 * @example
 * readonly #shutdown = new TransportShutdown(() => this.#stop(), () => this.#hub);
 * close(): Promise<void> { return this.#shutdown.close(); }
 */
export class TransportShutdown {
  readonly #stop: () => Promise<void>;
  readonly #hub: () => ConnectionHub | undefined;
  #closing: Promise<void> | undefined;
  #drained: Promise<boolean> | undefined;
  #accepting = true;

  constructor(stop: () => Promise<void>, hub: () => ConnectionHub | undefined) {
    this.#stop = stop;
    this.#hub = hub;
  }

  /** Whether new sessions and commands are let in: not once a drain or a close has begun. */
  get accepting(): boolean {
    return this.#accepting && this.#closing === undefined;
  }

  /** Whether a close has begun. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  close(): Promise<void> {
    this.#accepting = false;
    return (this.#closing ??= this.#stop());
  }

  drain(options: DrainOptions = {}): Promise<boolean> {
    return (this.#drained ??= this.#drain(options.deadlineMs ?? DEFAULT_DRAIN_DEADLINE_MS));
  }

  async #drain(deadlineMs: number): Promise<boolean> {
    const hub = this.#hub();
    if (hub === undefined || this.#closing !== undefined) {
      await this.close();
      return true;
    }
    this.#accepting = false;
    const finished = await hub.drain(deadlineMs);
    await this.close();
    return finished;
  }
}
