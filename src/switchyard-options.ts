import type { Logger } from 'pino';
import type { DependencyContainer } from 'tsyringe';
import type { Backplane } from './events/backplane.js';
import type { Presence } from './events/presence.js';
import type { Codec } from './protocol/codec.js';
import { DEFAULT_MAX_SESSION_LIFETIME_MS } from './session/connection-hub.js';
import type { HubOptions } from './session/hub-options.js';
import type { Telemetry } from './observability/telemetry.js';
import type { RecoveryOptions } from './session/recovery/recovery-options.js';

/** Options of a {@link Switchyard} application. */
export interface SwitchyardOptions {
  /** The pino logger; per-connection and per-command children derive from it. Without one, Switchyard logs nothing. @default a disabled logger */
  logger?: Logger;
  /** Where handlers and their dependencies are resolved. @default a child of tsyringe's root container */
  container?: DependencyContainer;
  /**
   * Carries events to every node's connections. One you pass in is yours to
   * close (`scaleOut.close()` after `app.close()`); the default one the
   * application closes itself.
   * @default new MemoryBackplane()
   */
  backplane?: Backplane;
  /** Who is in which room, which sessions a user has. One you pass in is yours to close, as with `backplane`. @default new MemoryPresence() */
  presence?: Presence;
  /** The wire format. @default jsonCodec (protocol v1) */
  codec?: Codec;
  /** How long a handler may run before its command fails with `TIMEOUT`, in ms. @default 10000 */
  commandTimeoutMs?: number;
  /** Limits per connection, per user and per address: rates, budgets, rooms, payload depth. @default see {@link HubOptions} */
  limits?: HubOptions;
  /**
   * Longest an identity lasts, in ms: an authenticated connection closes
   * with 4001 this long after it authenticated, or after its last successful
   * `session.reauth`, even when its token's `exp` is later (or absent).
   * `false` leaves only `exp`. Anonymous connections are not bounded.
   * @default 86400000 (24 h)
   */
  maxSessionLifetimeMs?: number | false;
  /**
   * Who watches the application: metrics (`PrometheusMetrics` from
   * `switchyard/prometheus`), traces (`OpenTelemetryTracing` from
   * `switchyard/opentelemetry`), or both in an array. Without it, nothing is
   * measured and the hot path pays nothing for it.
   * @default none
   */
  telemetry?: Telemetry | readonly Telemetry[];
  /**
   * Sessions that survive a reconnect (protocol v1.1): resume tokens in
   * `session.connected`, `stream` and `pos` on recorded events, the
   * `session.resume` command, and once-only commands. `true` for the
   * defaults (in memory, one node); `{ store: redisRecoveryStore(...) }`
   * (`switchyard/redis`) to resume on any node. Off, protocol v1 is unchanged.
   * See docs/recovery.md.
   * @default off
   */
  recovery?: RecoveryOptions | boolean;
}

/** The plain-value options once defaults are applied and checked; the rest are taken as given. */
export interface ResolvedSwitchyardOptions {
  readonly commandTimeoutMs: number;
  readonly maxSessionLifetimeMs: number | false;
}

const defaults = Object.freeze({
  commandTimeoutMs: 10_000,
  maxSessionLifetimeMs: DEFAULT_MAX_SESSION_LIFETIME_MS,
});

/** Largest timeout Node's timers accept. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Applies the defaults of the plain-value options, checks them, and freezes the result.
 *
 * @example
 * const { commandTimeoutMs } = resolveSwitchyardOptions({ commandTimeoutMs: 5000 });
 */
export function resolveSwitchyardOptions(options: SwitchyardOptions): ResolvedSwitchyardOptions {
  const commandTimeoutMs = options.commandTimeoutMs ?? defaults.commandTimeoutMs;
  if (!Number.isInteger(commandTimeoutMs) || commandTimeoutMs < 1 || commandTimeoutMs > MAX_TIMEOUT_MS) {
    throw new RangeError(`"commandTimeoutMs" must be an integer from 1 to ${MAX_TIMEOUT_MS}`);
  }
  const maxSessionLifetimeMs = options.maxSessionLifetimeMs ?? defaults.maxSessionLifetimeMs;
  if (maxSessionLifetimeMs !== false && (!Number.isSafeInteger(maxSessionLifetimeMs) || maxSessionLifetimeMs < 1)) {
    throw new RangeError('"maxSessionLifetimeMs" must be a positive integer (ms) or false');
  }
  return Object.freeze({ commandTimeoutMs, maxSessionLifetimeMs });
}
