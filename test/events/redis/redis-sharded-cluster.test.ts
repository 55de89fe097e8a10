import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { RedisPresence } from '../../../src/redis.js';
import { useRedisCluster } from '../../support/redis-cluster.js';
import { uniquePrefix } from '../../support/redis.js';
import { describeThreeNodes } from '../../support/three-node-suite.js';
import { describeNodeDeath } from '../../support/node-death-suite.js';
import { eventually, within } from '../../support/socket-harness.js';

// Three masters, no replicas: sharded pub/sub and hash-tagged keys, across shards.
const redis = await useRedisCluster({ masters: 3 });

const clusterEnv = (): Record<string, string> => ({ REDIS_URL: redis.skip === undefined ? redis.cluster.url : '' });

describeThreeNodes('three nodes on a 3-master Redis Cluster (sharded pub/sub)', redis.skip, clusterEnv);
describeNodeDeath('a node killed without cleanup, on a 3-master Redis Cluster', redis.skip, clusterEnv);

describe('presence on a Redis Cluster', { skip: redis.skip, timeout: 30_000 }, () => {
  const presences: RedisPresence[] = [];
  let admin: Cluster | undefined;

  after(async () => {
    admin?.disconnect();
    await Promise.all(presences.map((presence) => presence.close()));
  });

  it('keeps each room hash on its room shard, and reaps the entries of a node whose liveness key is gone', async () => {
    if (redis.skip !== undefined) return;
    const keyPrefix = uniquePrefix('sharded-presence');
    const [writer, reader] = ['writer', 'reader'].map((nodeId) => new RedisPresence({ url: redis.cluster.url, keyPrefix, nodeId })) as [
      RedisPresence,
      RedisPresence,
    ];
    presences.push(writer, reader);
    await within(Promise.all(presences.map((presence) => presence.ready())), 10_000, 'both presences to be ready');
    const rooms = Array.from({ length: 9 }, (_, index) => `room-${index}`);
    for (const room of rooms) await writer.joined(room, { connectionId: `c-${room}`, userId: 'ann' });

    admin = new Cluster(redis.cluster.nodes);
    const masters = new Set<number>();
    for (const room of rooms) {
      const key = `${keyPrefix}{room:${room}}:presence`;
      assert.equal(await admin.hlen(key), 1, `${key} holds the member`);
      masters.add(await redis.cluster.masterOf(Number(await admin.cluster('KEYSLOT', key))));
    }
    assert.ok(masters.size > 1, 'the room hashes are spread over the shards');
    for (const room of rooms) assert.deepEqual(await reader.members(room), [{ connectionId: `c-${room}`, userId: 'ann' }]);

    // As if the writer had died and its liveness key expired (its next heartbeat, 5 s away, would write everything back).
    await admin.del(`${keyPrefix}node:writer`);
    for (const room of rooms) assert.deepEqual(await reader.members(room), [], `${room}: the dead node's member is gone`);
    await eventually(async () => (await Promise.all(rooms.map((room) => admin!.hlen(`${keyPrefix}{room:${room}}:presence`)))).every((length) => length === 0), 5000, 'the dead entries to be reaped');
  });
});
