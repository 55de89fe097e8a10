/** How many sessions a room holds, when nothing says otherwise. */
export const DEFAULT_ROOM_CAPACITY = 100;

/**
 * The room size limit, as an injectable value. Like any service, register it
 * before the handlers that take it; `registerSingleton(RoomCapacity)` gives
 * the default.
 *
 * @example
 * app.container.registerInstance(RoomCapacity, new RoomCapacity(10));
 */
export class RoomCapacity {
  constructor(readonly value: number = DEFAULT_ROOM_CAPACITY) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError('a room capacity must be a positive integer');
  }
}
