/**
 * A token bucket: holds up to `capacity` tokens, gains `perSecond` of them
 * each second, and each use takes one. Bursts up to the capacity pass; a
 * sustained rate above `perSecond` does not.
 *
 * @example
 * const bucket = new TokenBucket(200, 100);
 * if (!bucket.take()) reply(RATE_LIMITED);
 */
export class TokenBucket {
  #tokens: number;
  #last: number;
  readonly #capacity: number;
  readonly #perMs: number;

  constructor(capacity: number, perSecond: number, now = performance.now()) {
    this.#capacity = capacity;
    this.#perMs = perSecond / 1000;
    this.#tokens = capacity;
    this.#last = now;
  }

  /** Takes one token if there is one. */
  take(now = performance.now()): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Whether the bucket has refilled completely: forgetting it then loses nothing. */
  full(now = performance.now()): boolean {
    this.#refill(now);
    return this.#tokens >= this.#capacity;
  }

  /** Milliseconds until the next token, `0` when there is one now. */
  waitMs(now = performance.now()): number {
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : (1 - this.#tokens) / this.#perMs;
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
  }
}
