import type { Logger } from 'pino';
import type { Backplane, Presence, RecoveryOptions, Telemetry } from '../src/index.js';
import type { CartStore } from './cart/cart-store.js';
import { MemoryCartStore } from './cart/memory-cart-store.js';
import { MemoryRoomStatsStore } from './room-stats/memory-room-stats-store.js';
import type { RoomStatsStore } from './room-stats/room-stats-store.js';

/** Options of the demo application. */
export interface DemoOptions {
  /** The pino logger. @default pino at `LOG_LEVEL` or 'info' */
  logger?: Logger;
  /** How many sessions one room holds; one more gets `ROOM_FULL`. @default 100 */
  roomCapacity?: number;
  /** Where carts are kept. The caller closes it. @default a new MemoryCartStore */
  cartStore?: CartStore;
  /** Carries events between nodes. @default the application's in-memory backplane */
  backplane?: Backplane;
  /** Who is in which room, across nodes. @default the application's in-memory presence */
  presence?: Presence;
  /** Where room statistics are saved. The caller closes it. @default a new MemoryRoomStatsStore */
  roomStatsStore?: RoomStatsStore;
  /** How often the rooms that changed have their statistics saved, in ms (and once more on shutdown). @default 5000 */
  statsIntervalMs?: number;
  /** Metrics and tracing. @default none */
  telemetry?: readonly Telemetry[];
  /** Sessions that survive a reconnect (`false` turns it off). @default on, in memory */
  recovery?: RecoveryOptions | boolean;
  /** How long a joiner waits for the most active member's `room.state` before the server's buffer is used, in ms. @default 1000 */
  catchUpTimeoutMs?: number;
}

/** The options once defaults are applied and checked. */
export interface ResolvedDemoOptions {
  readonly logger: Logger | undefined;
  readonly roomCapacity: number;
  readonly cartStore: CartStore;
  readonly backplane: Backplane | undefined;
  readonly presence: Presence | undefined;
  readonly roomStatsStore: RoomStatsStore;
  readonly statsIntervalMs: number;
  readonly telemetry: readonly Telemetry[];
  readonly recovery: RecoveryOptions | boolean;
  readonly catchUpTimeoutMs: number;
}

/** How many sessions a room holds, when nothing says otherwise. */
export const DEFAULT_ROOM_CAPACITY = 100;

const defaults = Object.freeze({ roomCapacity: DEFAULT_ROOM_CAPACITY, statsIntervalMs: 5000, catchUpTimeoutMs: 1000 });

/**
 * Applies the defaults, checks the limits, and freezes the result.
 *
 * @example
 * resolveDemoOptions({ roomCapacity: 2 });
 */
export function resolveDemoOptions(options: DemoOptions = {}): ResolvedDemoOptions {
  const roomCapacity = options.roomCapacity ?? defaults.roomCapacity;
  if (!Number.isInteger(roomCapacity) || roomCapacity < 1) throw new RangeError('"roomCapacity" must be a positive integer');
  const statsIntervalMs = options.statsIntervalMs ?? defaults.statsIntervalMs;
  if (!Number.isInteger(statsIntervalMs) || statsIntervalMs < 1) throw new RangeError('"statsIntervalMs" must be a positive integer');
  const catchUpTimeoutMs = options.catchUpTimeoutMs ?? defaults.catchUpTimeoutMs;
  if (!Number.isInteger(catchUpTimeoutMs) || catchUpTimeoutMs < 1) throw new RangeError('"catchUpTimeoutMs" must be a positive integer');
  return Object.freeze({
    catchUpTimeoutMs,
    logger: options.logger,
    roomCapacity,
    cartStore: options.cartStore ?? new MemoryCartStore(),
    backplane: options.backplane,
    presence: options.presence,
    roomStatsStore: options.roomStatsStore ?? new MemoryRoomStatsStore(),
    statsIntervalMs,
    telemetry: options.telemetry ?? [],
    recovery: options.recovery ?? true,
  });
}
