/** The backplane on a Redis Cluster with replicas: sharded channels, and a master killed under it. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { RedisBackplane } from '../../../src/redis.js';
import type { EventEnvelope } from '../../../src/index.js';
import { channelFor } from '../../../src/events/redis/channel-for.js';
import { useRedisCluster } from '../../support/redis-cluster.js';
import { uniquePrefix } from '../../support/redis.js';
import { eventually, within } from '../../support/socket-harness.js';

const redis = await useRedisCluster({ masters: 3, replicasPerMaster: 1 });

const ROOMS = Array.from({ length: 12 }, (_, index) => `room-${index}`);

function said(room: string, text: string): EventEnvelope {
  return { type: 'chat.said', payload: { text }, audience: { kind: 'room', id: room } };
}

describe('a backplane on a Redis Cluster with replicas', { skip: redis.skip, timeout: 60_000 }, () => {
  const prefix = uniquePrefix('failover');
  const backplanes: RedisBackplane[] = [];
  const received: EventEnvelope[] = [];
  let sender: RedisBackplane;
  let receiver: RedisBackplane;
  let admin: Cluster;
  /** The master port serving each room's channel. */
  const masterOf = new Map<string, number>();

  before(async () => {
    if (redis.skip !== undefined) return;
    const { cluster } = redis;
    sender = new RedisBackplane({ url: cluster.url, keyPrefix: prefix, reconnectMaxDelayMs: 200 });
    receiver = new RedisBackplane({ url: cluster.url, keyPrefix: prefix, reconnectMaxDelayMs: 200 });
    backplanes.push(sender, receiver);
    receiver.deliveries.subscribe((envelope) => received.push(envelope));
    admin = new Cluster(cluster.nodes);
    // Its node of the killed master keeps failing to reconnect; that is the test's doing, not news.
    admin.on('error', () => undefined);
    await within(Promise.all(backplanes.map((backplane) => backplane.ready())), 10_000, 'both backplanes to be ready');
    await within(Promise.all(ROOMS.map((id) => receiver.interest({ kind: 'room', id }))), 10_000, 'the rooms to be subscribed');
    for (const room of ROOMS) {
      const slot = Number(await admin.cluster('KEYSLOT', channelFor(prefix, { kind: 'room', id: room })));
      masterOf.set(room, await cluster.masterOf(slot));
    }
  });

  after(async () => {
    admin?.disconnect();
    await Promise.all(backplanes.map((backplane) => backplane.close()));
  });

  it('spreads room channels over the shards, each subscribed on its own master only (sharded pub/sub)', async () => {
    assert.ok(new Set(masterOf.values()).size > 1, 'the rooms hash to more than one shard');
    for (const master of admin.nodes('master')) {
      const port = master.options.port;
      const sharded = (await master.call('PUBSUB', 'SHARDCHANNELS', `${prefix}*`)) as string[];
      const expected = ROOMS.filter((room) => masterOf.get(room) === port).map((room) => channelFor(prefix, { kind: 'room', id: room }));
      for (const channel of expected) assert.ok(sharded.includes(channel), `${channel} subscribed on its master ${port}`);
      assert.deepEqual((await master.call('PUBSUB', 'CHANNELS', `${prefix}{*`)) as string[], [], 'no classic (cluster-wide) room channel');
    }
    for (const room of ROOMS) sender.publish(said(room, 'hello'));
    await eventually(() => received.length === ROOMS.length, 5000, 'one event per room');
  });

  it('loses only what was published to the failing shard, and subscribes there again once its replica is promoted', async () => {
    if (redis.skip !== undefined) return;
    const victim = masterOf.get(ROOMS[0]!)!;
    const failing = ROOMS.filter((room) => masterOf.get(room) === victim);
    const healthy = ROOMS.filter((room) => masterOf.get(room) !== victim);
    received.length = 0;
    await redis.cluster.kill(victim);

    // While the shard fails over, the others carry every event, in order.
    for (let round = 0; round < 10; round += 1) {
      for (const room of healthy) sender.publish(said(room, `during ${round}`));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await eventually(() => received.filter((event) => event.payload !== undefined && healthy.includes((event.audience as { id: string }).id)).length === healthy.length * 10, 10_000, 'every event of the healthy shards');
    for (const room of healthy) {
      const texts = received.filter((event) => (event.audience as { id: string }).id === room).map((event) => (event.payload as { text: string }).text);
      assert.deepEqual(texts, Array.from({ length: 10 }, (_, round) => `during ${round}`), `${room}: all, in order`);
    }

    // The replica takes over; the failing shard's rooms come back without anyone subscribing again.
    await redis.cluster.untilHealthy(3, 30_000);
    let attempt = 0;
    await eventually(
      () => {
        attempt += 1;
        for (const room of failing) sender.publish(said(room, `after ${attempt}`));
        return failing.every((room) => received.some((event) => (event.audience as { id: string }).id === room && (event.payload as { text: string }).text.startsWith('after')));
      },
      30_000,
      'the rooms of the failed shard to be carried again',
    );
    assert.equal(received.filter((event) => (event.payload as { text: string }).text === 'hello').length, 0, 'nothing repeated');
  });
});
