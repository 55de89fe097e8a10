import type { RoomMember } from '../../protocol/room-events.js';

/**
 * Why a member joined or left: `join` and `leave` (its own command),
 * `moved` (it joined another room of an exclusive group), `disconnect`
 * (its connection closed), `resume` (its session was resumed after a drop,
 * with recovery on: it is back in the rooms it was announced leaving).
 */
export type RoomChangeReason = 'join' | 'leave' | 'moved' | 'disconnect' | 'resume';

/**
 * One join or leave of a room that has a policy, as `app.roomChanges$`
 * emits it on every node.
 *
 * @example
 * app.roomChanges$.subscribe(({ kind, room, member, reason }) => log.info({ room, member, reason }, kind));
 */
export interface RoomChange {
  readonly kind: 'joined' | 'left';
  readonly room: string;
  readonly member: RoomMember;
  readonly reason: RoomChangeReason;
}

const reasons: ReadonlySet<unknown> = new Set(['join', 'leave', 'moved', 'disconnect', 'resume']);

/**
 * A room change from another node, checked field by field; `undefined` when
 * it does not have the shape a node sends.
 *
 * @example
 * const change = readRoomChange(envelope.payload);
 */
export function readRoomChange(value: unknown): RoomChange | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { kind, room, member, reason } = value as Record<string, unknown>;
  if ((kind !== 'joined' && kind !== 'left') || typeof room !== 'string' || !reasons.has(reason)) return undefined;
  if (typeof member !== 'object' || member === null) return undefined;
  const { connectionId, userId } = member as Record<string, unknown>;
  if (typeof connectionId !== 'string' || (userId !== undefined && typeof userId !== 'string')) return undefined;
  return { kind, room, member: userId === undefined ? { connectionId } : { connectionId, userId }, reason: reason as RoomChangeReason };
}
