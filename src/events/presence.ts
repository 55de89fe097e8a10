/** One session present in a room or online for a user. */
export interface PresenceEntry {
  readonly connectionId: string;
  /** The authenticated user's id, if the connection has one. */
  readonly userId: string | undefined;
}

/**
 * Who is where: the members of each room and the sessions of each user.
 * Transports record it as connections come, go, join and leave; handlers
 * read it (inject `Presence`). {@link MemoryPresence} covers one process; a
 * backplane's presence covers every node.
 *
 * A presence shared through a store (Redis) records changes even while the
 * store is unreachable and converges once it is back; its reads then reject
 * with a `CommandError` `UNAVAILABLE`, which reaches the client as such.
 *
 * @example
 * const members = await presence.members('lobby');
 */
export abstract class Presence {
  /** Records a new session. */
  abstract connected(entry: PresenceEntry): Promise<void>;
  /** Forgets a session and every room it was in. */
  abstract disconnected(connectionId: string): Promise<void>;
  /** Records that a session joined a room. */
  abstract joined(room: string, entry: PresenceEntry): Promise<void>;
  /**
   * Records that a session joined a room if the room then holds at most
   * `capacity` sessions; resolves whether it did. A presence that spans
   * nodes decides in one atomic step of its store, so concurrent joins on
   * several nodes never pass the capacity. This default reads, then writes:
   * atomic only where nothing else writes in between. Room policies call it
   * for a room with a `capacity`.
   *
   * @example
   * if (!(await presence.joinedWithin('table-7', entry, 4))) throw new CommandError(ErrorCode.ROOM_FULL, 'the table is full');
   */
  async joinedWithin(room: string, entry: PresenceEntry, capacity: number): Promise<boolean> {
    const members = await this.members(room);
    if (members.some((member) => member.connectionId === entry.connectionId)) return true;
    if (members.length >= capacity) return false;
    await this.joined(room, entry);
    return true;
  }

  /** Records that a session left a room. */
  abstract left(room: string, connectionId: string): Promise<void>;
  /** The sessions in a room, on every node the presence covers. */
  abstract members(room: string): Promise<PresenceEntry[]>;
  /** The sessions of a user, on every node the presence covers. */
  abstract sessions(userId: string): Promise<PresenceEntry[]>;
}
