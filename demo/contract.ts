/**
 * The demo's commands and events, defined once. The server registers their
 * handlers; a client imports the same definitions and gets the same types.
 */
import { z } from 'zod';
import { defineCommand, defineEvent, typed, type PresenceEntry } from '../src/index.js';

const roomName = z.string().trim().min(1).max(64);

export const Echo = defineCommand('echo', { payload: typed<unknown>(), result: typed<unknown>() });

export const RoomJoin = defineCommand('room.join', {
  payload: z.object({ room: roomName }),
  result: typed<{ room: string; members: PresenceEntry[] }>(),
});

export const RoomLeave = defineCommand('room.leave', {
  payload: z.object({ room: roomName }),
  result: typed<{ room: string }>(),
});

export const ChatSay = defineCommand('chat.say', {
  payload: z.object({ room: roomName, text: z.string().min(1).max(2000) }),
  result: typed<{ messageId: string }>(),
});

export const RoomJoined = defineEvent('room.joined', typed<{ room: string; member: PresenceEntry }>());
export const RoomLeft = defineEvent('room.left', typed<{ room: string; member: PresenceEntry }>());
export const ChatMessage = defineEvent('chat.message', typed<{ room: string; from: string; text: string; at: number }>());
