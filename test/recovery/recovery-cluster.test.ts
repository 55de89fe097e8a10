/**
 * Recovery on a 3-master Redis Cluster with interest routing: a recorded
 * event is appended and published (SPUBLISH) by one script on its stream's
 * shard, reaches only the nodes with a member of its room, and a session
 * dropped on node A resumes on node B with what it missed, then live events.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { useRedisCluster } from '../support/redis-cluster.js';
import { uniquePrefix } from '../support/redis.js';
import { eventually, within } from '../support/socket-harness.js';
import { connect, dropTcp, grantOf, positionsOf, resume, shout, shoutsOf, startRecoveryNode, closeRecoveryNodes, type RecoveryFrame, type RecoveryNode } from './support.js';

const redis = await useRedisCluster({ masters: 3 });

type Node = RecoveryNode;

const nodes: Node[] = [];

function node(url: string, keyPrefix: string): Promise<Node> {
  return startRecoveryNode(nodes, { url, keyPrefix });
}

after(() => closeRecoveryNodes(nodes));

describe('recovery on a Redis Cluster (interest routing, sharded pub/sub)', { skip: redis.skip, timeout: 30_000 }, () => {
  it('delivers recorded events only where the room has members, and resumes a session dropped on node A on node B', async () => {
    if (redis.skip !== undefined) return;
    const prefix = uniquePrefix('recovery-cluster');
    const a = await node(redis.cluster.url, prefix);
    const b = await node(redis.cluster.url, prefix);
    const alice = await connect(a.url, 'alice');
    const amy = await connect(a.url, 'amy');
    const bob = await connect(b.url, 'bob');
    await alice.exchange('test.join', { room: 'shard' });
    await amy.exchange('test.join', { room: 'shard' });
    const before = b.history.received;
    await shout(amy, 'shard', ['one', 'two', 'three']);
    await eventually(() => shoutsOf(alice).length === 3, 5000, 'alice to get the events');
    assert.ok((alice.frames as RecoveryFrame[]).filter((frame) => frame.type === 'test.shouted').every((frame) => frame.stream === 'room:shard' && frame.pos !== undefined));
    await alice.exchange('test.shout', { text: 'to bob', audience: 'user', id: 'bob' });
    await bob.waitFor((frame) => frame.type === 'test.shouted');
    assert.equal(b.history.received - before, 1, 'node B received only the event for its own user');

    const { token } = grantOf(alice);
    const positions = positionsOf(alice);
    await dropTcp(alice, a.app, 'shard');
    await shout(amy, 'shard', ['missed 1', 'missed 2']);
    const again = await connect(b.url, 'alice');
    const { before: replayed, result } = await resume(again, token, positions);
    assert.equal(result.recovered, true);
    assert.deepEqual(replayed.filter((frame) => frame.type === 'test.shouted').map((frame) => (frame.payload as { text: string }).text), ['missed 1', 'missed 2']);
    const mark = again.frames.length;
    await shout(amy, 'shard', ['live']);
    await eventually(() => shoutsOf(again, mark).length === 1, 5000, 'the live event on node B');
    assert.deepEqual(shoutsOf(again, mark), ['live']);
    await Promise.all([again.close(), amy.close(), bob.close()]);
  });
});
