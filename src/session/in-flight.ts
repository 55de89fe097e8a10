/**
 * Counts commands that are running, so a drain can wait for them: `idle()`
 * resolves when the count is back to zero, or when the deadline passes,
 * whichever comes first.
 *
 * @example
 * inFlight.begin();
 * bus.dispatch(command).finally(() => inFlight.end());
 * const finished = await inFlight.idle(10_000);
 */
export class InFlight {
  #count = 0;
  #waiters: (() => void)[] = [];

  /** Commands still running. */
  get count(): number {
    return this.#count;
  }

  begin(): void {
    this.#count++;
  }

  end(): void {
    if (--this.#count > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves `true` once nothing runs, or `false` if `deadlineMs` passes first. */
  idle(deadlineMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), deadlineMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
