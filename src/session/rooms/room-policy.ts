import type { Identity } from '../../protocol/identity.js';

/**
 * Which rooms a policy governs: an exact name, a name with `*` wildcards
 * (each matches any run of characters, none included: `game:*`), or a
 * regular expression tested against the whole name.
 *
 * @example
 * app.room('table:*', { capacity: 4 });
 * app.room(/^dm:[a-z]+:[a-z]+$/, { authorize: isParticipant });
 */
export type RoomPattern = string | RegExp;

/**
 * A join a policy's `authorize` decides on.
 *
 * @example
 * const authorize = ({ room, user }: JoinRequest) => user?.roles?.includes('staff') === true || !room.startsWith('staff:');
 */
export interface JoinRequest {
  readonly room: string;
  readonly connectionId: string;
  /** The joining connection's identity, `undefined` when anonymous. */
  readonly user: Identity | undefined;
}

/**
 * What a room is, beyond a set of connections: who may join it, how many
 * it holds, whether its members hear of each other, and whether it excludes
 * the other rooms of its group. Every option is off unless given.
 *
 * @example
 * app.room('lobby', { capacity: 100, announce: true });
 * app.room('match:*', { exclusive: true, authorize: ({ user }) => user !== undefined });
 */
export interface RoomPolicy {
  /**
   * Decides each join: `true` lets it in, anything else refuses it with
   * `FORBIDDEN`; a `CommandError` it throws reaches the client as is.
   * Runs before the capacity is checked.
   * @default every join is allowed
   */
  readonly authorize?: (request: JoinRequest) => boolean | Promise<boolean>;
  /**
   * The most sessions the room holds at once, on every node the presence
   * covers; a join past it is refused with `ROOM_FULL`. Checked and recorded
   * in one atomic step of the presence (a Lua script on Redis).
   * @default no limit
   */
  readonly capacity?: number;
  /**
   * Sends `room.joined` to the room's other members when someone joins, and
   * `room.left` to the remaining ones when someone leaves, moves to another
   * room of its exclusive group, or disconnects.
   * @default false
   */
  readonly announce?: boolean;
  /**
   * A session is in one room of the group at a time: joining one leaves the
   * others first (a move). `true` groups the rooms this pattern matches; a
   * string names a group that several patterns share.
   * @default false
   */
  readonly exclusive?: boolean | string;
}
