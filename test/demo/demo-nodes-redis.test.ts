/**
 * The demo as users run it to scale out: several `npm start` processes on one
 * Redis. Chat and carts cross nodes; presence lists members on every node.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { connectDemoClient, nextEvent, type DemoClient } from '../support/demo-client.js';
import { useRedis } from '../support/redis.js';

const redis = await useRedis();
const main = fileURLToPath(new URL('../../demo/main.js', import.meta.url));

/** Starts `demo/main.js` on a free port; resolves with its WebSocket URL once it listens. */
async function startNode(redisUrl: string): Promise<{ wsUrl: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', REDIS_URL: redisUrl, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  for await (const line of lines) {
    const url = /WebSocket at (ws:\/\/[^\s,]+)/.exec(line)?.[1];
    if (url !== undefined) {
      clearTimeout(timer);
      lines.on('line', () => undefined);
      return { wsUrl: url, child };
    }
  }
  throw new Error('the demo exited before it listened');
}

describe('the demo on two nodes sharing Redis', { skip: redis.skip ?? false, timeout: 40_000 }, () => {
  const nodes: Array<{ wsUrl: string; child: ChildProcess }> = [];
  const clients: DemoClient[] = [];
  const connect = async (node: number, user: string): Promise<DemoClient> => {
    const client = await connectDemoClient(nodes[node]!.wsUrl, user);
    clients.push(client);
    return client;
  };

  before(async () => {
    if (redis.skip !== undefined) return;
    nodes.push(await startNode(redis.url), await startNode(redis.url));
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    for (const { child } of nodes) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('delivers chat between members of one room on different nodes, and lists them all', async () => {
    const room = `lobby-${randomUUID()}`;
    const ada = await connect(0, `ada-${randomUUID()}`);
    const bob = await connect(1, `bob-${randomUUID()}`);
    await ada.request('room.join', { room });
    const joined = nextEvent(ada, 'room.joined');
    const { members } = await bob.request('room.join', { room });
    assert.equal(members.length, 2);
    assert.equal((await joined).room, room);
    const heard = nextEvent(bob, 'chat.message');
    await ada.request('chat.say', { room, text: 'across nodes' });
    assert.equal((await heard).text, 'across nodes');
  });

  it('keeps one cart for a user whose tabs sit on different nodes', async () => {
    const user = `cara-${randomUUID()}`;
    const tabOne = await connect(0, user);
    const tabTwo = await connect(1, user);
    const updated = nextEvent(tabTwo, 'cart.updated');
    await tabOne.request('cart.addItem', { itemId: 'mug', quantity: 2 });
    assert.equal((await updated).totalQuantity, 2);
    assert.equal((await tabTwo.request('cart.get', {})).totalQuantity, 2);
  });
});
