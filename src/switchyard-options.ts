import type { Logger } from 'pino';
import type { DependencyContainer } from 'tsyringe';
import type { Backplane } from './events/backplane.js';
import type { Presence } from './events/presence.js';
import type { Codec } from './protocol/codec.js';
import type { HubOptions } from './session/hub-options.js';

/** Options of a {@link Switchyard} application. */
export interface SwitchyardOptions {
  /** The pino logger; per-connection and per-command children derive from it. Without one, Switchyard logs nothing. @default a disabled logger */
  logger?: Logger;
  /** Where handlers and their dependencies are resolved. @default a child of tsyringe's root container */
  container?: DependencyContainer;
  /** Carries events to every node's connections. @default new MemoryBackplane() */
  backplane?: Backplane;
  /** Who is in which room, which sessions a user has. @default new MemoryPresence() */
  presence?: Presence;
  /** The wire format. @default jsonCodec (protocol v1) */
  codec?: Codec;
  /** How long a handler may run before its command fails with `TIMEOUT`, in ms. @default 10000 */
  commandTimeoutMs?: number;
  /** Limits per connection, per user and per address: rates, budgets, rooms, payload depth. @default see {@link HubOptions} */
  limits?: HubOptions;
}

/** Largest timeout Node's timers accept. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** Checks the options that are plain values; the caller supplies defaults for the rest. */
export function checkCommandTimeout(value: number | undefined): number {
  const timeout = value ?? 10_000;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_TIMEOUT_MS) {
    throw new RangeError(`"commandTimeoutMs" must be an integer from 1 to ${MAX_TIMEOUT_MS}`);
  }
  return timeout;
}
