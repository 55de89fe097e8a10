/**
 * Room capacity on a 3-master Redis Cluster: the claim reads node liveness
 * outside its script (a Cluster refuses keys of other slots in a script),
 * and concurrent joins on two nodes never take more seats than the room has.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { RedisPresence } from '../../src/redis.js';
import { useRedisCluster } from '../support/redis-cluster.js';
import { uniquePrefix } from '../support/redis.js';
import { within } from '../support/socket-harness.js';

const redis = await useRedisCluster({ masters: 3 });

describe('room capacity on a Redis Cluster', { skip: redis.skip, timeout: 30_000 }, () => {
  const opened: RedisPresence[] = [];
  let admin: Cluster | undefined;
  after(async () => {
    admin?.disconnect();
    await Promise.all(opened.map((presence) => presence.close()));
  });

  async function presence(keyPrefix: string, nodeId: string): Promise<RedisPresence> {
    if (redis.skip !== undefined) throw new Error(redis.skip);
    const created = new RedisPresence({ url: redis.cluster.url, keyPrefix, nodeId, heartbeatMs: 60_000, presenceTtlMs: 120_000 });
    opened.push(created);
    await within(created.ready(), 10_000, `presence ${nodeId} to be ready`);
    return created;
  }

  it('concurrent joins on two nodes never exceed the capacity, in several rooms spread over the shards', async () => {
    const prefix = uniquePrefix('cluster-seats');
    const [a, b] = [await presence(prefix, 'a'), await presence(prefix, 'b')];
    for (const room of ['r-1', 'r-2', 'r-3', 'r-4']) {
      const joins = Array.from({ length: 12 }, (_, index) => (index % 2 === 0 ? a : b).joinedWithin(room, { connectionId: `${room}-c${index}`, userId: undefined }, 5));
      const granted = (await Promise.all(joins)).filter(Boolean).length;
      assert.equal(granted, 5, `${room}: exactly the capacity is granted`);
      const members = await a.members(room);
      assert.equal(members.length, 5, `${room}: five members stored`);
    }
  });

  it('frees the seat of a dead node, and keeps a member already seated', async () => {
    if (redis.skip !== undefined) return;
    const prefix = uniquePrefix('cluster-dead');
    const [a, b] = [await presence(prefix, 'a'), await presence(prefix, 'b')];
    const entry = (connectionId: string) => ({ connectionId, userId: undefined });
    assert.equal(await a.joinedWithin('room', entry('a-1'), 2), true);
    assert.equal(await b.joinedWithin('room', entry('b-1'), 2), true);
    assert.equal(await b.joinedWithin('room', entry('b-2'), 2), false, 'two seats, both taken on two nodes');
    assert.equal(await a.joinedWithin('room', entry('a-1'), 2), true);
    admin = new Cluster(redis.cluster.nodes);
    await admin.del(`${prefix}node:a`);
    assert.equal(await b.joinedWithin('room', entry('b-2'), 2), true, 'node a is dead: its seat is free');
    assert.deepEqual((await b.members('room')).map((member) => member.connectionId).sort(), ['b-1', 'b-2']);
  });
});
