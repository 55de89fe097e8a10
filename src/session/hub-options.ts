/** The per-connection rate limit: a token bucket per connection. */
export interface RateLimitOptions {
  /** Commands a connection may send in one burst. @default 200 */
  burst?: number;
  /** Commands per second a connection may sustain. @default 100 */
  perSecond?: number;
  /**
   * Refused commands in a row after which the connection is closed with
   * 1008 (sustained abuse); until then each is answered `RATE_LIMITED`.
   * @default 100
   */
  closeAfter?: number;
}

/**
 * Limits every transport's connections share, whatever the wire.
 *
 * @example
 * new Switchyard({ limits: { rateLimit: { burst: 50, perSecond: 20 }, maxRoomsPerConnection: 10 } });
 */
export interface HubOptions {
  /** The per-connection rate limit, or `false` for none. @default { burst: 200, perSecond: 100, closeAfter: 100 } */
  rateLimit?: RateLimitOptions | false;
  /** Rooms one connection may be in at once; one more fails with `TOO_MANY_ROOMS`. @default 100 */
  maxRoomsPerConnection?: number;
  /** Deepest nesting of a command's payload; deeper frames are answered `BAD_FRAME`. @default 32 */
  maxPayloadDepth?: number;
}

/** The limits once defaults are applied and checked. */
export interface ResolvedHubOptions {
  readonly rateLimit: Readonly<Required<RateLimitOptions>> | false;
  readonly maxRoomsPerConnection: number;
  readonly maxPayloadDepth: number;
}

const defaultRateLimit = Object.freeze({ burst: 200, perSecond: 100, closeAfter: 100 });

const defaults: ResolvedHubOptions = Object.freeze({
  rateLimit: defaultRateLimit,
  maxRoomsPerConnection: 100,
  maxPayloadDepth: 32,
});

/**
 * Merges the user's limits over the defaults, checks them, and freezes the result.
 *
 * @example
 * const limits = resolveHubOptions({ rateLimit: { perSecond: 20 } });
 */
export function resolveHubOptions(options: HubOptions = {}): ResolvedHubOptions {
  const rateLimit: ResolvedHubOptions['rateLimit'] = options.rateLimit === false ? false : Object.freeze({ ...defaultRateLimit, ...defined(options.rateLimit ?? {}) });
  const { rateLimit: _, ...rest } = defined(options);
  const resolved: ResolvedHubOptions = { ...defaults, ...rest, rateLimit };
  if (rateLimit !== false) {
    positiveInteger('rateLimit.burst', rateLimit.burst);
    if (!(rateLimit.perSecond > 0) || !Number.isFinite(rateLimit.perSecond)) throw new RangeError('"rateLimit.perSecond" must be a positive number');
    positiveInteger('rateLimit.closeAfter', rateLimit.closeAfter);
  }
  positiveInteger('maxRoomsPerConnection', resolved.maxRoomsPerConnection);
  positiveInteger('maxPayloadDepth', resolved.maxPayloadDepth);
  return Object.freeze(resolved);
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`"${name}" must be a positive integer`);
}

function defined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
