import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisPresence } from '../../../src/redis.js';
import { CommandError, SetupError, type PresenceEntry } from '../../../src/index.js';
import { uniquePrefix, useRedis } from '../../support/redis.js';
import { eventually, within } from '../../support/socket-harness.js';

// Its own redis-server: these tests freeze and kill it.
const redis = await useRedis({ dedicated: true });

const HEARTBEAT_MS = 50;
const PRESENCE_TTL_MS = 200;

function ids(entries: PresenceEntry[]): string[] {
  return entries.map((entry) => entry.connectionId).sort();
}

describe('RedisPresence', { skip: redis.skip, timeout: 60_000 }, () => {
  const url = redis.skip === undefined ? redis.url : '';
  const server = redis.skip === undefined ? redis.server! : undefined;
  const opened: Array<{ close(): Promise<unknown> }> = [];
  const admin = redis.skip === undefined ? new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 }) : undefined;

  function presence(keyPrefix: string, nodeId: string, options: { client?: Redis } = {}): RedisPresence {
    const created = new RedisPresence({
      ...(options.client === undefined ? { url } : { client: options.client }),
      keyPrefix,
      nodeId,
      heartbeatMs: HEARTBEAT_MS,
      presenceTtlMs: PRESENCE_TTL_MS,
      reconnectMaxDelayMs: 50,
    });
    opened.push(created);
    return created;
  }

  afterEach(async () => {
    server?.resume();
    if (server !== undefined && !server.running) await server.restart();
    await Promise.all(opened.splice(0).map((item) => item.close()));
  });
  after(() => admin?.disconnect());

  it('keeps writing changes after a pause longer than the TTL (regression: piled-up heartbeats drove the unsynced count negative and later joins never reached Redis)', async () => {
    const prefix = uniquePrefix('presence-pause');
    const a = presence(prefix, 'a');
    const b = presence(prefix, 'b');
    await within(Promise.all([a.ready(), b.ready()]), 5000, 'both presences to be ready');
    await a.connected({ connectionId: 'a-1', userId: 'ann' });
    await a.joined('before', { connectionId: 'a-1', userId: 'ann' });

    server!.pause();
    // The fault itself lasts three TTLs: heartbeats queue up behind it and the liveness key expires meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 3 * PRESENCE_TTL_MS));
    server!.resume();
    await eventually(async () => ids(await b.members('before')).join() === 'a-1', 3000, "b to list a's member again after the pause");

    await a.joined('after', { connectionId: 'a-1', userId: 'ann' });
    await eventually(async () => ids(await b.members('after')).join() === 'a-1', 3000, 'a join made after the pause to reach b');
    assert.deepEqual(ids(await b.sessions('ann')), ['a-1']);
  });

  it('answers the caller of a write in flight when Redis dies, instead of holding it until Redis returns', async () => {
    const prefix = uniquePrefix('presence-crash');
    const a = presence(prefix, 'a');
    await within(a.ready(), 5000, 'the presence to be ready');
    server!.pause();
    const write = a.joined('lobby', { connectionId: 'a-1', userId: undefined });
    await server!.stop();
    await within(write, 3000, 'the write to settle once the connection closed');
    await server!.restart();
    // The change was kept locally and is written back to the restarted, empty Redis: another node sees it.
    const b = presence(prefix, 'b');
    await within(b.ready(), 5000, 'the presence to be ready');
    await eventually(async () => ids(await b.members('lobby')).join() === 'a-1', 3000, "b to list a's member");
  });

  it('rejects a read while Redis is unreachable with UNAVAILABLE, not a plain Error', async () => {
    const a = presence(uniquePrefix('presence-down'), 'a');
    await within(a.ready(), 5000, 'the presence to be ready');
    await server!.stop();
    const error = await a.members('lobby').then(
      () => assert.fail('the read succeeded'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof CommandError, `got ${String(error)}`);
    assert.equal(error.code, 'UNAVAILABLE');
    assert.equal(error.message, 'presence is unavailable: Redis is unreachable');
  });

  it('ignores and removes entries that are not presence entries (anything may be written under the prefix)', async () => {
    const prefix = uniquePrefix('presence-garbage');
    const a = presence(prefix, 'a');
    const b = presence(prefix, 'b');
    await within(Promise.all([a.ready(), b.ready()]), 5000, 'both presences to be ready');
    await a.joined('lobby', { connectionId: 'a-1', userId: 'ann' });
    await admin!.connect().catch(() => undefined);
    const garbage = ['null', '42', '[]', '"text"', '{"n":1}', '{"n":"a"}', '{"n":"a","e":7}', 'not json', '{"n":"a","e":"x","u":5}', '{'.repeat(5000)];
    await admin!.hset(`${prefix}room:lobby`, Object.fromEntries(garbage.map((value, index) => [`junk-${index}`, value])));
    assert.deepEqual(await b.members('lobby'), [{ connectionId: 'a-1', userId: 'ann' }]);
    assert.deepEqual(await admin!.hkeys(`${prefix}room:lobby`), ['a-1'], 'the junk fields were removed');
  });

  it('neither lists nor keeps the entries of a node without a liveness key or of an older epoch of a live node', async () => {
    const prefix = uniquePrefix('presence-dead');
    const a = presence(prefix, 'a');
    const b = presence(prefix, 'b');
    await within(Promise.all([a.ready(), b.ready()]), 5000, 'both presences to be ready');
    await a.joined('lobby', { connectionId: 'a-1', userId: 'ann' });
    await admin!.connect().catch(() => undefined);
    const epoch = JSON.parse((await admin!.hget(`${prefix}room:lobby`, 'a-1'))!) as { e: string };
    await admin!.hset(`${prefix}room:lobby`, {
      'gone-1': JSON.stringify({ n: 'gone', e: epoch.e, u: null }),
      'a-old': JSON.stringify({ n: 'a', e: `${epoch.e}-older`, u: null }),
    });
    assert.deepEqual(await b.members('lobby'), [{ connectionId: 'a-1', userId: 'ann' }]);
    assert.deepEqual(await admin!.hkeys(`${prefix}room:lobby`), ['a-1'], 'the dead entries were removed');
  });

  it('names its keys in full when given a client with an ioredis keyPrefix', async () => {
    const prefix = uniquePrefix('presence-client');
    const client = new Redis(url, { keyPrefix: 'outer:', lazyConnect: true });
    opened.push({ close: async () => client.disconnect() });
    const a = presence(prefix, 'a', { client });
    const b = presence(prefix, 'b', { client });
    await within(Promise.all([a.ready(), b.ready()]), 5000, 'both presences to be ready');
    await a.joined('lobby', { connectionId: 'a-1', userId: undefined });
    assert.deepEqual(ids(await b.members('lobby')), ['a-1']);
    await admin!.connect().catch(() => undefined);
    assert.deepEqual(await admin!.hkeys(`outer:${prefix}room:lobby`), ['a-1']);
  });

  it('rejects ready() after close() with a SetupError', async () => {
    const a = presence(uniquePrefix('presence-closed'), 'a');
    await a.close();
    await assert.rejects(a.ready(), (error: unknown) => error instanceof SetupError && error.code === 'CLOSED');
  });

  it('removes its entries on close, at once for every reader', async () => {
    const prefix = uniquePrefix('presence-close');
    const a = presence(prefix, 'a');
    const b = presence(prefix, 'b');
    await within(Promise.all([a.ready(), b.ready()]), 5000, 'both presences to be ready');
    await a.connected({ connectionId: 'a-1', userId: 'ann' });
    await a.joined('lobby', { connectionId: 'a-1', userId: 'ann' });
    assert.deepEqual(ids(await b.members('lobby')), ['a-1']);
    await a.close();
    assert.deepEqual(await b.members('lobby'), []);
    assert.deepEqual(await b.sessions('ann'), []);
  });
});
