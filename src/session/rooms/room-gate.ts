import { to } from '../../events/audience.js';
import type { EventEnvelope } from '../../events/event-envelope.js';
import type { EventPublisher } from '../../events/event-publisher.js';
import type { Presence } from '../../events/presence.js';
import { CommandError, ErrorCode } from '../../protocol/errors.js';
import { RoomJoined, RoomLeft, type RoomMember } from '../../protocol/room-events.js';
import type { ClosedSession } from '../closed-session.js';
import type { Connection } from '../connection.js';
import type { RoomChange, RoomChangeReason } from './room-change.js';
import { RoomPolicies, type ResolvedRoomPolicy } from './room-policies.js';
import type { RoomPattern, RoomPolicy } from './room-policy.js';

/** What the gate needs from the application. */
export interface RoomGateDeps {
  readonly presence: Presence;
  readonly publisher: EventPublisher;
  /** Hands a control envelope to the backplane (every node's `roomChanges$`). */
  readonly send: (envelope: EventEnvelope) => void;
}

/** The hub a join happens on: it keeps the membership delivery reads. */
export interface RoomHost {
  /** Puts a connection in a room on its node; resolves once the room's events reach that node. */
  enter(connection: Connection, room: string): Promise<void> | undefined;
  /** Takes a connection out of a room on its node; `false` when it was not in it. */
  exit(connection: Connection, room: string): boolean;
}

const ROOM_CONTROL = Object.freeze({ kind: 'room' } as const);
const EVERY_NODE = Object.freeze({ kind: 'all' } as const);

/**
 * Applies the application's room policies: the hubs hand it every join of a
 * room that has one, and tell it of every leave. It authorizes, claims a
 * seat when the room has a capacity, moves the member out of the other
 * rooms of an exclusive group, announces, and reports the change to every
 * node. Rooms without a policy never reach it.
 *
 * @example
 * const gate = new RoomGate({ presence, publisher, send: (envelope) => backplane.publish(envelope) });
 * gate.add('lobby', { capacity: 100, announce: true });
 */
export class RoomGate {
  readonly #policies = new RoomPolicies();
  readonly #deps: RoomGateDeps;
  // A second join of the same room by the same connection, while the first is on its way, waits for the first.
  readonly #joining = new Map<string, Promise<void>>();
  // The last exclusive join of each connection still on its way: the next one waits for it.
  readonly #moving = new Map<string, Promise<void>>();

  constructor(deps: RoomGateDeps) {
    this.#deps = deps;
  }

  /** Adds a policy; the first added whose pattern matches a room governs it. */
  add(pattern: RoomPattern, policy: RoomPolicy): ResolvedRoomPolicy {
    return this.#policies.add(pattern, policy);
  }

  /** The policy of a room, `undefined` when it has none. */
  policyFor(room: string): ResolvedRoomPolicy | undefined {
    return this.#policies.policyFor(room);
  }

  /**
   * Puts a connection in a room that has a policy: authorize (`FORBIDDEN`),
   * claim a seat (`ROOM_FULL`), record, leave the other rooms of its
   * exclusive group, announce. The hub has checked the name and its limits.
   */
  join(host: RoomHost, connection: Connection, room: string, policy: ResolvedRoomPolicy): Promise<void> {
    const key = `${connection.id}\n${room}`;
    const running = this.#joining.get(key);
    if (running !== undefined) return running;
    const joining = this.#queued(host, connection, room, policy).finally(() => this.#joining.delete(key));
    this.#joining.set(key, joining);
    return joining;
  }

  /**
   * Joins of exclusive rooms by one connection run one after the other:
   * two at once would each leave the other's room, and the connection would
   * end up in neither. The last one asked wins, as it would one at a time.
   */
  #queued(host: RoomHost, connection: Connection, room: string, policy: ResolvedRoomPolicy): Promise<void> {
    if (policy.group === undefined) return this.#join(host, connection, room, policy);
    const previous = this.#moving.get(connection.id);
    const run = (): Promise<void> => (connection.open ? this.#join(host, connection, room, policy) : Promise.resolve());
    const next = previous === undefined ? run() : previous.then(run, run);
    const tail = next.catch(noop);
    this.#moving.set(connection.id, tail);
    void tail.then(() => {
      if (this.#moving.get(connection.id) === tail) this.#moving.delete(connection.id);
    });
    return next;
  }

  /** Tells the room's members and every node that a connection left a room (it has left already). */
  left(connection: Connection, room: string, reason: RoomChangeReason = 'leave'): void {
    const policy = this.#policies.policyFor(room);
    if (policy !== undefined) this.#changed(policy, 'left', room, memberOf(connection.id, connection.user?.id), reason);
  }

  /**
   * Announces the departure of a closed connection from each of its rooms
   * that has a policy; none for one whose session was resumed on another
   * connection, which has not left.
   */
  closed(session: ClosedSession): void {
    if (this.#policies.size === 0 || session.resumed === true) return;
    const member = memberOf(session.connectionId, session.user?.id);
    for (const room of session.rooms) {
      const policy = this.#policies.policyFor(room);
      if (policy !== undefined) this.#changed(policy, 'left', room, member, 'disconnect');
    }
  }

  /** Announces a resumed session back in each of its restored rooms that has a policy: its drop was announced as a departure. */
  resumed(connection: Connection, rooms: readonly string[]): void {
    if (this.#policies.size === 0) return;
    const member = memberOf(connection.id, connection.user?.id);
    for (const room of rooms) {
      const policy = this.#policies.policyFor(room);
      if (policy !== undefined) this.#changed(policy, 'joined', room, member, 'resume');
    }
  }

  async #join(host: RoomHost, connection: Connection, room: string, policy: ResolvedRoomPolicy): Promise<void> {
    const { presence } = this.#deps;
    const user = connection.user;
    if (policy.authorize !== undefined) {
      const allowed = await policy.authorize({ room, connectionId: connection.id, user });
      if (allowed !== true) throw new CommandError(ErrorCode.FORBIDDEN, `may not join room "${room}"`);
      if (!connection.open || connection.rooms.has(room)) return;
    }
    const entry = { connectionId: connection.id, userId: user?.id };
    const capacity = policy.capacity;
    if (capacity !== undefined) {
      if (!(await presence.joinedWithin(room, entry, capacity))) throw new CommandError(ErrorCode.ROOM_FULL, `room "${room}" is full (${capacity} members)`, [{ capacity }]);
      // Closed while the seat was claimed: the close has forgotten the connection's presence, or forgets it now.
      if (!connection.open) return void (await presence.left(room, connection.id));
      await host.enter(connection, room);
    } else {
      const subscribed = host.enter(connection, room);
      await presence.joined(room, entry);
      await subscribed;
    }
    if (policy.group !== undefined) await this.#leaveGroup(host, connection, room, policy.group);
    this.#changed(policy, 'joined', room, memberOf(connection.id, user?.id), 'join');
  }

  /** Leaves every other room of the group: the join moved the connection. */
  async #leaveGroup(host: RoomHost, connection: Connection, joined: string, group: object | string): Promise<void> {
    for (const room of [...connection.rooms]) {
      if (room === joined) continue;
      const other = this.#policies.policyFor(room);
      if (other?.group !== group || !host.exit(connection, room)) continue;
      await this.#deps.presence.left(room, connection.id);
      this.#changed(other, 'left', room, memberOf(connection.id, connection.user?.id), 'moved');
    }
  }

  #changed(policy: ResolvedRoomPolicy, kind: RoomChange['kind'], room: string, member: RoomMember, reason: RoomChangeReason): void {
    const event = kind === 'joined' ? RoomJoined : RoomLeft;
    // Never to the member itself: it has left the room by now, and a resumed session must not replay its own departure.
    if (policy.announce === true) this.#deps.publisher.publish(event, { room, member }, to.room(room).except(member.connectionId));
    const change: RoomChange = { kind, room, member, reason };
    this.#deps.send({ type: event.type, payload: change, audience: EVERY_NODE, control: ROOM_CONTROL });
  }
}

function noop(): void {}

function memberOf(connectionId: string, userId: string | undefined): RoomMember {
  return userId === undefined ? { connectionId } : { connectionId, userId };
}
