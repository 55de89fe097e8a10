import type { Middleware } from '../middleware.js';
import { writeBehindMiddleware, type WriteBehindMiddlewareOptions } from './write-behind-middleware.js';
import { resolveWriteBehindOptions, type ResolvedWriteBehindOptions, type WriteBehindOptions } from './write-behind-options.js';

/**
 * Saves state behind the commands that change it: `mark(key)` says a key
 * changed, and once per interval the keys marked since the last flush are
 * handed to `flush`, each once however often it was marked. A key is never
 * in two flushes at once: one marked while its flush runs waits for the
 * next. A failed flush keeps its keys dirty for the next attempt. `close()`
 * flushes what is left; hand it to `app.onShutdown()` so the last changes
 * are saved once the transports have drained.
 *
 * @example
 * const saves = new WriteBehind({
 *   flush: (rooms) => stats.save(rooms),
 *   intervalMs: 5000,
 *   onError: (error) => app.reportError(error, 'room stats not saved'),
 * });
 * app.onShutdown(() => saves.close());
 * app.use(saves.middleware({ keyOf: (ctx) => (ctx.payload as { room?: string }).room, except: [RoomStats] }));
 */
export class WriteBehind {
  readonly #options: ResolvedWriteBehindOptions;
  readonly #dirty = new Set<string>();
  readonly #inFlight = new Set<string>();
  readonly #running = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: WriteBehindOptions) {
    this.#options = resolveWriteBehindOptions(options);
  }

  /**
   * Says `key` changed: it is flushed at the end of the current interval
   * (or, after `close()`, at once). Marking it again before then costs nothing.
   *
   * @example
   * saves.mark(`room:${room}`);
   */
  mark(key: string): void {
    if (typeof key !== 'string') throw new TypeError('a write-behind key must be a string');
    this.#dirty.add(key);
    if (this.#closing === undefined) {
      this.#arm();
      return;
    }
    // A command cut off by the shutdown deadline can still finish after close(): its change is saved, not dropped.
    const ready = this.#ready();
    this.#write(ready).catch((error: unknown) => this.#report(error, ready));
  }

  /** How many keys are marked and not yet flushed (those being flushed again included). */
  get dirty(): number {
    return this.#dirty.size;
  }

  /**
   * Flushes now, without waiting for the interval: every key dirty at the
   * call is saved by the time it resolves (a key already being flushed is
   * awaited, then flushed again if it was marked since). Rejects with the
   * error of a flush that failed; its keys stay dirty.
   *
   * @example
   * await saves.flush();
   */
  async flush(): Promise<void> {
    await this.#flushKeys(new Set(this.#dirty));
  }

  /**
   * Stops the interval and flushes every dirty key, waiting for flushes in
   * progress. A key marked after it is flushed at once. Rejects with the
   * error of a final flush that failed (its keys stay dirty; nothing
   * retries them). Idempotent: later calls get the first call's outcome.
   *
   * @example
   * app.onShutdown(() => saves.close());
   */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  /**
   * A middleware layer that marks the key(s) `keyOf` names after every
   * command that succeeded, except those in `except`.
   *
   * @example
   * app.use(saves.middleware({ keyOf: (ctx) => ctx.user?.id, except: [CartGet] }));
   */
  middleware(options: WriteBehindMiddlewareOptions): Middleware {
    return writeBehindMiddleware((key) => this.mark(key), options);
  }

  async #close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flushKeys(undefined);
  }

  /** Flushes `keys` (every dirty key when undefined) until none of them is dirty or being flushed. */
  async #flushKeys(keys: Set<string> | undefined): Promise<void> {
    for (;;) {
      const ready = this.#ready(keys);
      if (ready.length > 0) {
        await this.#write(ready);
        for (const key of ready) keys?.delete(key);
        continue;
      }
      const waiting = keys === undefined ? this.#inFlight.size > 0 || this.#dirty.size > 0 : [...keys].some((key) => this.#inFlight.has(key));
      if (!waiting) return;
      await Promise.allSettled(this.#running);
      if (keys !== undefined) for (const key of keys) if (!this.#dirty.has(key) && !this.#inFlight.has(key)) keys.delete(key);
    }
  }

  /** The dirty keys (of `among`, when given) that no flush is saving now. */
  #ready(among?: ReadonlySet<string>): string[] {
    const ready: string[] = [];
    for (const key of this.#dirty) if (!this.#inFlight.has(key) && (among === undefined || among.has(key))) ready.push(key);
    return ready;
  }

  #write(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return Promise.resolve();
    for (const key of keys) {
      this.#dirty.delete(key);
      this.#inFlight.add(key);
    }
    const batch = Object.freeze([...keys]);
    // Called on a later tick, so the bookkeeping below never runs before `writing` exists, even for a flush that throws at once.
    const writing: Promise<void> = Promise.resolve()
      .then(() => this.#options.flush(batch))
      .then(
        () => this.#settled(batch, writing),
        (error: unknown) => {
          for (const key of batch) this.#dirty.add(key);
          this.#settled(batch, writing);
          throw error;
        },
      );
    this.#running.add(writing);
    return writing;
  }

  #settled(batch: readonly string[], writing: Promise<void>): void {
    for (const key of batch) this.#inFlight.delete(key);
    this.#running.delete(writing);
    if (this.#dirty.size > 0) this.#arm();
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#closing !== undefined) return;
    this.#timer = setTimeout(this.#tick, this.#options.intervalMs);
    // A pending save must not keep a process alive: close() is what saves the rest.
    this.#timer.unref();
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    // Keys still being flushed are left dirty; the end of that flush arms the next interval for them.
    const ready = this.#ready();
    this.#write(ready).catch((error: unknown) => this.#report(error, ready));
  };

  #report(error: unknown, keys: readonly string[]): void {
    try {
      this.#options.onError?.(error, keys);
    } catch {
      // A failing error callback must not become an unhandled rejection; the keys are still dirty and retried.
    }
  }
}
