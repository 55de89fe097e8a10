/** Options of a {@link WriteBehind}. */
export interface WriteBehindOptions {
  /**
   * Saves the current state of `keys`, each at most once per call. Never
   * called twice at once for one key. When it throws or rejects, its keys
   * stay dirty and come back in a later call, so it must be safe to repeat.
   * Required.
   */
  flush: (keys: readonly string[]) => Promise<void> | void;
  /**
   * How long a marked key waits before it is flushed, in ms: keys marked
   * within one interval are flushed together, each once.
   * @default 5000
   */
  intervalMs?: number;
  /**
   * Told of a flush that failed on the interval, with its keys (kept dirty
   * for the next attempt). Without it the failure is only retried: pass
   * `(error) => app.reportError(error, '...')` to log it and see it on
   * `app.errors$`. Failures of `flush()` and `close()` reject instead.
   * @default undefined
   */
  onError?: (error: unknown, keys: readonly string[]) => void;
}

/** The options once defaults are applied and checked. */
export interface ResolvedWriteBehindOptions {
  readonly flush: (keys: readonly string[]) => Promise<void> | void;
  readonly intervalMs: number;
  readonly onError: ((error: unknown, keys: readonly string[]) => void) | undefined;
}

const defaults = Object.freeze({ intervalMs: 5000 });

/** Largest delay Node's timers accept. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Applies the defaults, checks the options, and freezes the result.
 *
 * @example
 * resolveWriteBehindOptions({ flush: (keys) => store.save(keys), intervalMs: 1000 });
 */
export function resolveWriteBehindOptions(options: WriteBehindOptions): ResolvedWriteBehindOptions {
  if (typeof options !== 'object' || options === null || typeof options.flush !== 'function') throw new TypeError('"flush" must be a function');
  const intervalMs = options.intervalMs ?? defaults.intervalMs;
  if (!Number.isInteger(intervalMs) || intervalMs < 1 || intervalMs > MAX_TIMEOUT_MS) throw new RangeError(`"intervalMs" must be an integer from 1 to ${MAX_TIMEOUT_MS}`);
  const onError = options.onError;
  if (onError !== undefined && typeof onError !== 'function') throw new TypeError('"onError" must be a function');
  return Object.freeze({ flush: options.flush, intervalMs, onError });
}
