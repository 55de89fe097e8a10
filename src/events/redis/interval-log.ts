import type { Logger } from 'pino';

/**
 * Logs a recurring problem at most once per interval: the first occurrence
 * at once, later ones counted and reported in one line when the interval
 * ends. A flood of bad input costs a counter increment each, not a log
 * line each.
 *
 * @example
 * const malformed = new IntervalLog(logger, 10_000, 'malformed backplane messages ignored');
 * malformed.record();
 */
export class IntervalLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #message: string;
  #suppressed = 0;
  #detail: Record<string, unknown> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(logger: Logger, intervalMs: number, message: string) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
    this.#message = message;
  }

  record(detail?: Record<string, unknown>): void {
    this.#detail = detail;
    if (this.#timer !== undefined) {
      this.#suppressed += 1;
      return;
    }
    this.#logger.warn({ ...detail, count: 1 }, this.#message);
    this.#arm();
  }

  /** Stops the timer; what was counted since the last line is logged now. */
  close(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flush();
  }

  #arm(): void {
    this.#timer = setTimeout(this.#onInterval, this.#intervalMs);
    this.#timer.unref();
  }

  readonly #onInterval = (): void => {
    this.#timer = undefined;
    if (this.#suppressed === 0) return;
    this.#flush();
    this.#arm();
  };

  #flush(): void {
    if (this.#suppressed === 0) return;
    this.#logger.warn({ ...this.#detail, count: this.#suppressed, intervalMs: this.#intervalMs }, this.#message);
    this.#suppressed = 0;
  }
}
