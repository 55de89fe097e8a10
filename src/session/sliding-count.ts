/**
 * Counts events in a sliding window of `windowMs`, approximately and in
 * constant space: the count of the current fixed window plus the previous
 * window's count weighted by how much of it the sliding window still
 * covers. Unlike a count of events "in a row", nothing in between resets
 * it, so a steady trickle adds up as surely as a burst.
 *
 * @example
 * const refusals = new SlidingCount(10_000);
 * if (refusals.add() > 100) close(1008);
 */
export class SlidingCount {
  #start: number;
  #current = 0;
  #previous = 0;
  readonly #windowMs: number;

  constructor(windowMs: number, now = performance.now()) {
    this.#windowMs = windowMs;
    this.#start = now;
  }

  /** Counts one event now; returns the count over the last `windowMs`, this one included. */
  add(now = performance.now()): number {
    const elapsed = now - this.#start;
    if (elapsed >= this.#windowMs) {
      const windows = Math.floor(elapsed / this.#windowMs);
      this.#previous = windows === 1 ? this.#current : 0;
      this.#current = 0;
      this.#start += windows * this.#windowMs;
    }
    this.#current++;
    const covered = 1 - (now - this.#start) / this.#windowMs;
    return this.#previous * covered + this.#current;
  }
}
