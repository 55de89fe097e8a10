/**
 * Recorded events follow interest routing: with recovery on Redis, an event
 * kept in history travels on its audience's channel, so a node with no
 * member of a room receives none of that room's events; under broadcast
 * routing every node still gets them. Two applications on one Redis, real
 * sockets.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { RedisBackplaneStats } from '../../src/redis.js';
import { uniquePrefix, useRedis } from '../support/redis.js';
import { eventually } from '../support/socket-harness.js';
import { closeRecoveryNodes, connect, positionsOf, shout, shoutsOf, startRecoveryNode, type RecoveryFrame, type RecoveryNode } from './support.js';

const redis = await useRedis();

type Node = RecoveryNode;

const nodes: Node[] = [];

function node(url: string, keyPrefix: string, routing: 'interest' | 'broadcast'): Promise<Node> {
  return startRecoveryNode(nodes, { url, keyPrefix, scaleOut: { routing } });
}

function statsOf(node: Node): RedisBackplaneStats {
  return node.scaleOut.backplane.stats;
}

after(() => closeRecoveryNodes(nodes));

describe('recorded events and interest routing', { skip: redis.skip, timeout: 30_000 }, () => {
  const url = redis.skip === undefined ? redis.url : '';

  it('a node with no member of a room receives none of its recorded events; the node with members delivers them with positions', async () => {
    const prefix = uniquePrefix('recorded-interest');
    const a = await node(url, prefix, 'interest');
    const b = await node(url, prefix, 'interest');
    const alice = await connect(a.url, 'alice');
    const amy = await connect(a.url, 'amy');
    const bob = await connect(b.url, 'bob');
    await alice.exchange('test.join', { room: 'local' });
    await amy.exchange('test.join', { room: 'local' });
    const before = { a: statsOf(a), b: statsOf(b), bHistory: b.history.received };

    const texts = Array.from({ length: 20 }, (_, index) => `e${index}`);
    await shout(amy, 'local', texts);
    await eventually(() => shoutsOf(alice).length === texts.length, 5000, 'alice to get every event');
    assert.deepEqual(shoutsOf(alice), texts);
    const positioned = (alice.frames as RecoveryFrame[]).filter((frame) => frame.type === 'test.shouted');
    assert.ok(positioned.every((frame) => frame.stream === 'room:local' && typeof frame.pos === 'string'), 'every recorded event carries its position');
    assert.ok(positionsOf(alice)['room:local'] !== undefined);

    // Something crossing both nodes afterwards proves node B's subscriptions were flowing all along.
    await alice.exchange('test.shout', { text: 'to bob', audience: 'user', id: 'bob' });
    await bob.waitFor((frame) => frame.type === 'test.shouted');
    assert.equal(b.history.received - before.bHistory, 1, 'node B received only the event for its own user');
    assert.equal(statsOf(b).recorded - before.b.recorded, 1);
    assert.equal(statsOf(b).received - before.b.received, 0);
    assert.equal(statsOf(a).recorded - before.a.recorded, texts.length, 'node A delivered its own recorded events from Redis');
    assert.equal(statsOf(a).echoed - before.a.echoed, 0);
    await Promise.all([alice.close(), amy.close(), bob.close()]);
  });

  it('under broadcast routing every node receives every recorded event, and a member on the other node gets them in order', async () => {
    const prefix = uniquePrefix('recorded-broadcast');
    const a = await node(url, prefix, 'broadcast');
    const b = await node(url, prefix, 'broadcast');
    const c = await node(url, prefix, 'broadcast');
    const alice = await connect(a.url, 'alice');
    const bob = await connect(b.url, 'bob');
    await connect(c.url, 'carol').then((carol) => carol.close());
    await alice.exchange('test.join', { room: 'wide' });
    await bob.exchange('test.join', { room: 'wide' });
    const before = c.history.received;
    const texts = ['w1', 'w2', 'w3', 'w4', 'w5'];
    await shout(alice, 'wide', texts);
    await eventually(() => shoutsOf(bob).length === texts.length, 5000, 'bob to get every event');
    assert.deepEqual(shoutsOf(bob), texts);
    assert.ok((bob.frames as RecoveryFrame[]).filter((frame) => frame.type === 'test.shouted').every((frame) => frame.stream === 'room:wide' && frame.pos !== undefined));
    await eventually(() => c.history.received - before >= texts.length, 5000, 'node C to receive the room\'s events');
    await Promise.all([alice.close(), bob.close()]);
  });
});
