import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineCommand, defineEvent, Switchyard, to, typed } from '../../../src/index.js';
import { createRedisScaleOut, type RedisScaleOut } from '../../../src/redis.js';
import { MemoryTransport } from '../../../src/testing.js';
import { NodeProcess } from '../../support/node-process.js';
import { uniquePrefix, useRedis } from '../../support/redis.js';
import { WsTestClient } from '../../support/ws-test-client.js';
import { eventually } from '../../support/socket-harness.js';

const redis = await useRedis();

const LINGER_MS = 200;

interface Stats {
  readonly received: number;
  readonly channels: number;
}

async function stats(client: WsTestClient): Promise<Stats> {
  return (await client.call('backplane.stats', {})) as Stats;
}

describe('interest routing: a node receives only the traffic of audiences it serves', { skip: redis.skip, timeout: 45_000 }, () => {
  const nodes: NodeProcess[] = [];
  const clients: WsTestClient[] = [];
  let speaker: WsTestClient; // node 0, publishes
  let local: WsTestClient; // node 0, member of the room
  let watcher: WsTestClient; // node 1, asks for its node's stats; joins and leaves the room

  before(async () => {
    if (redis.skip !== undefined) return;
    const env = { REDIS_URL: redis.url, KEY_PREFIX: uniquePrefix('interest'), LOG_LEVEL: 'warn', INTEREST_LINGER_MS: String(LINGER_MS) };
    nodes.push(...(await Promise.all([0, 1].map(() => NodeProcess.start(env)))));
    const [n0, n1] = nodes as [NodeProcess, NodeProcess];
    [speaker, local, watcher] = await Promise.all([WsTestClient.toNode(n0.port, 'sam'), WsTestClient.toNode(n0.port, 'lou'), WsTestClient.toNode(n1.port, 'wes')]);
    clients.push(speaker, local, watcher);
    await local.call('room.join', { room: 'local' });
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(nodes.map((node) => node.stop()));
  });

  /**
   * Publishes `count` room events, then a direct event to the watcher on the
   * same publishing connection: once the watcher has that marker, every room
   * event that was going to reach its node has (one Redis keeps a
   * connection's order across channels).
   */
  let markers = 0;
  async function sayThenMark(count: number, room = 'local'): Promise<void> {
    for (let index = 0; index < count; index += 1) await speaker.call('room.say', { room, text: String(index) });
    const marker = `marker ${++markers}`;
    await speaker.call('direct.send', { connectionId: watcher.connectionId, text: marker });
    await eventually(() => watcher.eventLog.some((event) => event.payload['text'] === marker), 5000, marker);
  }

  /** The texts the watcher got since `from` (an index into its events), markers left out. */
  function roomTexts(from: number): string[] {
    return watcher.eventLog.slice(from).map((event) => String(event.payload['text'])).filter((text) => !text.startsWith('marker'));
  }

  it('carries none of a room the node has no member of', async () => {
    const before = await stats(watcher);
    await sayThenMark(50);
    assert.equal((await local.take('fixture.message')).text, '0', 'the local member gets the room');
    const afterwards = await stats(watcher);
    assert.equal(afterwards.received - before.received, 1, 'only the marker crossed to the node without members');
  });

  it('starts once a local member joined, and stops a linger after the last one left', async () => {
    const base = (await stats(watcher)).channels;
    await watcher.call('room.join', { room: 'local' });
    assert.equal((await stats(watcher)).channels, base + 1);
    let before = (await stats(watcher)).received;
    let seen = watcher.eventLog.length;
    await sayThenMark(20);
    assert.deepEqual(roomTexts(seen), Array.from({ length: 20 }, (_, index) => String(index)));
    assert.equal((await stats(watcher)).received - before, 21, 'the room events and the marker');

    await watcher.call('room.leave', { room: 'local' });
    await eventually(async () => (await stats(watcher)).channels === base, 5000, 'the room unsubscribed after the linger');
    before = (await stats(watcher)).received;
    seen = watcher.eventLog.length;
    await sayThenMark(20);
    assert.equal((await stats(watcher)).received - before, 1, 'only the marker, once the room was left');
    assert.deepEqual(roomTexts(seen), []);
  });

  it('keeps the subscription through a leave and a join within the linger', async () => {
    const base = (await stats(watcher)).channels;
    await watcher.call('room.join', { room: 'back' });
    await watcher.call('room.leave', { room: 'back' });
    await watcher.call('room.join', { room: 'back' });
    await new Promise((resolve) => setTimeout(resolve, LINGER_MS * 2));
    assert.equal((await stats(watcher)).channels, base + 1, 'still subscribed: the rejoin came within the linger');
    const seen = watcher.eventLog.length;
    await speaker.call('room.say', { room: 'back', text: 'still here' });
    await eventually(() => roomTexts(seen).includes('still here'), 5000, 'the event of the room rejoined');
    await watcher.call('room.leave', { room: 'back' });
    await eventually(async () => (await stats(watcher)).channels === base, 5000, 'the room unsubscribed after the linger');
  });

  it('subscribes to a user on its first connection and drops it after its last', async () => {
    const base = (await stats(watcher)).channels;
    const port = nodes[1]!.port;
    const first = await WsTestClient.toNode(port, 'uma');
    const second = await WsTestClient.toNode(port, 'uma');
    clients.push(first, second);
    // Each connection's channel, and one for the user.
    assert.equal((await stats(watcher)).channels, base + 3);
    await speaker.call('user.notify', { userId: 'uma', text: 'hello uma' });
    assert.equal((await first.take('fixture.message')).text, 'hello uma');
    assert.equal((await second.take('fixture.message')).text, 'hello uma');
    await first.close();
    await second.close();
    await eventually(async () => (await stats(watcher)).channels === base, 5000, 'the user and connection channels dropped');
  });
});

describe('interest routing: the join/publish race', { skip: redis.skip, timeout: 45_000 }, () => {
  const nodes: NodeProcess[] = [];
  const clients: WsTestClient[] = [];

  before(async () => {
    if (redis.skip !== undefined) return;
    // No linger: every join on a fresh room subscribes while events are in flight.
    const env = { REDIS_URL: redis.url, KEY_PREFIX: uniquePrefix('race'), LOG_LEVEL: 'warn', INTEREST_LINGER_MS: '0' };
    nodes.push(...(await Promise.all([0, 1].map(() => NodeProcess.start(env)))));
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(nodes.map((node) => node.stop()));
  });

  it('delivers to every member every event published after its join resolved', async () => {
    const [n0, n1] = nodes as [NodeProcess, NodeProcess];
    const rooms = ['r0', 'r1', 'r2', 'r3'];
    // One speaker per room, each under the per-connection publish budget (200 events/s).
    const speakers = await Promise.all(rooms.map((room) => WsTestClient.toNode(n0.port, `speaker-${room}`)));
    clients.push(...speakers);
    // What the speakers have sent so far: an event numbered above it at a join's reply was published after that join resolved.
    let sent = 0;
    let speaking = true;
    const roomOf = new Map<number, string>();
    const speech = Promise.all(
      speakers.map(async (speaker, which) => {
        while (speaking) {
          const index = ++sent;
          roomOf.set(index, rooms[which]!);
          await speaker.call('room.say', { room: rooms[which]!, text: String(index) });
          await new Promise((resolve) => setTimeout(resolve, 8));
        }
      }),
    );

    const members: Array<{ client: WsTestClient; room: string; from: number }> = [];
    for (let round = 0; round < 3; round += 1) {
      const joining = rooms.map(async (room) => {
        const client = await WsTestClient.toNode(n1.port, `${room}-${round}`);
        clients.push(client);
        await client.call('room.join', { room });
        members.push({ client, room, from: sent });
      });
      await Promise.all(joining);
      // The first round joined fresh rooms; later rounds join subscribed ones, and the rooms are left and joined again between.
      if (round === 0) for (const member of members) await member.client.call('room.leave', { room: member.room }).then(() => member.client.call('room.join', { room: member.room }).then(() => void (member.from = sent)));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    speaking = false;
    await speech;
    const last = sent;
    for (const [which, room] of rooms.entries()) await speakers[which]!.call('room.say', { room, text: 'end' });

    for (const member of members) {
      await eventually(() => member.client.eventLog.some((event) => event.payload['text'] === 'end'), 5000, `the end of ${member.room} at a member`);
      const texts = member.client.eventLog.filter((event) => event.type === 'fixture.message').map((event) => String(event.payload['text']));
      const received = new Set(texts);
      assert.equal(received.size, texts.length, 'no event twice');
      const missing: number[] = [];
      for (let index = member.from + 1; index <= last; index += 1) {
        if (roomOf.get(index) === member.room && !received.has(String(index))) missing.push(index);
      }
      assert.deepEqual(missing, [], `${member.room}: events published after the join resolved (from ${member.from + 1} to ${last}) all arrive`);
    }
    assert.ok(last > 100, `enough events raced the joins (${last})`);
  });
});

describe('interest routing: an event published the moment a join resolves', { skip: redis.skip, timeout: 30_000 }, () => {
  const Said = defineEvent('race.said', typed<{ n: number }>());
  const Join = defineCommand('race.join', { payload: typed<{ room: string; n: number }>() });
  const scaleOuts: RedisScaleOut[] = [];
  const apps: Switchyard[] = [];

  after(async () => {
    for (const app of apps) await app.close();
    await Promise.all(scaleOuts.map((scaleOut) => scaleOut.close()));
  });

  it('reaches the member that joined on another node', async () => {
    const keyPrefix = uniquePrefix('instant');
    const [here, there] = [0, 1].map(() => createRedisScaleOut({ url: redis.skip === undefined ? redis.url : '', keyPrefix, interestLingerMs: 0 })) as [RedisScaleOut, RedisScaleOut];
    scaleOuts.push(here, there);
    await Promise.all(scaleOuts.map((scaleOut) => scaleOut.ready()));
    const publisher = new Switchyard({ backplane: there.backplane, presence: there.presence });
    // Presence in memory: a presence write to Redis on the join would hide a join that does not wait for its subscription.
    const app = new Switchyard({ backplane: here.backplane });
    apps.push(app, publisher);
    // The most adversarial timing: the other node publishes in the same tick as the join resolves here.
    app.register(Join, async ({ room, n }, ctx) => {
      await ctx.join(room);
      publisher.publisher.publish(Said, { n }, to.room(room));
    });
    const memory = await app.listen(new MemoryTransport());
    const member = memory.connect({ user: { id: 'member' } });
    for (let n = 0; n < 40; n += 1) await member.request(Join, { room: `instant-${n}`, n });
    await eventually(() => member.events(Said).length === 40, 5000, 'every event published as its join resolved');
    assert.deepEqual(member.events(Said).map((event) => event.n), Array.from({ length: 40 }, (_, n) => n));
  });
});
