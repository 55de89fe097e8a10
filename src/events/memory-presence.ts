import { Presence, type PresenceEntry } from './presence.js';

/**
 * Presence for one process, kept in maps.
 *
 * @example
 * const app = new Switchyard({ presence: new MemoryPresence() });
 */
export class MemoryPresence extends Presence {
  // Only identified sessions are kept: an anonymous one appears nowhere but in its rooms.
  readonly #userOf = new Map<string, string>();
  readonly #rooms = new Map<string, Map<string, PresenceEntry>>();
  readonly #roomsOf = new Map<string, Set<string>>();
  readonly #users = new Map<string, Map<string, PresenceEntry>>();

  async connected(entry: PresenceEntry): Promise<void> {
    if (entry.userId === undefined) return;
    this.#userOf.set(entry.connectionId, entry.userId);
    let sessions = this.#users.get(entry.userId);
    if (sessions === undefined) this.#users.set(entry.userId, (sessions = new Map()));
    sessions.set(entry.connectionId, entry);
  }

  async disconnected(connectionId: string): Promise<void> {
    const userId = this.#userOf.get(connectionId);
    if (userId !== undefined) {
      this.#userOf.delete(connectionId);
      const sessions = this.#users.get(userId);
      sessions?.delete(connectionId);
      if (sessions?.size === 0) this.#users.delete(userId);
    }
    for (const room of this.#roomsOf.get(connectionId) ?? []) this.#removeFromRoom(room, connectionId);
    this.#roomsOf.delete(connectionId);
  }

  async joined(room: string, entry: PresenceEntry): Promise<void> {
    let members = this.#rooms.get(room);
    if (members === undefined) this.#rooms.set(room, (members = new Map()));
    members.set(entry.connectionId, entry);
    let rooms = this.#roomsOf.get(entry.connectionId);
    if (rooms === undefined) this.#roomsOf.set(entry.connectionId, (rooms = new Set()));
    rooms.add(room);
  }

  /** Checks and records in one step: nothing runs in between in one process. */
  override async joinedWithin(room: string, entry: PresenceEntry, capacity: number): Promise<boolean> {
    const members = this.#rooms.get(room);
    if (members !== undefined && !members.has(entry.connectionId) && members.size >= capacity) return false;
    await this.joined(room, entry);
    return true;
  }

  async left(room: string, connectionId: string): Promise<void> {
    this.#removeFromRoom(room, connectionId);
    this.#roomsOf.get(connectionId)?.delete(room);
  }

  async members(room: string): Promise<PresenceEntry[]> {
    return [...(this.#rooms.get(room)?.values() ?? [])];
  }

  async sessions(userId: string): Promise<PresenceEntry[]> {
    return [...(this.#users.get(userId)?.values() ?? [])];
  }

  #removeFromRoom(room: string, connectionId: string): void {
    const members = this.#rooms.get(room);
    if (members === undefined) return;
    members.delete(connectionId);
    if (members.size === 0) this.#rooms.delete(room);
  }
}
