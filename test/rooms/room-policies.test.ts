import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { CommandError, defineCommand, Switchyard, typed, type RoomChange, type RoomPolicy } from '../../src/index.js';
import { createRedisScaleOut, type RedisScaleOut } from '../../src/redis.js';
import { serve, within } from '../support/socket-harness.js';
import { WsTestClient, type Frame } from '../support/ws-test-client.js';
import { uniquePrefix, useRedis } from '../support/redis.js';

const Join = defineCommand('room.join', { payload: typed<{ room: string }>(), result: typed<{ rooms: string[] }>() });
const Leave = defineCommand('room.leave', { payload: typed<{ room: string }>(), result: typed<{ rooms: string[] }>() });

/** The two commands every test application serves: join and leave, answering with the sender's rooms. */
function setup(policies: Array<[string | RegExp, RoomPolicy]>): (app: Switchyard) => void {
  return (app) => {
    for (const [pattern, policy] of policies) app.room(pattern, policy);
    app.register(Join, async ({ room }, ctx) => {
      await ctx.join(room);
      return { rooms: [...ctx.rooms] };
    });
    app.register(Leave, async ({ room }, ctx) => {
      await ctx.leave(room);
      return { rooms: [...ctx.rooms] };
    });
  };
}

function connectionIdOf(client: WsTestClient): Promise<string> {
  return client.waitFor((frame) => frame.type === 'session.connected').then((frame) => (frame.payload as { connectionId: string }).connectionId);
}

function event(client: WsTestClient, type: string, match: (payload: Record<string, unknown>) => boolean = () => true): Promise<Frame> {
  return client.waitFor((frame) => frame.kind === 'event' && frame.type === type && match(frame.payload as Record<string, unknown>), type);
}

describe('room policies on one node', { timeout: 30_000 }, () => {
  const opened: Array<{ close(): Promise<unknown> }> = [];
  after(async () => {
    for (const item of opened.reverse()) await item.close();
  });

  async function start(policies: Array<[string | RegExp, RoomPolicy]>): Promise<{ app: Switchyard; url: string }> {
    const served = await serve({ setup: setup(policies) });
    opened.push(served.app);
    return served;
  }

  async function client(url: string, user?: string): Promise<WsTestClient> {
    const connected = await WsTestClient.connect(user === undefined ? url : `${url}?user=${user}`);
    opened.push(connected);
    return connected;
  }

  it('refuses a join the policy does not authorize with FORBIDDEN, and the client is not in the room', async () => {
    const { url } = await start([['staff:*', { authorize: ({ room }) => room === 'staff:open' }]]);
    const ada = await client(url);
    const refused = await ada.exchange('room.join', { room: 'staff:secret' });
    assert.equal(refused.kind, 'error');
    assert.equal(refused.error?.code, 'FORBIDDEN');
    assert.deepEqual((await ada.exchange('room.join', { room: 'staff:open' })).payload, { rooms: ['staff:open'] });
    // A room no pattern matches has no policy: any join goes.
    assert.deepEqual((await ada.exchange('room.join', { room: 'lobby' })).payload, { rooms: ['staff:open', 'lobby'] });
  });

  it('lets a CommandError thrown by authorize reach the client as is; any other throw is INTERNAL', async () => {
    const { url } = await start([
      [/vip-\d+/, { authorize: () => Promise.reject(new CommandError('NOT_INVITED', 'ask the host')) }],
      ['broken', { authorize: () => { throw new Error('a bug'); } }],
    ]);
    const ada = await client(url);
    assert.equal((await ada.exchange('room.join', { room: 'vip-1' })).error?.code, 'NOT_INVITED');
    assert.equal((await ada.exchange('room.join', { room: 'broken' })).error?.code, 'INTERNAL');
    assert.deepEqual((await ada.exchange('room.join', { room: 'vip-x' })).payload, { rooms: ['vip-x'] }, 'the RegExp matches the whole name only');
  });

  it('announces room.joined to the others, room.left on leave and on disconnect', async () => {
    const { url } = await start([['chat:*', { announce: true }]]);
    const ada = await client(url);
    const bob = await client(url);
    const carl = await client(url);
    const [bobId, carlId] = await Promise.all([connectionIdOf(bob), connectionIdOf(carl)]);
    await ada.exchange('room.join', { room: 'chat:1' });
    const joined = event(ada, 'room.joined', (payload) => (payload['member'] as { connectionId: string }).connectionId === bobId);
    await bob.exchange('room.join', { room: 'chat:1' });
    assert.deepEqual((await joined).payload, { room: 'chat:1', member: { connectionId: bobId } });
    assert.equal(bob.frames.some((frame) => frame.type === 'room.joined'), false, 'the joiner is not told of its own join');

    await carl.exchange('room.join', { room: 'chat:1' });
    const left = event(ada, 'room.left', (payload) => (payload['member'] as { connectionId: string }).connectionId === bobId);
    await bob.exchange('room.leave', { room: 'chat:1' });
    assert.deepEqual((await left).payload, { room: 'chat:1', member: { connectionId: bobId } });

    const gone = event(ada, 'room.left', (payload) => (payload['member'] as { connectionId: string }).connectionId === carlId);
    await carl.close();
    assert.deepEqual((await gone).payload, { room: 'chat:1', member: { connectionId: carlId } }, 'a departure by disconnect is announced');
  });

  it('moves a member between the rooms of an exclusive group: joining one leaves the other, announced in the old room', async () => {
    const { app, url } = await start([
      ['table:*', { exclusive: true, announce: true }],
      ['bar:*', { exclusive: 'venue' }],
      ['stage:*', { exclusive: 'venue' }],
    ]);
    const changes = firstValueFrom(app.roomChanges$.pipe(filter((change) => change.reason === 'moved'), take(2), toArray()));
    const ada = await client(url);
    const bob = await client(url);
    const adaId = await connectionIdOf(ada);
    await bob.exchange('room.join', { room: 'table:1' });
    await ada.exchange('room.join', { room: 'table:1' });
    const left = event(bob, 'room.left', (payload) => (payload['member'] as { connectionId: string }).connectionId === adaId);
    assert.deepEqual((await ada.exchange('room.join', { room: 'table:2' })).payload, { rooms: ['table:2'] });
    assert.deepEqual((await left).payload, { room: 'table:1', member: { connectionId: adaId } });

    // A named group spans patterns; other groups are untouched.
    await ada.exchange('room.join', { room: 'bar:1' });
    assert.deepEqual((await ada.exchange('room.join', { room: 'stage:1' })).payload, { rooms: ['table:2', 'stage:1'] });
    const moved = await within(changes, 5000, 'two moves on roomChanges$');
    assert.deepEqual(
      moved.map(({ kind, room, reason }: RoomChange) => [kind, room, reason]),
      [
        ['left', 'table:1', 'moved'],
        ['left', 'bar:1', 'moved'],
      ],
    );
  });

  it('ends up in the last room asked when one connection joins two rooms of an exclusive group at once', async () => {
    const { url } = await start([['seat:*', { exclusive: true }]]);
    const ada = await client(url);
    const replies = await Promise.all(['seat:1', 'seat:2', 'seat:3'].map((room) => ada.exchange('room.join', { room })));
    assert.ok(replies.every((reply) => reply.kind === 'result'));
    assert.deepEqual((await ada.exchange('room.leave', { room: 'none' })).payload, { rooms: ['seat:3'] });
  });

  it('refuses a join past the capacity with ROOM_FULL, and admits again once someone left', async () => {
    const { url } = await start([['small', { capacity: 2 }]]);
    const [a, b, c] = [await client(url), await client(url), await client(url)];
    await a.exchange('room.join', { room: 'small' });
    await b.exchange('room.join', { room: 'small' });
    const full = await c.exchange('room.join', { room: 'small' });
    assert.deepEqual([full.error?.code, full.error?.details], ['ROOM_FULL', [{ capacity: 2 }]]);
    await a.close();
    assert.deepEqual((await c.exchange('room.join', { room: 'small' })).payload, { rooms: ['small'] });
  });

  it('checks its options', () => {
    const app = new Switchyard({ logger: pino({ level: 'silent' }) });
    assert.throws(() => app.room('x', { capacity: 0 }), RangeError);
    assert.throws(() => app.room('x', { exclusive: 3 as never }), TypeError);
    app.room('x', {});
    assert.throws(() => app.room('x', {}), /already registered/);
  });
});

const redis = await useRedis();

describe('room policies across two nodes on Redis', { skip: redis.skip, timeout: 30_000 }, () => {
  const url = redis.skip === undefined ? redis.url : '';
  const opened: Array<{ close(): Promise<unknown> }> = [];
  after(async () => {
    for (const item of opened.reverse()) await item.close();
  });

  async function node(prefix: string, policies: Array<[string | RegExp, RoomPolicy]>): Promise<{ app: Switchyard; url: string; scaleOut: RedisScaleOut }> {
    const scaleOut = createRedisScaleOut({ url, keyPrefix: prefix });
    opened.push(scaleOut);
    await within(scaleOut.ready(), 5000, 'Redis to be ready');
    const served = await serve({ app: { backplane: scaleOut.backplane, presence: scaleOut.presence }, setup: setup(policies) });
    opened.push(served.app);
    return { ...served, scaleOut };
  }

  it('never admits one member over the capacity when two nodes take joins at once', async () => {
    const prefix = uniquePrefix('room-capacity');
    const capacity = 3;
    const [a, b] = await Promise.all([node(prefix, [['arena', { capacity }]]), node(prefix, [['arena', { capacity }]])]);
    const clients = await Promise.all(Array.from({ length: 10 }, (_, index) => WsTestClient.connect(index % 2 === 0 ? a.url : b.url)));
    opened.push(...clients);
    const replies = await Promise.all(clients.map((client) => client.exchange('room.join', { room: 'arena' })));
    const admitted = replies.filter((reply) => reply.kind === 'result').length;
    assert.equal(admitted, capacity, 'exactly the capacity was admitted');
    assert.ok(
      replies.every((reply) => reply.kind === 'result' || reply.error?.code === 'ROOM_FULL'),
      'every other join is ROOM_FULL',
    );
    assert.equal((await a.scaleOut.presence.members('arena')).length, capacity);
    assert.equal((await b.scaleOut.presence.members('arena')).length, capacity);

    // A second wave, while the room is full, admits nobody.
    const again = await Promise.all(clients.filter((_, index) => replies[index]!.kind === 'error').map((client) => client.exchange('room.join', { room: 'arena' })));
    assert.ok(again.every((reply) => reply.error?.code === 'ROOM_FULL'));
    assert.equal((await a.scaleOut.presence.members('arena')).length, capacity);
  });

  it('shows a join and a departure by disconnect on the other node, in roomChanges$ and to its members', async () => {
    const prefix = uniquePrefix('room-changes');
    const [a, b] = await Promise.all([node(prefix, [['hall:*', { announce: true }]]), node(prefix, [['hall:*', { announce: true }]])]);
    const seenOnB = firstValueFrom(b.app.roomChanges$.pipe(take(3), toArray()));
    const watcher = await WsTestClient.connect(b.url);
    opened.push(watcher);
    await watcher.exchange('room.join', { room: 'hall:1' });
    const visitor = await WsTestClient.connect(a.url);
    const visitorId = await connectionIdOf(visitor);
    const joined = event(watcher, 'room.joined', (payload) => (payload['member'] as { connectionId: string }).connectionId === visitorId);
    await visitor.exchange('room.join', { room: 'hall:1' });
    await within(joined, 5000, 'room.joined on the other node');
    const left = event(watcher, 'room.left', (payload) => (payload['member'] as { connectionId: string }).connectionId === visitorId);
    await visitor.close();
    await within(left, 5000, 'room.left on the other node after a disconnect');
    const changes = await within(seenOnB, 5000, 'the changes on node b');
    assert.deepEqual(
      changes.map((change) => [change.kind, change.room, change.reason]),
      [
        ['joined', 'hall:1', 'join'],
        ['joined', 'hall:1', 'join'],
        ['left', 'hall:1', 'disconnect'],
      ],
    );
    assert.deepEqual([changes[1]!.member, changes[2]!.member], [{ connectionId: visitorId }, { connectionId: visitorId }]);
  });
});
