import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NodeProcess } from '../../support/node-process.js';
import { uniquePrefix, useRedis } from '../../support/redis.js';
import { WsTestClient } from '../../support/ws-test-client.js';
import { eventually } from '../../support/socket-harness.js';

// Its own redis-server, since this test stops and restarts it.
const redis = await useRedis({ dedicated: true });

function outageLines(node: NodeProcess, component: string): Array<Record<string, unknown>> {
  return node.logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry['component'] === component && String(entry['msg']).startsWith('redis unavailable'));
}

describe('Redis stopped and restarted under two nodes', { skip: redis.skip, timeout: 60_000 }, () => {
  const nodes: NodeProcess[] = [];
  const clients: WsTestClient[] = [];

  before(async () => {
    if (redis.skip !== undefined) return;
    const env = { REDIS_URL: redis.url, KEY_PREFIX: uniquePrefix('outage'), RECONNECT_MAX_DELAY_MS: '200', LOG_LEVEL: 'info' };
    nodes.push(...(await Promise.all([0, 1].map(() => NodeProcess.start(env)))));
    const [n0, n1] = nodes as [NodeProcess, NodeProcess];
    clients.push(
      ...(await Promise.all([WsTestClient.toNode(n0.port, 'ann'), WsTestClient.toNode(n0.port, 'abe'), WsTestClient.toNode(n1.port, 'ben')])),
    );
    await Promise.all(clients.map((client) => client.call('room.join', { room: 'ops' })));
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(nodes.map((node) => node.stop()));
  });

  it('serves local traffic during the outage, drops cross-node events, logs it once, and recovers on its own', async () => {
    const [n0, n1] = nodes as [NodeProcess, NodeProcess];
    const [ann, abe, ben] = clients as [WsTestClient, WsTestClient, WsTestClient];
    const server = redis.skip === undefined ? redis.server! : undefined;

    await ann.call('room.say', { room: 'ops', text: 'before' });
    assert.equal((await ben.take('fixture.message')).text, 'before');
    assert.equal((await abe.take('fixture.message')).text, 'before');

    await server!.stop();
    await Promise.all(nodes.map((node) => node.until((n) => n.redisStatus === 'down', 'Redis reported down')));

    for (const text of ['during-1', 'during-2', 'during-3']) await ann.call('room.say', { room: 'ops', text });
    for (const text of ['during-1', 'during-2', 'during-3']) assert.equal((await abe.take('fixture.message')).text, text, 'local delivery continues');
    assert.deepEqual(await ben.call('room.join', { room: 'ops-2' }), { room: 'ops-2' }, 'commands are still served');
    // Regression: the read threw a plain Error, which reached the client as INTERNAL.
    await assert.rejects(ben.call('presence.members', { room: 'ops' }), { code: 'UNAVAILABLE', message: 'presence is unavailable: Redis is unreachable' }, 'presence reads need Redis');

    await server!.restart();
    await Promise.all(nodes.map((node) => node.until((n) => n.redisStatus === 'up', 'Redis reported up again')));

    // Presence is written back after the restart emptied Redis; it shows once the write-back has landed.
    const everyone = { connectionIds: clients.map((client) => client.connectionId).sort() };
    let listed: unknown;
    await eventually(
      async () => {
        listed = await ben.call('presence.members', { room: 'ops' }).catch(() => undefined);
        return JSON.stringify(listed) === JSON.stringify(everyone);
      },
      5000,
      'presence written back after the restart',
    ).catch(() => assert.deepEqual(listed, everyone));

    await ann.call('room.say', { room: 'ops', text: 'after' });
    assert.equal((await ben.take('fixture.message')).text, 'after', 'events published while Redis was away are dropped, not replayed');

    for (const node of nodes) assert.equal(outageLines(node, 'redis-backplane').length, 1, 'the outage is logged once per node');
    const back = n0.logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry['component'] === 'redis-backplane' && entry['msg'] === 'redis is back');
    assert.equal(back?.['lost'], 3, 'the recovery line counts the dropped events');
    assert.equal(n1.redisStatus, 'up');
  });
});
