/**
 * The demo with recovery on Redis: a page whose node restarts comes back
 * without losing a chat line sent while it was away, and without re-joining.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { startDemoServer, type DemoServer } from '../../demo/demo-server.js';
import { collect, connectDemoClient, type DemoClient } from '../support/demo-client.js';
import { useRedis } from '../support/redis.js';
import { eventually } from '../support/socket-harness.js';

const redis = await useRedis();
const logger = pino({ level: 'silent' });
const fastRetry = { initialDelayMs: 10, maxDelayMs: 100, jitter: 0.5 };

describe('the demo survives a restart of its node', { skip: redis.skip ?? false, timeout: 40_000 }, () => {
  const servers: DemoServer[] = [];
  const clients: DemoClient[] = [];
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    for (const server of servers) await server.close();
  });

  it('replays the chat line sent while the node was down, in order, and calls no onReconnect', async () => {
    const redisUrl = (redis as { url: string }).url;
    const room = `recovery-${randomUUID()}`;
    const a = await startDemoServer({ port: 0, logger, redisUrl });
    const b = await startDemoServer({ port: 0, logger, redisUrl });
    servers.push(a, b);
    let reconnects = 0;
    const ada = await connectDemoClient(a.wsUrl, 'ada', { reconnect: fastRetry, onReconnect: () => void reconnects++ });
    const bob = await connectDemoClient(b.wsUrl, 'bob');
    clients.push(ada, bob);
    const heard = collect(ada, 'chat.message');
    await ada.request('room.join', { room });
    await bob.request('room.join', { room });
    await bob.request('chat.say', { room, text: 'before' });
    await eventually(() => heard.length === 1, 5000, 'the first line');

    // A restart: the node drains (ada is told to come back soon) and stops; another process takes its port.
    await a.app.drain({ deadlineMs: 100 });
    await a.close();
    await eventually(() => ada.state !== 'open', 5000, 'ada to lose her node');
    await bob.request('chat.say', { room, text: 'while away 1' });
    await bob.request('chat.say', { room, text: 'while away 2' });
    const restarted = await startDemoServer({ port: a.port, logger, redisUrl });
    servers.push(restarted);
    await eventually(() => heard.length === 3, 10_000, 'the lines sent while away');
    await bob.request('chat.say', { room, text: 'after' });
    await eventually(() => heard.length === 4, 5000, 'the live line');
    assert.deepEqual(
      heard.map((message) => message.text),
      ['before', 'while away 1', 'while away 2', 'after'],
    );
    assert.equal(reconnects, 0, 'the session was resumed, not rebuilt');
  });
});
