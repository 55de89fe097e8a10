import type { Middleware, RoomChange } from '../../src/index.js';
import { ChatSay } from '../contract.js';

/** How far back a member's messages count toward "most active", in ms, unless told otherwise. */
export const DEFAULT_ACTIVITY_WINDOW_MS = 5 * 60_000;

/** Rooms followed at most: room names come from clients, so the map must not grow without bound. */
const MAX_ROOMS = 10_000;

/**
 * Who speaks most in each room lately: the number of messages each member
 * sent in the last `windowMs`, from the `chat.say` commands this node ran.
 * A member that leaves is forgotten at once.
 *
 * @example
 * speakers.spoke('lobby', ctx.connectionId);
 * const leader = speakers.mostActive('lobby', { except: joinerId });
 */
export class RoomSpeakers {
  readonly #windowMs: number;
  // room -> connection -> times of its messages, oldest first
  readonly #rooms = new Map<string, Map<string, number[]>>();

  constructor(windowMs: number = DEFAULT_ACTIVITY_WINDOW_MS) {
    if (!Number.isInteger(windowMs) || windowMs < 1) throw new RangeError('the activity window must be a positive number of ms');
    this.#windowMs = windowMs;
  }

  /** Records one message of a member. */
  spoke(room: string, connectionId: string, at: number = Date.now()): void {
    let members = this.#rooms.get(room);
    if (members === undefined) {
      if (this.#rooms.size >= MAX_ROOMS) this.#rooms.delete(this.#rooms.keys().next().value as string);
      this.#rooms.set(room, (members = new Map()));
    }
    const times = members.get(connectionId);
    if (times === undefined) members.set(connectionId, [at]);
    else times.push(at);
  }

  /** Forgets a member of a room (it left, or closed). */
  left(room: string, connectionId: string): void {
    const members = this.#rooms.get(room);
    if (members === undefined) return;
    members.delete(connectionId);
    if (members.size === 0) this.#rooms.delete(room);
  }

  /** The member with the most messages in the window, other than `except`; `undefined` when nobody spoke lately. */
  mostActive(room: string, options: { except?: string; now?: number } = {}): string | undefined {
    const members = this.#rooms.get(room);
    if (members === undefined) return undefined;
    const since = (options.now ?? Date.now()) - this.#windowMs;
    let best: string | undefined;
    let most = 0;
    for (const [connectionId, times] of members) {
      while (times.length > 0 && (times[0] as number) < since) times.shift();
      if (times.length === 0) {
        members.delete(connectionId);
        continue;
      }
      if (connectionId !== options.except && times.length > most) [best, most] = [connectionId, times.length];
    }
    if (members.size === 0) this.#rooms.delete(room);
    return best;
  }
}

/**
 * Counts each `chat.say` that succeeded as a message of its sender in its room.
 *
 * @example
 * app.use(countSpeakers(speakers));
 */
export function countSpeakers(speakers: RoomSpeakers): Middleware {
  return async (ctx, next) => {
    const result = await next();
    if (ctx.command === ChatSay) speakers.spoke((ctx.payload as { room: string }).room, ctx.connectionId);
    return result;
  };
}

/**
 * Forgets the members that left a room, on any node (`app.roomChanges$`).
 *
 * @example
 * app.roomChanges$.subscribe(forgetLeavers(speakers));
 */
export function forgetLeavers(speakers: RoomSpeakers): (change: RoomChange) => void {
  return ({ kind, room, member }) => {
    if (kind === 'left') speakers.left(room, member.connectionId);
  };
}
