// The README's "Embedding it in a service" example, run for real, so it cannot rot.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { z } from 'zod';
import { HttpTransport, Switchyard, WebSocketTransport, defineCommand, jwtAuthenticator, requires, typed } from '../src/index.js';
import { scaleOutFromEnv } from '../src/redis.js';
import { ChatSay, RoomJoin } from '../demo/contract.js';
import { chatSay } from '../demo/handlers/chat-say.js';
import { RoomJoinHandler } from '../demo/handlers/room-join.js';
import { RoomCatchUp } from '../demo/room-memory/room-catch-up.js';
import { WsTestClient } from './support/ws-test-client.js';

const RoomClose = defineCommand('room.close', { payload: z.object({ room: z.string() }), result: typed<{ closed: boolean }>() });
const secret = 'a shared secret of at least thirty-two bytes';

async function token(sub: string, roles: string[]): Promise<string> {
  return new SignJWT({ sub, roles }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(secret));
}

test('the README service: JWT on connect, HTTP beside WebSocket on one port, session.reauth built in, scale-out from the environment, requires(), drain', async () => {
  const logger = pino({ level: 'silent' });
  const scaleOut = scaleOutFromEnv({});
  const app = new Switchyard({ logger, backplane: scaleOut.backplane, presence: scaleOut.presence });
  app.room('*', { capacity: 100, announce: true });  // every room: at most 100 members, joins and departures announced
  app.container.registerSingleton(RoomCatchUp);      // the demo's RoomJoinHandler takes it: services before the handlers
  app.register(RoomJoin, RoomJoinHandler);
  app.register(ChatSay, chatSay);
  app.register(RoomClose, () => ({ closed: true }));
  app.use(requires('admin', { commands: [RoomClose] }));
  const authenticate = jwtAuthenticator({ secret });

  const server: Server = createServer((_request, response) => response.end('ok'));
  await app.listen(new WebSocketTransport({ server, path: '/ws', authenticate }));
  await app.listen(new HttpTransport({ server, authenticate }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;

  const member = await WsTestClient.connect(url, { headers: { authorization: `Bearer ${await token('ada', ['member'])}` } });
  const admin = await WsTestClient.connect(url, { headers: { authorization: `Bearer ${await token('root', ['admin'])}` } });
  assert.deepEqual((await member.request(RoomJoin, { room: 'lobby' })).members.map((m) => m.userId), ['ada']);
  await assert.rejects(member.request(RoomClose, { room: 'lobby' }), { code: 'FORBIDDEN' });
  assert.deepEqual(await admin.request(RoomClose, { room: 'lobby' }), { closed: true });
  const refreshed = await member.exchange('session.reauth', { token: await token('ada', ['member', 'admin']) });
  assert.equal(refreshed.kind, 'result', 'session.reauth is served without registering it');
  assert.deepEqual(await member.request(RoomClose, { room: 'lobby' }), { closed: true }, 'the new roles count');

  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const posted = await fetch(`${base}/commands/room.close`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('root', ['admin'])}` },
    body: JSON.stringify({ room: 'lobby' }),
  });
  assert.deepEqual([posted.status, await posted.json()], [200, { closed: true }], 'the same handler over HTTP, on the same port');
  assert.equal(await (await fetch(`${base}/health`)).text(), 'ok', 'the application keeps its own routes');

  const drained = Promise.all([member.closed, admin.closed]);
  assert.equal(await app.drain({ deadlineMs: 1000 }), true, 'every command finished');
  assert.deepEqual((await drained).map((close) => close.code), [1001, 1001]);
  await scaleOut.close();
  await new Promise((resolve) => server.close(resolve));
});
