/** Interest routing through a Redis outage: joins made while Redis is away, channels released meanwhile. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NodeProcess } from '../../support/node-process.js';
import { WsTestClient } from '../../support/ws-test-client.js';
import { uniquePrefix, useRedis } from '../../support/redis.js';
import { eventually } from '../../support/socket-harness.js';

// Its own redis-server, since this test stops and restarts it.
const redis = await useRedis({ dedicated: true });

describe('interest routing through a Redis outage', { skip: redis.skip, timeout: 45_000 }, () => {
  const nodes: NodeProcess[] = [];
  const clients: WsTestClient[] = [];

  before(async () => {
    if (redis.skip !== undefined) return;
    const env = { REDIS_URL: redis.url, KEY_PREFIX: uniquePrefix('interest-outage'), RECONNECT_MAX_DELAY_MS: '200', INTEREST_LINGER_MS: '100', LOG_LEVEL: 'warn' };
    nodes.push(...(await Promise.all([0, 1].map(() => NodeProcess.start(env)))));
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(nodes.map((node) => node.stop()));
  });

  it('resolves a join at once while Redis is away, carries the room once it is back, and drops rooms left meanwhile', async () => {
    const [n0, n1] = nodes as [NodeProcess, NodeProcess];
    const server = redis.skip === undefined ? redis.server! : undefined;
    const [speaker, member] = await Promise.all([WsTestClient.toNode(n0.port, 'speaker'), WsTestClient.toNode(n1.port, 'member')]);
    clients.push(speaker, member);
    await member.call('room.join', { room: 'left-during' });

    await server!.stop();
    await Promise.all(nodes.map((node) => node.until((n) => n.redisStatus === 'down', 'Redis reported down')));
    // Bounded by the call's own timeout: a join waiting for a subscription it cannot make would hang here.
    assert.deepEqual(await member.call('room.join', { room: 'joined-during' }, 2000), { room: 'joined-during' });
    await member.call('room.leave', { room: 'left-during' }, 2000);
    // The left room's linger (100 ms) runs out while Redis is away.
    await new Promise((resolve) => setTimeout(resolve, 300));

    await server!.restart();
    await Promise.all(nodes.map((node) => node.until((n) => n.redisStatus === 'up', 'Redis reported up again')));
    await speaker.call('room.say', { room: 'joined-during', text: 'after the outage' });
    assert.equal((await member.take('fixture.message')).text, 'after the outage', 'the room joined during the outage is carried');

    const stats = async (): Promise<{ received: number; channels: number }> => (await member.call('backplane.stats', {})) as { received: number; channels: number };
    // The shared channel, the member's connection and user, the room joined during the outage.
    await eventually(async () => (await stats()).channels === 4, 5000, 'only the channels still needed');
    const before = (await stats()).received;
    await speaker.call('room.say', { room: 'left-during', text: 'nobody here' });
    await speaker.call('direct.send', { connectionId: member.connectionId, text: 'marker' });
    assert.equal((await member.take('fixture.message')).text, 'marker');
    assert.equal((await stats()).received - before, 1, 'the room left during the outage is not carried');
  });
});
