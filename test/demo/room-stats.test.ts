/** The demo's room statistics: counted from chat and joins, saved behind the commands, in Redis across restarts. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startDemoServer, type DemoServer } from '../../demo/demo-server.js';
import { connectDemoClient, nextEvent, type DemoClient } from '../support/demo-client.js';
import { useRedis } from '../support/redis.js';
import { eventually } from '../support/socket-harness.js';

const redis = await useRedis();
const logger = pino({ level: 'silent' });

/** Closes the clients, then the servers, whatever the test did. */
function tracker(): { clients: DemoClient[]; servers: DemoServer[]; close(): Promise<void> } {
  const state = {
    clients: [] as DemoClient[],
    servers: [] as DemoServer[],
    async close() {
      await Promise.all(state.clients.map((client) => client.close()));
      await Promise.all(state.servers.map((server) => server.close()));
    },
  };
  return state;
}

describe('room statistics in memory', { timeout: 20_000 }, () => {
  const open = tracker();
  after(() => open.close());

  it('room.stats counts the messages of every member and the last activity; a quiet room has none', async () => {
    const server = await startDemoServer({ port: 0, logger });
    open.servers.push(server);
    const ada = await connectDemoClient(server.wsUrl, 'ada');
    const bob = await connectDemoClient(server.wsUrl, 'bob');
    open.clients.push(ada, bob);
    const room = 'stats-memory';
    await ada.request('room.join', { room });
    await bob.request('room.join', { room });
    const heard = nextEvent(ada, 'chat.message');
    await ada.request('chat.say', { room, text: 'one' });
    await ada.request('chat.say', { room, text: 'two' });
    await bob.request('chat.say', { room, text: 'three' });
    const last = await heard;
    const stats = await bob.request('room.stats', { room });
    assert.equal(stats.room, room);
    assert.equal(stats.messages, 3);
    assert.ok(stats.lastActivityAt !== null && stats.lastActivityAt >= last.at && stats.lastActivityAt <= Date.now(), `lastActivityAt ${stats.lastActivityAt}`);
    // Asking is not activity: room.stats is on the write-behind's ignore list and publishes nothing.
    assert.deepEqual(await ada.request('room.stats', { room }), stats);
    assert.deepEqual(await ada.request('room.stats', { room: 'stats-nobody' }), { room: 'stats-nobody', messages: 0, lastActivityAt: null });
  });
});

describe('room statistics in Redis', { skip: redis.skip ?? false, timeout: 30_000 }, () => {
  const url = redis.skip === undefined ? redis.url : '';
  const open = tracker();
  const rooms: string[] = [];
  const key = (room: string): string => `switchyard:demo:room-stats:${room}`;
  after(async () => {
    await open.close();
    if (redis.skip !== undefined) return;
    const client = new Redis(url);
    await client.del(...rooms.map(key));
    await client.quit();
  });

  it('two nodes add up their counts in one hash per room, saved on shutdown, and a restarted node reads them back', async () => {
    const room = `stats-${randomUUID()}`;
    rooms.push(room);
    // A long interval: only the shutdown saves, so this shows drain flushes everything.
    const [first, second] = [await startDemoServer({ port: 0, redisUrl: url, logger, statsIntervalMs: 600_000 }), await startDemoServer({ port: 0, redisUrl: url, logger, statsIntervalMs: 600_000 })];
    const ada = await connectDemoClient(first!.wsUrl, 'ada');
    const bob = await connectDemoClient(second!.wsUrl, 'bob');
    await ada.request('room.join', { room });
    await bob.request('room.join', { room });
    await ada.request('chat.say', { room, text: 'from node one' });
    await ada.request('chat.say', { room, text: 'again from node one' });
    await bob.request('chat.say', { room, text: 'from node two' });
    await Promise.all([ada.close(), bob.close()]);
    const reader = new Redis(url);
    try {
      assert.deepEqual(await reader.hgetall(key(room)), {}, 'nothing saved before the interval or a shutdown');
      await Promise.all([first!.close(), second!.close()]);
      const hash = await reader.hgetall(key(room));
      assert.equal(hash['messages'], '3');
      assert.ok(Number(hash['lastActivityAt']) <= Date.now());

      const third = await startDemoServer({ port: 0, redisUrl: url, logger });
      open.servers.push(third);
      const carol = await connectDemoClient(third.wsUrl, 'carol');
      open.clients.push(carol);
      assert.deepEqual(await carol.request('room.stats', { room }), { room, messages: 3, lastActivityAt: Number(hash['lastActivityAt']) });
    } finally {
      await reader.quit();
    }
  });

  it('saves a changed room on the interval, while the node runs', async () => {
    const room = `stats-${randomUUID()}`;
    rooms.push(room);
    const server = await startDemoServer({ port: 0, redisUrl: url, logger, statsIntervalMs: 50 });
    open.servers.push(server);
    const ada = await connectDemoClient(server.wsUrl, 'ada');
    open.clients.push(ada);
    await ada.request('room.join', { room });
    await ada.request('chat.say', { room, text: 'saved soon' });
    const reader = new Redis(url);
    try {
      await eventually(async () => (await reader.hget(key(room), 'messages')) === '1', 5000, 'the room stats hash to hold the message');
    } finally {
      await reader.quit();
    }
  });
});
