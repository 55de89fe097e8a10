import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NodeProcess } from './node-process.js';
import { uniquePrefix } from './redis.js';
import { WsTestClient } from './ws-test-client.js';
import { eventually } from './socket-harness.js';

const HEARTBEAT_MS = 200;
const PRESENCE_TTL_MS = 1000;

/**
 * A node SIGKILLed under two others: its presence expires within
 * `presenceTtlMs`, and the others keep exchanging events.
 *
 * @example
 * describeNodeDeath('a node killed without cleanup', redis.skip, () => ({ REDIS_URL: redis.url }));
 */
export function describeNodeDeath(title: string, skip: string | undefined, redisEnv: () => Record<string, string>): void {
  describe(title, { skip, timeout: 60_000 }, () => {
    const nodes: NodeProcess[] = [];
    const clients: WsTestClient[] = [];

    before(async () => {
      if (skip !== undefined) return;
      const env = {
        ...redisEnv(),
        KEY_PREFIX: uniquePrefix('death'),
        HEARTBEAT_MS: String(HEARTBEAT_MS),
        PRESENCE_TTL_MS: String(PRESENCE_TTL_MS),
        LOG_LEVEL: 'warn',
      };
      nodes.push(...(await Promise.all([0, 1, 2].map(() => NodeProcess.start(env)))));
      clients.push(...(await Promise.all(nodes.map((node, index) => WsTestClient.toNode(node.port, `user-${index}`)))));
      await Promise.all(clients.map((client) => client.call('room.join', { room: 'den' })));
    });

    after(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await Promise.all(nodes.map((node) => node.stop()));
    });

    it(`vanishes from presence within presenceTtlMs (${PRESENCE_TTL_MS} ms), and the other nodes keep working`, async (t) => {
      const [a, b, doomed] = clients as [WsTestClient, WsTestClient, WsTestClient];
      assert.deepEqual(await a.call('presence.members', { room: 'den' }), { connectionIds: clients.map((client) => client.connectionId).sort() });

      const killedAt = performance.now();
      await nodes[2]!.kill();
      const survivors = { connectionIds: [a.connectionId, b.connectionId].sort() };
      // Presence is read state, not an event: ask until the dead node's entry is gone, bounded well past the TTL.
      let listed: unknown;
      await eventually(
        async () => {
          listed = await a.call('presence.members', { room: 'den' });
          return JSON.stringify(listed) === JSON.stringify(survivors);
        },
        3 * PRESENCE_TTL_MS,
        "the killed node's member to vanish from the room",
      ).catch(() => assert.deepEqual(listed, survivors));
      const expiredAfter = performance.now() - killedAt;
      t.diagnostic(`presence expiry after SIGKILL: ${expiredAfter.toFixed(0)} ms (heartbeat ${HEARTBEAT_MS} ms, TTL ${PRESENCE_TTL_MS} ms)`);
      assert.ok(expiredAfter <= PRESENCE_TTL_MS + HEARTBEAT_MS, `expired after ${expiredAfter.toFixed(0)} ms`);
      assert.deepEqual(await b.call('presence.sessions', { userId: 'user-2' }), { connectionIds: [] });
      assert.ok(doomed.connectionId.length > 0);

      await a.call('room.say', { room: 'den', text: 'still here' });
      assert.equal((await b.take('fixture.message')).text, 'still here');
    });
  });
}
