import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisPresence } from '../../src/redis.js';
import { uniquePrefix, useRedis } from '../support/redis.js';
import { within } from '../support/socket-harness.js';

const redis = await useRedis();

describe('RedisPresence.joinedWithin: the capacity script', { skip: redis.skip, timeout: 30_000 }, () => {
  const url = redis.skip === undefined ? redis.url : '';
  const opened: Array<{ close(): Promise<unknown> }> = [];
  const admin = redis.skip === undefined ? new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 }) : undefined;
  after(async () => {
    for (const item of opened.reverse()) await item.close();
    admin?.disconnect();
  });

  async function presence(prefix: string, nodeId: string): Promise<RedisPresence> {
    const created = new RedisPresence({ url, keyPrefix: prefix, nodeId, heartbeatMs: 60_000, presenceTtlMs: 120_000 });
    opened.push(created);
    await within(created.ready(), 5000, `presence ${nodeId} to be ready`);
    return created;
  }

  it('counts the members of every live node, frees the seats of a dead node, and takes no seat twice', async () => {
    const prefix = uniquePrefix('seats');
    const [a, b] = [await presence(prefix, 'a'), await presence(prefix, 'b')];
    const entry = (connectionId: string) => ({ connectionId, userId: undefined });
    assert.equal(await a.joinedWithin('room', entry('a-1'), 2), true);
    assert.equal(await b.joinedWithin('room', entry('b-1'), 2), true);
    assert.equal(await b.joinedWithin('room', entry('b-2'), 2), false, 'two seats, both taken on two nodes');
    assert.equal(await a.joinedWithin('room', entry('a-1'), 2), true, 'a member already seated keeps its seat');
    assert.deepEqual((await b.members('room')).map((member) => member.connectionId).sort(), ['a-1', 'b-1']);

    // Node a dies without cleaning up: its liveness key is gone, so its entries are dead and its seat is free.
    await admin!.connect();
    await admin!.del(`${prefix}node:a`);
    assert.equal(await b.joinedWithin('room', entry('b-2'), 2), true);
    assert.deepEqual((await b.members('room')).map((member) => member.connectionId).sort(), ['b-1', 'b-2']);
    assert.equal(await admin!.hexists(`${prefix}room:room`, 'a-1'), 0, 'the dead entry was removed by the script');
  });

  it('does not count an entry of an older epoch of a live node, nor one of a node without a liveness key', async () => {
    const prefix = uniquePrefix('seats-stale');
    const [a, b] = [await presence(prefix, 'a'), await presence(prefix, 'b')];
    assert.equal(await a.joinedWithin('room', { connectionId: 'a-1', userId: undefined }, 2), true);
    await admin!.connect().catch(() => undefined);
    const epoch = (JSON.parse((await admin!.hget(`${prefix}room:room`, 'a-1'))!) as { e: string }).e;
    await admin!.hset(`${prefix}room:room`, {
      'a-old': JSON.stringify({ n: 'a', e: `${epoch}-older`, u: null }),
      'gone-1': JSON.stringify({ n: 'gone', e: epoch, u: null }),
    });
    assert.equal(await b.joinedWithin('room', { connectionId: 'b-1', userId: undefined }, 2), true, 'only a-1 holds a seat');
    assert.deepEqual((await admin!.hkeys(`${prefix}room:room`)).sort(), ['a-1', 'b-1'], 'the dead entries were removed by the script');
    assert.equal(await b.joinedWithin('room', { connectionId: 'b-2', userId: undefined }, 2), false);
  });

  it('refuses with UNAVAILABLE once closed rather than guessing', async () => {
    const prefix = uniquePrefix('seats-closed');
    const a = await presence(prefix, 'a');
    await a.close();
    await assert.rejects(a.joinedWithin('room', { connectionId: 'a-1', userId: undefined }, 2), { code: 'UNAVAILABLE' });
  });
});
