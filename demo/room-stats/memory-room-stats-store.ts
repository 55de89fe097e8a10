import type { RoomChange, RoomStatsStore, RoomTally } from './room-stats-store.js';

const EMPTY: RoomTally = Object.freeze({ messages: 0, lastActivityAt: null });

/**
 * Room statistics in the process: lost on restart, not shared between nodes.
 *
 * @example
 * const store = new MemoryRoomStatsStore();
 */
export class MemoryRoomStatsStore implements RoomStatsStore {
  readonly #rooms = new Map<string, RoomTally>();

  async read(room: string): Promise<RoomTally> {
    return this.#rooms.get(room) ?? EMPTY;
  }

  async add(changes: ReadonlyMap<string, RoomChange>): Promise<void> {
    for (const [room, change] of changes) {
      const saved = this.#rooms.get(room) ?? EMPTY;
      this.#rooms.set(room, Object.freeze({ messages: saved.messages + change.messages, lastActivityAt: Math.max(saved.lastActivityAt ?? 0, change.lastActivityAt) }));
    }
  }

  async close(): Promise<void> {}
}
