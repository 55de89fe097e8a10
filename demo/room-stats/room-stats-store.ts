/** What is known of a room: its messages so far, and when something last happened in it. */
export interface RoomTally {
  readonly messages: number;
  /** Epoch ms of the last message or join; `null` for a room where nothing happened yet. */
  readonly lastActivityAt: number | null;
}

/** What happened in a room since its last save. */
export interface RoomChange {
  readonly messages: number;
  readonly lastActivityAt: number;
}

/**
 * Where room statistics are kept. Changes are added, never set, so several
 * nodes saving the same room all count. {@link MemoryRoomStatsStore} keeps
 * them in the process; {@link RedisRoomStatsStore} in a Redis hash per room,
 * so they survive a restart.
 *
 * @example
 * await store.add(new Map([['lobby', { messages: 3, lastActivityAt: Date.now() }]]));
 * const { messages } = await store.read('lobby');
 */
export interface RoomStatsStore {
  /** The room's saved tally; zero messages and no activity for a room never saved. */
  read(room: string): Promise<RoomTally>;
  /** Adds each room's messages and moves its last activity forward, never back. */
  add(changes: ReadonlyMap<string, RoomChange>): Promise<void>;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}
