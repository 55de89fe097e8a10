/**
 * The demo's commands and events, defined once. The server registers their
 * handlers; a client imports the same definitions (or only their types) and
 * gets the same types.
 */
import { z } from 'zod';
import { defineCommand, defineEvent, typed } from '../src/contract.js';
import type { PresenceEntry } from '../src/index.js';
import type { Cart } from './cart/cart.js';

const roomName = z.string().trim().min(1).max(64);

export const Echo = defineCommand('echo', { payload: typed<unknown>(), result: typed<unknown>() });

/** A chat message as it is sent to a room, and as a member remembers it. */
const chatMessage = z.object({ room: z.string(), from: z.string(), text: z.string(), at: z.number().int() });

/** One message of a room, as events carry it and `room.state` answers it. */
export type ChatMessagePayload = z.output<typeof chatMessage>;

/**
 * Where the `recent` messages of a `room.join` come from: the room's most
 * active member (asked with `room.state`), or the server's own buffer when
 * no member answered in time.
 */
export type RecentSource = 'member' | 'server';

export const RoomJoin = defineCommand('room.join', {
  payload: z.object({ room: roomName }),
  result: typed<{ room: string; members: PresenceEntry[]; recent: ChatMessagePayload[]; recentSource: RecentSource }>(),
});

/**
 * Asked of a client by the server (`ctx.ask`), never sent by one: the
 * messages of a room it has seen lately. Its answer is held to the schema.
 */
export const RoomState = defineCommand('room.state', {
  payload: typed<{ room: string }>(),
  result: z.object({ messages: z.array(chatMessage).max(50) }),
});

export const RoomLeave = defineCommand('room.leave', {
  payload: z.object({ room: roomName }),
  result: typed<{ room: string }>(),
});

export const ChatSay = defineCommand('chat.say', {
  payload: z.object({ room: roomName, text: z.string().min(1).max(2000) }),
  // A schema rather than typed<T>(): the published contract (asyncapi.json) then describes the result too.
  result: z.object({ messageId: z.string() }),
});

export const RoomStats = defineCommand('room.stats', {
  payload: z.object({ room: roomName }),
  result: z.object({ room: z.string(), messages: z.number().int(), lastActivityAt: z.number().int().nullable() }),
});

const label = z.string().trim().min(1).max(32);

export const CartAddItem = defineCommand('cart.addItem', {
  payload: z.object({ itemId: label, quantity: z.number().int().min(1).max(99), color: label.optional(), size: label.optional() }),
  result: typed<Cart>(),
});

export const CartGet = defineCommand('cart.get', {
  payload: z.object({}),
  result: typed<Cart>(),
});

// The library's own room announcements (the rooms' policy in app.ts announces), part of the demo's contract.
export { RoomJoined, RoomLeft } from '../src/contract.js';
export const ChatMessage = defineEvent('chat.message', chatMessage);
export const CartUpdated = defineEvent('cart.updated', typed<Cart>());
