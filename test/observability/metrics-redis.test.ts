/** The backplane's metrics on two nodes sharing a private Redis, stopped and restarted under them. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { Switchyard, WebSocketTransport } from '../../src/index.js';
import { PrometheusMetrics } from '../../src/prometheus.js';
import { createRedisScaleOut, type RedisScaleOut } from '../../src/redis.js';
import { registerFixtures } from '../support/fixtures.js';
import { parsePrometheusText, valueOf } from '../support/prometheus-text.js';
import { uniquePrefix, useRedis } from '../support/redis.js';
import { eventually } from '../support/socket-harness.js';
import { WsTestClient } from '../support/ws-test-client.js';

// Its own redis-server, since this test stops and restarts it.
const redis = await useRedis({ dedicated: true });

interface Node {
  readonly app: Switchyard;
  readonly scaleOut: RedisScaleOut;
  readonly registry: Registry;
  readonly url: string;
}

async function startNode(url: string, keyPrefix: string): Promise<Node> {
  const scaleOut = createRedisScaleOut({ url, keyPrefix, reconnectMaxDelayMs: 100 });
  await scaleOut.ready();
  const registry = new Registry();
  const app = registerFixtures(
    new Switchyard({ logger: pino({ level: 'silent' }), backplane: scaleOut.backplane, presence: scaleOut.presence, telemetry: new PrometheusMetrics({ registry }) }),
  );
  const transport = await app.listen(new WebSocketTransport({ port: 0, host: '127.0.0.1' }));
  return { app, scaleOut, registry, url: `ws://127.0.0.1:${transport.address.port}/ws` };
}

async function metric(node: Node, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  return valueOf(parsePrometheusText(await node.registry.metrics()), name, labels);
}

describe('backplane metrics across a Redis restart', { skip: redis.skip, timeout: 60_000 }, () => {
  const nodes: Node[] = [];
  const clients: WsTestClient[] = [];

  before(async () => {
    if (redis.skip !== undefined) return;
    const prefix = uniquePrefix('metrics');
    nodes.push(await startNode(redis.url, prefix), await startNode(redis.url, prefix));
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    for (const node of nodes) {
      await node.app.close();
      await node.scaleOut.close();
    }
  });

  it('reports the backplane up 1, then 0 while Redis is down, then 1 again; counts messages out and in, and those lost to the outage', async () => {
    const [a, b] = nodes as [Node, Node];
    const server = redis.skip === undefined ? redis.server! : undefined;
    for (const node of nodes) assert.equal(await metric(node, 'switchyard_backplane_up'), 1);

    const sender = await WsTestClient.connect(a.url);
    const listener = await WsTestClient.connect(b.url);
    clients.push(sender, listener);
    await listener.exchange('test.join', { room: 'ops' });
    await sender.exchange('test.shout', { text: 'before', audience: 'room', id: 'ops' });
    await listener.waitFor((frame) => frame.type === 'test.shouted', 'the shout across nodes');
    await eventually(async () => (await metric(a, 'switchyard_backplane_messages_total', { direction: 'out' })) === 1, 5000, 'node a to count its message out');
    assert.equal(await metric(b, 'switchyard_backplane_messages_total', { direction: 'in' }), 1);
    assert.equal(await metric(b, 'switchyard_events_delivered_total', { transport: 'websocket' }), 1);
    assert.equal(await metric(a, 'switchyard_events_delivered_total', { transport: 'websocket' }), 0, 'node a has no member of the room');

    await server!.stop();
    for (const node of nodes) await eventually(async () => (await metric(node, 'switchyard_backplane_up')) === 0, 10_000, 'the gauge to fall to 0');
    await sender.exchange('test.shout', { text: 'during', audience: 'room', id: 'ops' });
    assert.equal(await metric(a, 'switchyard_backplane_dropped_total', { reason: 'outage' }), 1);
    assert.equal(await metric(a, 'switchyard_events_published_total', { type: 'test.shouted' }), 2, 'published, whether or not it crossed');

    await server!.restart();
    for (const node of nodes) await eventually(async () => (await metric(node, 'switchyard_backplane_up')) === 1, 10_000, 'the gauge to rise to 1 again');
    await sender.exchange('test.shout', { text: 'after', audience: 'room', id: 'ops' });
    await listener.waitFor((frame) => frame.type === 'test.shouted' && (frame.payload as { text: string }).text === 'after', 'the shout after the restart');
    await eventually(async () => (await metric(a, 'switchyard_backplane_messages_total', { direction: 'out' })) === 2, 5000, 'node a to count its second message out');
    assert.equal(await metric(b, 'switchyard_backplane_messages_total', { direction: 'in' }), 2);
    assert.equal(await metric(b, 'switchyard_backplane_dropped_total', { reason: 'malformed' }), 0);
  });
});
