import { defineEvent } from './define-event.js';
import { typed } from './typed.js';

/**
 * A member of a room as room events name it: the connection, and its user
 * when it has one (JSON leaves out an absent `userId`).
 *
 * @example
 * const member: RoomMember = { connectionId: 'a1b2c3d4-1', userId: 'ada' };
 */
export interface RoomMember {
  readonly connectionId: string;
  readonly userId?: string | undefined;
}

/**
 * Sent to a room's other members when someone joins it, by rooms whose
 * policy announces (`app.room(pattern, { announce: true })`).
 *
 * @example
 * client.on(RoomJoined, ({ room, member }) => show(`${member.userId} joined ${room}`));
 */
export const RoomJoined = defineEvent('room.joined', typed<{ room: string; member: RoomMember }>());

/**
 * Sent to a room's remaining members when someone leaves it: by
 * `room.leave`, by joining another room of an exclusive group, or because
 * its connection closed. Only for rooms whose policy announces.
 *
 * @example
 * client.on(RoomLeft, ({ room, member }) => hide(room, member.connectionId));
 */
export const RoomLeft = defineEvent('room.left', typed<{ room: string; member: RoomMember }>());
