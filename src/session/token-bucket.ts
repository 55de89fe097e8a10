/**
 * A token bucket: holds up to `capacity` tokens, gains `perSecond` of them
 * each second, and each command takes one. Bursts up to the capacity pass;
 * a sustained rate above `perSecond` does not. `strikes` counts the
 * refusals since the last command that got through, so a hub can tell a
 * burst that overshot from sustained abuse.
 *
 * @example
 * const bucket = new TokenBucket(200, 100);
 * if (!bucket.take()) reply(RATE_LIMITED);
 */
export class TokenBucket {
  #tokens: number;
  #last: number;
  #strikes = 0;
  readonly #capacity: number;
  readonly #perMs: number;

  constructor(capacity: number, perSecond: number, now = performance.now()) {
    this.#capacity = capacity;
    this.#perMs = perSecond / 1000;
    this.#tokens = capacity;
    this.#last = now;
  }

  /** Refusals in a row since a command last got through. */
  get strikes(): number {
    return this.#strikes;
  }

  /** Takes one token if there is one. */
  take(now = performance.now()): boolean {
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#strikes = 0;
      return true;
    }
    this.#strikes++;
    return false;
  }
}
