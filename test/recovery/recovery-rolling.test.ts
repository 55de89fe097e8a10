/**
 * A rolling deploy with recovery: SIGTERM one of two node processes under
 * traffic; every client that moves to the other node and resumes has lost
 * nothing and got nothing twice (every event counted).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { NodeProcess } from '../support/node-process.js';
import { uniquePrefix, useRedis } from '../support/redis.js';
import { within } from '../support/socket-harness.js';
import { WsTestClient } from '../support/ws-test-client.js';
import { grantOf, positionsOf, resume, type RecoveryFrame } from './support.js';

const redis = await useRedis();
const CLIENTS = 8;
const EVENTS = 200;

describe('a rolling deploy with recovery', { skip: redis.skip, timeout: 60_000 }, () => {
  const nodes: NodeProcess[] = [];
  after(async () => {
    await Promise.all(nodes.map((node) => node.kill()));
  });

  it('loses no event of a room for the clients of a node stopped with SIGTERM under traffic', async () => {
    const env = { REDIS_URL: (redis as { url: string }).url, KEY_PREFIX: uniquePrefix('rolling'), RECOVERY: '1' };
    const [a, b] = await Promise.all([NodeProcess.start(env), NodeProcess.start(env)]);
    nodes.push(a as NodeProcess, b as NodeProcess);
    const urlOf = (node: NodeProcess, user: string): string => `ws://127.0.0.1:${node.port}/ws?user=${user}`;
    const publisher = await WsTestClient.connect(urlOf(b as NodeProcess, 'publisher'));
    await publisher.exchange('room.join', { room: 'deploy' });
    const clients: WsTestClient[] = [];
    for (let index = 0; index < CLIENTS; index++) {
      const client = await WsTestClient.connect(urlOf(a as NodeProcess, `user${index}`));
      const joined = await client.exchange('room.join', { room: 'deploy' });
      assert.equal(joined.kind, 'result');
      clients.push(client);
    }
    // Each client moves to node B as soon as node A closes its socket, and resumes there.
    const moved = clients.map(async (client, index) => {
      await within(client.closed, 30_000, 'node A to close the socket');
      const next = await WsTestClient.connect(urlOf(b as NodeProcess, `user${index}`));
      const { result } = await resume(next, grantOf(client).token, positionsOf(client));
      return { next, result };
    });
    const published: string[] = [];
    const traffic = (async () => {
      for (let n = 0; n < EVENTS; n++) {
        const text = `e${n}`;
        published.push(text);
        await publisher.exchange('room.say', { room: 'deploy', text });
      }
    })();
    // Under traffic: node A is told to stop while events flow.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const stopping = (a as NodeProcess).stop(15_000);
    await traffic;
    await stopping;
    const resumed = await Promise.all(moved);
    for (const { result } of resumed) assert.equal(result.recovered, true);
    const last = published.at(-1) as string;
    for (let index = 0; index < CLIENTS; index++) {
      const { next } = resumed[index] as { next: WsTestClient };
      await next.waitFor((frame) => frame.type === 'fixture.message' && (frame.payload as { text: string }).text === last, `the last event (client ${index})`, 10_000);
      const frames = [...clients[index]!.frames, ...next.frames] as RecoveryFrame[];
      const texts = frames.filter((frame) => frame.type === 'fixture.message').map((frame) => (frame.payload as { text: string }).text);
      assert.deepEqual(texts, published, `client ${index} got every event once, in order`);
    }
    await Promise.all([publisher.close(), ...resumed.map(({ next }) => next.close())]);
  });
});
