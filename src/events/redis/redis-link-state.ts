import type { Logger } from 'pino';

/**
 * Whether a node can reach Redis, and the one log line per change. An
 * outage is logged when it starts and when it ends, with how much it cost;
 * never once per event.
 *
 * @example
 * const link = new RedisLinkState(logger, 'backplane', 'events for other nodes are dropped until Redis is back');
 * link.down(); link.lost(); link.up();
 */
export class RedisLinkState {
  readonly #log: Logger;
  readonly #consequence: string;
  #up = false;
  #everUp = false;
  #lost = 0;

  constructor(logger: Logger, component: string, consequence: string) {
    this.#log = logger.child({ component: `redis-${component}` });
    this.#consequence = consequence;
  }

  get isUp(): boolean {
    return this.#up;
  }

  /** Counts one thing the outage cost (a dropped event, a deferred write). */
  lost(): void {
    this.#lost += 1;
  }

  up(): void {
    if (this.#up) return;
    this.#up = true;
    if (this.#everUp) this.#log.info({ lost: this.#lost }, 'redis is back');
    else this.#log.debug('redis connected');
    this.#everUp = true;
    this.#lost = 0;
  }

  down(error?: unknown): void {
    if (!this.#up) return;
    this.#up = false;
    this.#log.warn({ err: error }, `redis unavailable: ${this.#consequence}`);
  }
}
