// The handler test shown in the README, kept here so it cannot rot.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { Switchyard } from '../src/index.js';
import { MemoryTransport } from '../src/testing.js';
import { ChatMessage, ChatSay, RoomJoin } from '../demo/contract.js';
import { chatSay } from '../demo/handlers/chat-say.js';
import { RoomJoinHandler } from '../demo/handlers/room-join.js';
import { RoomCatchUp } from '../demo/room-memory/room-catch-up.js';

test('chat.say reaches the room, except the sender', async () => {
  const app = new Switchyard({ logger: pino({ level: 'silent' }) });
  app.room('*', { capacity: 100, announce: true });
  // The demo's RoomJoinHandler also takes the room's catch-up, a service like any other: registered before the handler.
  app.container.registerSingleton(RoomCatchUp);
  app.register(RoomJoin, RoomJoinHandler).register(ChatSay, chatSay);
  const memory = await app.listen(new MemoryTransport());
  const ada = memory.connect({ user: { id: 'ada' } });
  const bob = memory.connect({ user: { id: 'bob' } });
  await ada.request(RoomJoin, { room: 'lobby' });
  await bob.request(RoomJoin, { room: 'lobby' });

  await ada.request(ChatSay, { room: 'lobby', text: 'hi' });

  assert.deepEqual(bob.events(ChatMessage).map((m) => m.text), ['hi']);
  assert.deepEqual(ada.events(ChatMessage), []);
  await app.close();
});

test('chat.say in a room not joined is FORBIDDEN', async () => {
  const app = new Switchyard({ logger: pino({ level: 'silent' }) }).register(ChatSay, chatSay);
  const ada = (await app.listen(new MemoryTransport())).connect();
  await assert.rejects(ada.request(ChatSay, { room: 'lobby', text: 'hi' }), { code: 'FORBIDDEN' });
  await app.close();
});
