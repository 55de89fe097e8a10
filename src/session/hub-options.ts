/**
 * A rate: a burst that may pass at once, then a sustained pace (a token bucket).
 *
 * @example
 * const connects: RateOptions = { burst: 10, perSecond: 2 };
 */
export interface RateOptions {
  /** Uses that may pass at once. */
  burst?: number;
  /** Uses per second that may be sustained; may be a fraction (`0.5`: one every two seconds). */
  perSecond?: number;
}

/**
 * The per-connection rate limit: a token bucket per connection, checked
 * before a frame is decoded.
 *
 * @example
 * const rateLimit: RateLimitOptions = { burst: 50, perSecond: 20, closeAfter: 40 };
 */
export interface RateLimitOptions extends RateOptions {
  /** Commands a connection may send in one burst. @default 200 */
  burst?: number;
  /** Commands per second a connection may sustain. @default 100 */
  perSecond?: number;
  /**
   * Commands refused `RATE_LIMITED` within `closeWindowMs` after which the
   * connection is closed with 1008 (it stays over its limit however often
   * it is told); until then each is answered `RATE_LIMITED`.
   * @default 100
   */
  closeAfter?: number;
  /** The sliding window `closeAfter` counts refusals in, in ms. @default 10000 */
  closeWindowMs?: number;
}

/**
 * What all the connections of one client (a user, or an address) may hold
 * and send together.
 *
 * @example
 * const perUser: BudgetOptions = { maxConnections: 8, commandRate: { burst: 200, perSecond: 100 } };
 */
export interface BudgetOptions {
  /** Connections open at once; one more is refused (HTTP 429 on the WebSocket transport). */
  maxConnections?: number;
  /** Commands of all its connections together; past it commands are answered `RATE_LIMITED`. `false` for none. */
  commandRate?: RateOptions | false;
}

/**
 * The budget of one remote address. Behind a reverse proxy or a NAT many
 * clients share one address: raise it, or turn it off with `perAddress: false`.
 * IPv6 addresses are grouped by their /64 prefix, which one host usually holds whole.
 *
 * @example
 * new Switchyard({ limits: { perAddress: { maxConnections: 5000, connectRate: false } } });
 */
export interface AddressBudgetOptions extends BudgetOptions {
  /** Connections open at once from the address. @default 512 */
  maxConnections?: number;
  /** Commands from all the address's connections. @default { burst: 5000, perSecond: 2500 } */
  commandRate?: RateOptions | false;
  /**
   * New connections from the address; one more is refused (HTTP 429 with
   * `Retry-After`). It bounds connect/close loops, and with them what
   * closing connections make the server publish (departures from rooms).
   * @default { burst: 100, perSecond: 20 }
   */
  connectRate?: RateOptions | false;
}

/**
 * The budget of one user (the identity's `id` when the connection opened),
 * all their connections together.
 *
 * @example
 * const perUser: UserBudgetOptions = { maxConnections: 4 };
 */
export interface UserBudgetOptions extends BudgetOptions {
  /** Connections one user may have open at once. @default 32 */
  maxConnections?: number;
  /** Commands of all one user's connections. @default { burst: 500, perSecond: 250 } */
  commandRate?: RateOptions | false;
}

/**
 * Limits every transport's connections share, whatever the wire.
 *
 * @example
 * new Switchyard({ limits: { rateLimit: { burst: 50, perSecond: 20 }, maxRoomsPerConnection: 10 } });
 */
export interface HubOptions {
  /** The per-connection rate limit, or `false` for none. @default { burst: 200, perSecond: 100, closeAfter: 100, closeWindowMs: 10000 } */
  rateLimit?: RateLimitOptions | false;
  /** Rooms one connection may be in at once; one more fails with `TOO_MANY_ROOMS`. @default 100 */
  maxRoomsPerConnection?: number;
  /** Longest room name, in characters; a longer one fails with `INVALID_PAYLOAD`. @default 128 */
  maxRoomNameLength?: number;
  /** Deepest nesting of a command's payload; deeper frames are answered `BAD_FRAME`. @default 32 */
  maxPayloadDepth?: number;
  /**
   * Commands of one connection still running at once; one more is answered
   * `RATE_LIMITED` ("too many commands in flight") without running.
   * @default 64
   */
  maxPendingCommands?: number;
  /**
   * Events a connection's commands may publish through `ctx.publish`; past it
   * `ctx.publish` throws `RATE_LIMITED`, which fails the command. `false` for none.
   * @default { burst: 400, perSecond: 200 }
   */
  publishRate?: RateOptions | false;
  /** What the connections of one remote address may hold and send together, or `false` for no such budget. @default see {@link AddressBudgetOptions} */
  perAddress?: AddressBudgetOptions | false;
  /** What the connections of one user may hold and send together, or `false` for no such budget. @default see {@link UserBudgetOptions} */
  perUser?: UserBudgetOptions | false;
}

/** A rate once defaults are applied. */
export interface ResolvedRate {
  readonly burst: number;
  readonly perSecond: number;
}

/** The per-connection rate limit once defaults are applied. */
export interface ResolvedRateLimit extends ResolvedRate {
  readonly closeAfter: number;
  readonly closeWindowMs: number;
}

/** A user's budget once defaults are applied. */
export interface ResolvedBudget {
  readonly maxConnections: number;
  readonly commandRate: ResolvedRate | false;
}

/** An address's budget once defaults are applied. */
export interface ResolvedAddressBudget extends ResolvedBudget {
  readonly connectRate: ResolvedRate | false;
}

/** The limits once defaults are applied and checked. */
export interface ResolvedHubOptions {
  readonly rateLimit: ResolvedRateLimit | false;
  readonly maxRoomsPerConnection: number;
  readonly maxRoomNameLength: number;
  readonly maxPayloadDepth: number;
  readonly maxPendingCommands: number;
  readonly publishRate: ResolvedRate | false;
  readonly perAddress: ResolvedAddressBudget | false;
  readonly perUser: ResolvedBudget | false;
}

const defaultRateLimit: ResolvedRateLimit = Object.freeze({ burst: 200, perSecond: 100, closeAfter: 100, closeWindowMs: 10_000 });

const defaultPublishRate: ResolvedRate = Object.freeze({ burst: 400, perSecond: 200 });

const defaultAddressBudget = Object.freeze({
  maxConnections: 512,
  commandRate: Object.freeze({ burst: 5000, perSecond: 2500 }) as ResolvedRate,
  connectRate: Object.freeze({ burst: 100, perSecond: 20 }) as ResolvedRate,
});

const defaultUserBudget = Object.freeze({
  maxConnections: 32,
  commandRate: Object.freeze({ burst: 500, perSecond: 250 }) as ResolvedRate,
});

const defaults: ResolvedHubOptions = Object.freeze({
  rateLimit: defaultRateLimit,
  maxRoomsPerConnection: 100,
  maxRoomNameLength: 128,
  maxPayloadDepth: 32,
  maxPendingCommands: 64,
  publishRate: defaultPublishRate,
  perAddress: defaultAddressBudget,
  perUser: defaultUserBudget,
});

/**
 * Applies the defaults to the user's limits, checks them, and freezes the result.
 *
 * @example
 * const limits = resolveHubOptions({ rateLimit: { perSecond: 20 }, perAddress: false });
 */
export function resolveHubOptions(options: HubOptions = {}): ResolvedHubOptions {
  const resolved: ResolvedHubOptions = {
    rateLimit: options.rateLimit === false ? false : resolveRateLimit(options.rateLimit ?? {}),
    maxRoomsPerConnection: options.maxRoomsPerConnection ?? defaults.maxRoomsPerConnection,
    maxRoomNameLength: options.maxRoomNameLength ?? defaults.maxRoomNameLength,
    maxPayloadDepth: options.maxPayloadDepth ?? defaults.maxPayloadDepth,
    maxPendingCommands: options.maxPendingCommands ?? defaults.maxPendingCommands,
    publishRate: resolveRate('publishRate', options.publishRate, defaultPublishRate),
    perAddress: options.perAddress === false ? false : resolveAddressBudget(options.perAddress ?? {}),
    perUser: options.perUser === false ? false : resolveUserBudget(options.perUser ?? {}),
  };
  positiveInteger('maxRoomsPerConnection', resolved.maxRoomsPerConnection);
  positiveInteger('maxRoomNameLength', resolved.maxRoomNameLength);
  positiveInteger('maxPayloadDepth', resolved.maxPayloadDepth);
  positiveInteger('maxPendingCommands', resolved.maxPendingCommands);
  return Object.freeze(resolved);
}

function resolveRateLimit(options: RateLimitOptions): ResolvedRateLimit {
  const resolved: ResolvedRateLimit = {
    burst: options.burst ?? defaultRateLimit.burst,
    perSecond: options.perSecond ?? defaultRateLimit.perSecond,
    closeAfter: options.closeAfter ?? defaultRateLimit.closeAfter,
    closeWindowMs: options.closeWindowMs ?? defaultRateLimit.closeWindowMs,
  };
  checkRate('rateLimit', resolved);
  positiveInteger('rateLimit.closeAfter', resolved.closeAfter);
  positiveInteger('rateLimit.closeWindowMs', resolved.closeWindowMs);
  return Object.freeze(resolved);
}

function resolveAddressBudget(options: AddressBudgetOptions): ResolvedAddressBudget {
  const resolved: ResolvedAddressBudget = {
    maxConnections: options.maxConnections ?? defaultAddressBudget.maxConnections,
    commandRate: resolveRate('perAddress.commandRate', options.commandRate, defaultAddressBudget.commandRate),
    connectRate: resolveRate('perAddress.connectRate', options.connectRate, defaultAddressBudget.connectRate),
  };
  positiveInteger('perAddress.maxConnections', resolved.maxConnections);
  return Object.freeze(resolved);
}

function resolveUserBudget(options: UserBudgetOptions): ResolvedBudget {
  const resolved: ResolvedBudget = {
    maxConnections: options.maxConnections ?? defaultUserBudget.maxConnections,
    commandRate: resolveRate('perUser.commandRate', options.commandRate, defaultUserBudget.commandRate),
  };
  positiveInteger('perUser.maxConnections', resolved.maxConnections);
  return Object.freeze(resolved);
}

/** A partial rate takes the missing half from its default; `false` turns it off. */
function resolveRate(name: string, options: RateOptions | false | undefined, fallback: ResolvedRate): ResolvedRate | false {
  if (options === false) return false;
  if (options === undefined) return fallback;
  const resolved: ResolvedRate = { burst: options.burst ?? fallback.burst, perSecond: options.perSecond ?? fallback.perSecond };
  checkRate(name, resolved);
  return Object.freeze(resolved);
}

function checkRate(name: string, rate: ResolvedRate): void {
  positiveInteger(`${name}.burst`, rate.burst);
  if (!(rate.perSecond > 0) || !Number.isFinite(rate.perSecond)) throw new RangeError(`"${name}.perSecond" must be a positive number`);
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`"${name}" must be a positive integer`);
}
