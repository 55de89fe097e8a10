import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { WsTestClient } from '../../support/ws-test-client.js';
import { NodeProcess } from '../../support/node-process.js';
import { uniquePrefix, useRedis } from '../../support/redis.js';
import { eventually } from '../../support/socket-harness.js';

const redis = await useRedis();

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const audience = { kind: 'room', id: 'ops' };
const event = { type: 'fixture.message', payload: { text: 'forged' }, audience };

/** Everything a node must drop: not JSON, or JSON that is not the shape a node publishes. */
const malformed: Array<string | Buffer> = [
  'null',
  '0',
  '-1e400',
  'true',
  '"a string"',
  '[]',
  '[{"n":"x","e":{}}]',
  '{}',
  '',
  'not json at all',
  '{"n":"x","e":',
  Buffer.from([0x7b, 0x22, 0x6e, 0xff, 0xfe, 0xfd, 0x22, 0x7d]),
  Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]),
  'x'.repeat(1 << 20),
  JSON.stringify('x'.repeat(1 << 20)),
  nested(100_000),
  '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000),
  // Each field missing, then each of the wrong type.
  JSON.stringify({ e: event }),
  JSON.stringify({ n: 'intruder' }),
  JSON.stringify({ n: 'intruder', e: { payload: {}, audience } }),
  JSON.stringify({ n: 'intruder', e: { type: 'fixture.message', payload: {} } }),
  JSON.stringify({ n: '', e: event }),
  JSON.stringify({ n: 7, e: event }),
  JSON.stringify({ n: null, e: event }),
  JSON.stringify({ n: 'intruder', e: null }),
  JSON.stringify({ n: 'intruder', e: [] }),
  JSON.stringify({ n: 'intruder', e: 'event' }),
  JSON.stringify({ n: 'intruder', e: { ...event, type: '' } }),
  JSON.stringify({ n: 'intruder', e: { ...event, type: 42 } }),
  JSON.stringify({ n: 'intruder', e: { ...event, type: { toString: 'x' } } }),
  JSON.stringify({ n: 'intruder', e: { ...event, volatile: 'yes' } }),
  JSON.stringify({ n: 'intruder', e: { ...event, audience: null } }),
  JSON.stringify({ n: 'intruder', e: { ...event, audience: 'ops' } }),
  JSON.stringify({ n: 'intruder', e: { ...event, audience: [] } }),
  JSON.stringify({ n: 'intruder', e: { ...event, audience: {} } }),
  JSON.stringify({ n: 'intruder', e: { ...event, audience: { kind: 'planet', id: 'x' } } }),
  JSON.stringify({ n: 'intruder', e: { ...event, audience: { kind: 'room' } } }),
  JSON.stringify({ n: 'intruder', e: { ...event, audience: { kind: 'room', id: 5 } } }),
  JSON.stringify({ n: 'intruder', e: { ...event, audience: { kind: 'user', id: null } } }),
  JSON.stringify({ n: 'intruder', e: { ...event, audience: { kind: 'connection', id: ['c'] } } }),
  JSON.stringify({ n: 'intruder', e: { ...event, audience: { kind: 'all', exclude: 3 } } }),
  JSON.stringify({ n: 'intruder', e: { ...event, audience: { kind: 'room', id: 'ops', exclude: {} } } }),
  JSON.stringify({ n: 'intruder', e: { ...event, audience: { kind: { kind: 'all' } } } }),
];

describe('garbage on the Redis channel and keys the nodes use', { skip: redis.skip, timeout: 60_000 }, () => {
  const prefix = uniquePrefix('garbage');
  const nodes: NodeProcess[] = [];
  const clients: WsTestClient[] = [];
  let intruder: Redis;

  before(async () => {
    if (redis.skip !== undefined) return;
    const env = { REDIS_URL: redis.url, KEY_PREFIX: prefix, LOG_LEVEL: 'warn' };
    nodes.push(...(await Promise.all([0, 1].map(() => NodeProcess.start(env)))));
    const [n0, n1] = nodes as [NodeProcess, NodeProcess];
    clients.push(...(await Promise.all([WsTestClient.toNode(n0.port, 'ann'), WsTestClient.toNode(n1.port, 'ben')])));
    await Promise.all(clients.map((client) => client.call('room.join', { room: 'ops' })));
    intruder = new Redis(redis.url);
  });

  after(async () => {
    intruder?.disconnect();
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(nodes.map((node) => node.stop()));
  });

  it('drops and counts every malformed message, logs them once, and both nodes keep serving (regression: `null` killed every node)', async () => {
    const [ann, ben] = clients as [WsTestClient, WsTestClient];
    for (const message of malformed) {
      assert.equal(await intruder.publish(`${prefix}events`, message), 2, 'both nodes are subscribed to the channel');
    }
    // Channels and keys next to the one the nodes listen on: presence hashes, liveness keys of the wrong type.
    for (const channel of [`${prefix}events:x`, `${prefix}`, `${prefix}room:ops`]) await intruder.publish(channel, 'null');
    await intruder.hset(`${prefix}room:ops`, { junk: 'null', 'junk-2': JSON.stringify({ n: nodes[0]!.nodeId, e: 1 }), 'junk-3': nested(10_000) });
    await intruder.hset(`${prefix}node:intruder`, { a: '1' });
    await intruder.hset(`${prefix}room:ops`, { 'junk-4': JSON.stringify({ n: 'intruder', e: 'x', u: null }) });

    for (const node of nodes) {
      await eventually(
        async () => (await statsOf(node)).malformed === malformed.length,
        10_000,
        `node ${node.nodeId} to count ${malformed.length} malformed messages`,
      );
    }
    for (const node of nodes) {
      assert.ok(node.alive, 'the node process is alive');
      const lines = node.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry['msg'] === 'malformed backplane messages dropped');
      assert.equal(lines.length, 1, 'one log line for the whole burst (the next comes at the end of the interval, with the count)');
    }

    await ann.call('room.say', { room: 'ops', text: 'still crossing' });
    assert.equal((await ben.take('fixture.message')).text, 'still crossing');
    assert.deepEqual(await ben.call('presence.members', { room: 'ops' }), { connectionIds: [ann.connectionId, ben.connectionId].sort() });
    assert.deepEqual((await intruder.hkeys(`${prefix}room:ops`)).sort(), [ann.connectionId, ben.connectionId].sort(), 'the read removed the junk entries');
  });

  async function statsOf(node: NodeProcess): Promise<{ malformed: number; rejected: number }> {
    const client = clients[nodes.indexOf(node)]!;
    return (await client.call('backplane.stats', {})) as { malformed: number; rejected: number };
  }
});
