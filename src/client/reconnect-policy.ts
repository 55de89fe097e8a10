/** How the client reconnects after its connection drops: exponential backoff with jitter, bounded. */
export interface ReconnectPolicy {
  /** Delay before the first attempt, in ms. @default 250 */
  readonly initialDelayMs: number;
  /** Longest delay between attempts, in ms. @default 10000 */
  readonly maxDelayMs: number;
  /** Each attempt waits this many times longer than the one before. @default 2 */
  readonly factor: number;
  /** Fraction of each delay drawn at random (0 = none, 1 = anywhere from 0 to the full delay). @default 0.5 */
  readonly jitter: number;
  /** Attempts in a row before giving up and closing the client; `Infinity` never gives up. @default 20 */
  readonly maxAttempts: number;
}

/** The default policy: about three minutes of attempts, then the client closes. */
export const defaultReconnectPolicy: Readonly<ReconnectPolicy> = Object.freeze({
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  factor: 2,
  jitter: 0.5,
  maxAttempts: 20,
});

/**
 * Merges a partial policy over the defaults, checks it, and freezes it.
 *
 * @example
 * resolveReconnectPolicy({ maxAttempts: Infinity });
 */
export function resolveReconnectPolicy(policy: Partial<ReconnectPolicy> = {}): Readonly<ReconnectPolicy> {
  const defaults = defaultReconnectPolicy;
  const resolved: ReconnectPolicy = {
    initialDelayMs: policy.initialDelayMs ?? defaults.initialDelayMs,
    maxDelayMs: policy.maxDelayMs ?? defaults.maxDelayMs,
    factor: policy.factor ?? defaults.factor,
    jitter: policy.jitter ?? defaults.jitter,
    maxAttempts: policy.maxAttempts ?? defaults.maxAttempts,
  };
  if (!(resolved.initialDelayMs >= 0) || !Number.isFinite(resolved.initialDelayMs)) throw new RangeError('"initialDelayMs" must be a finite number, zero or more');
  if (!(resolved.maxDelayMs >= resolved.initialDelayMs) || !Number.isFinite(resolved.maxDelayMs)) {
    throw new RangeError('"maxDelayMs" must be finite and at least "initialDelayMs"');
  }
  if (!(resolved.factor >= 1)) throw new RangeError('"factor" must be 1 or more');
  if (!(resolved.jitter >= 0 && resolved.jitter <= 1)) throw new RangeError('"jitter" must be from 0 to 1');
  if (!(resolved.maxAttempts >= 1) || (Number.isFinite(resolved.maxAttempts) && !Number.isInteger(resolved.maxAttempts))) {
    throw new RangeError('"maxAttempts" must be a positive integer or Infinity');
  }
  return Object.freeze(resolved);
}

/**
 * The delay before attempt `attempt` (1 for the first): `initialDelayMs *
 * factor^(attempt-1)`, capped at `maxDelayMs`, less a random share of up to
 * `jitter` of it so that many clients dropped at once do not return at once.
 *
 * @example
 * setTimeout(connect, reconnectDelay(policy, attempt));
 */
export function reconnectDelay(policy: Readonly<ReconnectPolicy>, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - policy.jitter * random()));
}
