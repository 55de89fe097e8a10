import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NodeProcess } from './node-process.js';
import { uniquePrefix } from './redis.js';
import { WsTestClient } from './ws-test-client.js';
import { eventually } from './socket-harness.js';

/**
 * The cross-node suite: three nodes, rooms, users, all, ordering, presence.
 * `env` gives the nodes' Redis (and routing); `skip` skips it with a reason.
 *
 * @example
 * describeThreeNodes('three nodes on one Redis', redis.skip, () => ({ REDIS_URL: redis.url }));
 */
export function describeThreeNodes(title: string, skip: string | undefined, redisEnv: () => Record<string, string>): void {
  describe(title, { skip, timeout: 60_000 }, () => {
    const nodes: NodeProcess[] = [];
    const clients: WsTestClient[] = [];
    let a: WsTestClient; // alice, node 0
    let d: WsTestClient; // dave, node 0: a local room member on the publishing node
    let b: WsTestClient; // bob, node 1
    let c: WsTestClient; // carol, node 2
    let a2: WsTestClient; // alice's second session, node 2

    before(async () => {
      if (skip !== undefined) return;
      const env = { ...redisEnv(), KEY_PREFIX: uniquePrefix('cluster'), LOG_LEVEL: 'warn' };
      nodes.push(...(await Promise.all([0, 1, 2].map(() => NodeProcess.start(env)))));
      const [n0, n1, n2] = nodes as [NodeProcess, NodeProcess, NodeProcess];
      [a, d, b, c, a2] = await Promise.all([
        WsTestClient.toNode(n0.port, 'alice'),
        WsTestClient.toNode(n0.port, 'dave'),
        WsTestClient.toNode(n1.port, 'bob'),
        WsTestClient.toNode(n2.port, 'carol'),
        WsTestClient.toNode(n2.port, 'alice'),
      ]);
      clients.push(a, d, b, c, a2);
      await Promise.all([a, d, b, c].map((client) => client.call('room.join', { room: 'lobby' })));
    });

    after(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await Promise.all(nodes.map((node) => node.stop()));
    });

    it('delivers a room event to members on every node, except the sender, once each', async () => {
      await a.call('room.say', { room: 'lobby', text: 'hi' });
      assert.equal((await b.take('fixture.message')).text, 'hi');
      assert.equal((await c.take('fixture.message')).text, 'hi');
      assert.equal((await d.take('fixture.message')).text, 'hi');
      // A marker sent afterwards from another node: had the sender or the local member got "hi" (again), it would come first.
      await b.call('direct.send', { connectionId: a.connectionId, text: 'marker' });
      await b.call('direct.send', { connectionId: d.connectionId, text: 'marker' });
      assert.equal((await a.take('fixture.message')).text, 'marker');
      assert.equal((await d.take('fixture.message')).text, 'marker');
      assert.deepEqual(a2.untaken(), [], 'not a member of the room');
    });

    it('delivers a user event to every session of the user, on different nodes', async () => {
      await b.call('user.notify', { userId: 'alice', text: 'your order shipped' });
      assert.equal((await a.take('fixture.message')).text, 'your order shipped');
      assert.equal((await a2.take('fixture.message')).text, 'your order shipped');
    });

    it('delivers to all connections on every node, except the sender', async () => {
      await c.call('all.say', { text: 'everyone' });
      for (const client of [a, d, b, a2]) assert.equal((await client.take('fixture.message')).text, 'everyone');
      await a.call('direct.send', { connectionId: c.connectionId, text: 'marker' });
      assert.equal((await c.take('fixture.message')).text, 'marker');
    });

    it('keeps the order of one publisher across nodes', async () => {
      for (let index = 0; index < 50; index += 1) a.call('room.say', { room: 'lobby', text: String(index) }).catch(() => undefined);
      for (let index = 0; index < 50; index += 1) assert.equal((await c.take('fixture.message')).text, String(index));
    });

    it('lists the members of a room and the sessions of a user across nodes, from any node', async () => {
      const expected = [a, b, c, d].map((client) => client.connectionId).sort();
      for (const client of [a, b, c]) {
        assert.deepEqual(await client.call('presence.members', { room: 'lobby' }), { connectionIds: expected });
      }
      assert.deepEqual(await b.call('presence.sessions', { userId: 'alice' }), { connectionIds: [a.connectionId, a2.connectionId].sort() });
    });

    it('forgets a session that leaves, on every node', async () => {
      await d.close();
      const expected = [a, b, c].map((client) => client.connectionId).sort();
      // The disconnect is recorded asynchronously on node 0: presence is read state, with no event to await.
      let listed: unknown;
      await eventually(
        async () => {
          listed = await c.call('presence.members', { room: 'lobby' });
          return JSON.stringify(listed) === JSON.stringify({ connectionIds: expected });
        },
        5000,
        'node 2 to stop listing the closed session in the room',
      ).catch(() => assert.deepEqual(listed, { connectionIds: expected }));
    });
  });
}
