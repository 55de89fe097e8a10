import type { Identity } from '../protocol/identity.js';
import type { Audience } from '../events/audience.js';
import type { Connection } from './connection.js';

const none: ReadonlySet<Connection> = new Set();

/**
 * This node's connections, indexed by id, by user and by room, so an
 * audience resolves to its local recipients without scanning.
 */
export class ConnectionRegistry {
  readonly #byId = new Map<string, Connection>();
  readonly #byUser = new Map<string, Set<Connection>>();
  readonly #byRoom = new Map<string, Set<Connection>>();

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): Connection | undefined {
    return this.#byId.get(id);
  }

  all(): IterableIterator<Connection> {
    return this.#byId.values();
  }

  add(connection: Connection): void {
    this.#byId.set(connection.id, connection);
    if (connection.user !== undefined) addTo(this.#byUser, connection.user.id, connection);
  }

  /** Removes a connection from every index; returns the rooms it was in. */
  remove(connection: Connection): string[] {
    this.#byId.delete(connection.id);
    if (connection.user !== undefined) removeFrom(this.#byUser, connection.user.id, connection);
    const rooms = connection.clearRooms();
    for (const room of rooms) removeFrom(this.#byRoom, room, connection);
    return rooms;
  }

  /** Gives a connection another id (a resumed session's); `false` when another connection holds that id here. */
  rename(connection: Connection, id: string): boolean {
    const holder = this.#byId.get(id);
    if (holder !== undefined && holder !== connection) return false;
    if (this.#byId.get(connection.id) === connection) this.#byId.delete(connection.id);
    connection.rename(id);
    this.#byId.set(id, connection);
    return true;
  }

  /** Moves a connection in the user index from its old identity to `user`. */
  identify(connection: Connection, user: Identity | undefined): void {
    const before = connection.user?.id;
    if (before !== user?.id) {
      if (before !== undefined) removeFrom(this.#byUser, before, connection);
      if (user !== undefined) addTo(this.#byUser, user.id, connection);
    }
    connection.setUser(user);
  }

  /** The number of users with a connection on this node, and of rooms with a member here. */
  get counts(): { readonly users: number; readonly rooms: number } {
    return { users: this.#byUser.size, rooms: this.#byRoom.size };
  }

  /** Returns whether the connection was not in the room yet. */
  join(connection: Connection, room: string): boolean {
    if (!connection.addRoom(room)) return false;
    addTo(this.#byRoom, room, connection);
    return true;
  }

  /** Returns whether the connection was in the room. */
  leave(connection: Connection, room: string): boolean {
    if (!connection.removeRoom(room)) return false;
    removeFrom(this.#byRoom, room, connection);
    return true;
  }

  /** Number of local members of a room. */
  roomSize(room: string): number {
    return this.#byRoom.get(room)?.size ?? 0;
  }

  /** The local connections an audience names, before `except` is applied. */
  resolve(audience: Audience): Iterable<Connection> {
    switch (audience.kind) {
      case 'connection': {
        const connection = this.#byId.get(audience.id);
        return connection === undefined ? none : [connection];
      }
      case 'user':
        return this.#byUser.get(audience.id) ?? none;
      case 'room':
        return this.#byRoom.get(audience.id) ?? none;
      case 'all':
        return this.#byId.values();
      default:
        return none;
    }
  }
}

function addTo(index: Map<string, Set<Connection>>, key: string, connection: Connection): void {
  let set = index.get(key);
  if (set === undefined) index.set(key, (set = new Set()));
  set.add(connection);
}

function removeFrom(index: Map<string, Set<Connection>>, key: string, connection: Connection): void {
  const set = index.get(key);
  if (set === undefined) return;
  set.delete(connection);
  if (set.size === 0) index.delete(key);
}
