/**
 * A resume tells interest routing: the node a session resumes on subscribes
 * to the restored rooms and to the session's connection id before it reads
 * the history, so events published afterwards arrive live there even when
 * no other member of the room is on that node. Two applications on one
 * Redis with interest routing, real sockets.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import { defineCommand, to } from '../../src/index.js';
import { Shouted } from '../support/fixtures.js';
import { uniquePrefix, useRedis } from '../support/redis.js';
import { eventually } from '../support/socket-harness.js';
import { ask, connect, dropTcp, grantOf, idOf, positionsOf, resume, shout, shoutsOf, startRecoveryNode, closeRecoveryNodes, type RecoveryNode } from './support.js';

const redis = await useRedis();

/** A volatile event to a room: not kept, delivered only live. */
const Whisper = defineCommand('test.whisper', { payload: z.object({ room: z.string(), text: z.string() }) });

type Node = RecoveryNode;

const nodes: Node[] = [];

function node(url: string, keyPrefix: string): Promise<Node> {
  return startRecoveryNode(nodes, {
    url,
    keyPrefix,
    scaleOut: { routing: 'interest', interestLingerMs: 200 },
    setup: (application) => application.register(Whisper, ({ room, text }, ctx) => ctx.publish(Shouted, { text, from: ctx.connectionId }, to.room(room), { volatile: true })),
  });
}

after(() => closeRecoveryNodes(nodes));

describe('a resume and interest routing', { skip: redis.skip, timeout: 30_000 }, () => {
  const url = redis.skip === undefined ? redis.url : '';

  it('drop on node A, resume on node B with no other member of the room: later events reach B live (recorded, volatile, and to the connection id)', async () => {
    const prefix = uniquePrefix('resume-interest');
    const a = await node(url, prefix);
    const b = await node(url, prefix);
    const alice = await connect(a.url, 'alice');
    const amy = await connect(a.url, 'amy');
    await alice.exchange('test.join', { room: 'solo' });
    await amy.exchange('test.join', { room: 'solo' });
    await shout(amy, 'solo', ['before']);
    await eventually(() => shoutsOf(alice).length === 1, 5000, 'the first event');
    const id = idOf(alice);
    const { token } = grantOf(alice);
    const positions = positionsOf(alice);
    await dropTcp(alice, a.app, 'solo');
    await shout(amy, 'solo', ['missed']);

    const again = await connect(b.url, 'alice');
    const { before: replayed, result } = await resume(again, token, positions);
    assert.equal(result.recovered, true);
    assert.deepEqual(result.rooms, ['solo']);
    assert.deepEqual(replayed.filter((frame) => frame.type === 'test.shouted').map((frame) => (frame.payload as { text: string }).text), ['missed']);

    const mark = again.frames.length;
    await shout(amy, 'solo', ['live 1', 'live 2']);
    await ask(amy, 'w-1', 'test.whisper', { room: 'solo', text: 'volatile' });
    await ask(amy, 'c-1', 'test.shout', { text: 'to the id', audience: 'connection', id });
    await eventually(() => shoutsOf(again, mark).length === 4, 5000, 'the live events on node B');
    assert.deepEqual(shoutsOf(again, mark), ['live 1', 'live 2', 'volatile', 'to the id']);
    assert.ok(b.scaleOut.backplane.stats.recorded >= 3, 'node B received the recorded events itself');
    await Promise.all([again.close(), amy.close()]);
  });

  it('a resumed connection that leaves the room stops node B receiving it, and its close releases the resumed id', async () => {
    const prefix = uniquePrefix('resume-release');
    const a = await node(url, prefix);
    const b = await node(url, prefix);
    const carol = await connect(a.url, 'carol');
    await carol.exchange('test.join', { room: 'gone' });
    const { token } = grantOf(carol);
    const positions = positionsOf(carol);
    const channelsBefore = b.scaleOut.backplane.channels;
    await dropTcp(carol, a.app, 'gone');
    const again = await connect(b.url, 'carol');
    assert.equal((await resume(again, token, positions)).result.recovered, true);
    // The resumed id, the room, the user's and the new connection's own id (lingering) are subscribed.
    assert.ok(b.scaleOut.backplane.channels >= channelsBefore + 3);
    await again.close();
    await eventually(() => b.scaleOut.backplane.channels <= channelsBefore, 10_000, 'node B to release the resumed session\'s channels');
  });
});
