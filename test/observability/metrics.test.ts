/** Prometheus metrics over real sockets, read back from the registry and from the text a scrape returns. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { defineEvent, Switchyard, to, typed } from '../../src/index.js';
import { PrometheusMetrics } from '../../src/prometheus.js';
import { MemoryTransport } from '../../src/testing.js';
import { registerFixtures } from '../support/fixtures.js';
import { parsePrometheusText, samplesOf, valueOf, type Sample } from '../support/prometheus-text.js';
import { eventually, serve, within } from '../support/socket-harness.js';
import { WsTestClient } from '../support/ws-test-client.js';

async function scrape(registry: Registry): Promise<Sample[]> {
  return parsePrometheusText(await registry.metrics());
}

/** The value prom-client itself holds for one series, to compare with what the text says. */
async function registryValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  assert.ok(metric !== undefined, `${name} is registered`);
  const { values } = await metric.get();
  const keys = Object.keys(labels);
  return values.find((value) => {
    const own = value.labels as Record<string, unknown>;
    return (value as { metricName?: string }).metricName === undefined && Object.keys(own).length === keys.length && keys.every((key) => own[key] === labels[key]);
  })?.value;
}

async function served(options: Parameters<typeof serve>[0] = {}): Promise<{ registry: Registry } & Awaited<ReturnType<typeof serve>>> {
  const registry = new Registry();
  const served = await serve({ ...options, app: { ...options.app, telemetry: new PrometheusMetrics({ registry }) }, setup: (app) => registerFixtures(app) });
  return { registry, ...served };
}

describe('Prometheus metrics', () => {
  it('counts commands by type and outcome, and times each in the histogram, as the scrape text shows', async () => {
    const { app, registry, url } = await served();
    try {
      const client = await WsTestClient.connect(url);
      for (let n = 0; n < 3; n++) assert.equal((await client.exchange('test.echo', n)).kind, 'result');
      for (let n = 0; n < 2; n++) assert.equal((await client.exchange('test.add', { a: 'x' })).error?.code, 'INVALID_PAYLOAD');
      assert.equal((await client.exchange('test.refuse', {})).error?.code, 'ROOM_FULL');
      assert.equal((await client.exchange('test.boom', {})).error?.code, 'INTERNAL');
      assert.equal((await client.exchange('no.such.command', {})).error?.code, 'UNKNOWN_COMMAND');
      // Fire-and-forget: no reply to wait for, so the counter itself is awaited.
      client.ws.send(JSON.stringify({ type: 'test.echo', payload: 'quiet' }));
      await eventually(async () => valueOf(await scrape(registry), 'switchyard_commands_total', { type: 'test.echo', outcome: 'result' }) === 4, 5000, 'the fire-and-forget echo to be counted');

      const samples = await scrape(registry);
      const expected: Array<[string, string, number]> = [
        ['test.echo', 'result', 4],
        ['test.add', 'INVALID_PAYLOAD', 2],
        ['test.refuse', 'ROOM_FULL', 1],
        ['test.boom', 'INTERNAL', 1],
        ['unknown', 'UNKNOWN_COMMAND', 1],
      ];
      for (const [type, outcome, count] of expected) {
        assert.equal(valueOf(samples, 'switchyard_commands_total', { type, outcome }), count, `text: ${type} ${outcome}`);
        assert.equal(await registryValue(registry, 'switchyard_commands_total', { type, outcome }), count, `registry: ${type} ${outcome}`);
      }
      assert.equal(samplesOf(samples, 'switchyard_commands_total').length, expected.length, 'no other series');
      for (const [type, count] of [['test.echo', 4], ['test.add', 2], ['test.refuse', 1], ['test.boom', 1], ['unknown', 1]] as const) {
        assert.equal(valueOf(samples, 'switchyard_command_duration_seconds_count', { type }), count, `histogram count of ${type}`);
        assert.equal(valueOf(samples, 'switchyard_command_duration_seconds_bucket', { type, le: '+Inf' }), count, `+Inf bucket of ${type}`);
        const buckets = samplesOf(samples, 'switchyard_command_duration_seconds_bucket', { type }).map((sample) => sample.value);
        assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b), `buckets of ${type} are cumulative`);
      }
      assert.ok((valueOf(samples, 'switchyard_command_duration_seconds_sum', { type: 'test.echo' }) ?? 0) > 0, 'the echoes took some time');
      assert.equal(valueOf(samples, 'switchyard_connections', { transport: 'websocket' }), 1);
      await client.close();
    } finally {
      await app.close();
    }
  });

  it('follows connections as they open and close, per transport', async () => {
    const { app, registry, url } = await served();
    try {
      const memory = await app.listen(new MemoryTransport());
      const gauge = async (transport: string): Promise<number | undefined> => valueOf(await scrape(registry), 'switchyard_connections', { transport });
      assert.equal(await gauge('websocket'), 0);
      const [a, b] = await Promise.all([WsTestClient.connect(url), WsTestClient.connect(url)]);
      const fake = memory.connect();
      assert.equal(await gauge('websocket'), 2);
      assert.equal(await gauge('memory'), 1);
      await a.close();
      await eventually(async () => (await gauge('websocket')) === 1, 5000, 'the gauge to drop when a client leaves');
      fake.close();
      assert.equal(await gauge('memory'), 0);
      await b.close();
      await eventually(async () => (await gauge('websocket')) === 0, 5000, 'the gauge to reach zero');
    } finally {
      await app.close();
    }
  });

  it('counts frames refused before the bus by code, rate-limited ones included, as many as the client was refused', async () => {
    const { app, registry, url } = await served({ app: { limits: { rateLimit: { burst: 3, perSecond: 1, closeAfter: 1000 } } } });
    try {
      const client = await WsTestClient.connect(url);
      client.ws.send('not json');
      await client.waitFor((frame) => frame.error?.code === 'BAD_FRAME', 'BAD_FRAME');
      const replies = await Promise.all(Array.from({ length: 10 }, (_, n) => client.exchange('test.echo', n)));
      const limited = replies.filter((reply) => reply.error?.code === 'RATE_LIMITED').length;
      const answered = replies.filter((reply) => reply.kind === 'result').length;
      assert.ok(limited > 0 && answered > 0, `some were refused (${limited}) and some answered (${answered})`);
      const samples = await scrape(registry);
      assert.equal(valueOf(samples, 'switchyard_frames_refused_total', { transport: 'websocket', code: 'RATE_LIMITED' }), limited);
      assert.equal(valueOf(samples, 'switchyard_frames_refused_total', { transport: 'websocket', code: 'BAD_FRAME' }), 1);
      assert.equal(valueOf(samples, 'switchyard_commands_total', { type: 'test.echo', outcome: 'result' }), answered, 'a refused frame is not a command');
      await client.close();
    } finally {
      await app.close();
    }
  });

  it('counts each published event once by type, and each frame delivered to a recipient', async () => {
    const { app, registry, url } = await served();
    try {
      const [a, b, c] = await Promise.all([WsTestClient.connect(url), WsTestClient.connect(url), WsTestClient.connect(url)]);
      await a.exchange('test.join', { room: 'r' });
      await b.exchange('test.join', { room: 'r' });
      await a.exchange('test.shout', { text: 'hi', audience: 'room', id: 'r' });
      await b.waitFor((frame) => frame.type === 'test.shouted', 'the shout at b');
      await a.exchange('test.shout', { text: 'all', audience: 'all' });
      await c.waitFor((frame) => frame.type === 'test.shouted', 'the shout to all at c');
      const samples = await scrape(registry);
      assert.equal(valueOf(samples, 'switchyard_events_published_total', { type: 'test.shouted' }), 2);
      assert.equal(valueOf(samples, 'switchyard_events_delivered_total', { transport: 'websocket' }), 2 + 3);
      await Promise.all([a.close(), b.close(), c.close()]);
    } finally {
      await app.close();
    }
  });

  it('counts events by type up to maxEventTypes, and the rest as other', async () => {
    const registry = new Registry();
    const app = new Switchyard({ telemetry: new PrometheusMetrics({ registry, maxEventTypes: 2 }) });
    try {
      for (const type of ['a', 'b', 'c', 'd', 'a']) app.publisher.publish(defineEvent(`kind.${type}`, typed<null>()), null, to.all());
      const samples = await scrape(registry);
      assert.deepEqual(
        samplesOf(samples, 'switchyard_events_published_total').map(({ labels, value }) => [labels['type'], value]),
        [['kind.a', 2], ['kind.b', 1], ['other', 2]],
      );
    } finally {
      await app.close();
    }
  });

  it('counts the volatile events dropped for a paused reader, then the slow-consumer close', { timeout: 60_000 }, async () => {
    const Tick = defineEvent('feed.tick', typed<{ n: number; blob: string }>());
    const blob = 'x'.repeat(8 * 1024);
    const EVENTS = 2000;
    const { app, registry, url, transport } = await served({ transport: { maxBufferedBytes: 128 * 1024, closeTimeoutMs: 10_000, heartbeatIntervalMs: 0 } });
    try {
      const slow = await WsTestClient.connect(url);
      const fast = await WsTestClient.connect(url);
      slow.record = false;
      fast.record = false;
      const slowBase = slow.received;
      const fastBase = fast.received;
      slow.ws.pause();
      for (let n = 0; n < EVENTS; n++) {
        app.publisher.publish(Tick, { n, blob }, to.all(), { volatile: true });
        if (n % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
      }
      await eventually(() => fast.received === fastBase + EVENTS, 20_000, 'the fast client to get every volatile event');
      const drops = async (): Promise<number> => valueOf(await scrape(registry), 'switchyard_backpressure_drops_total', { transport: 'websocket' }) ?? -1;
      assert.ok((await drops()) > 0, 'the paused reader lost events');
      slow.ws.resume();
      // Every event was either dropped for it or reaches it once it reads again: the two add up exactly.
      await eventually(async () => slow.received - slowBase + (await drops()) === EVENTS, 20_000, 'what the slow client got plus what was dropped to add up');
      assert.equal(valueOf(await scrape(registry), 'switchyard_backpressure_closes_total', { transport: 'websocket' }), 0);

      slow.ws.pause();
      for (let n = 0; n < EVENTS; n++) {
        app.publisher.publish(Tick, { n, blob }, to.all());
        if (n % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
      }
      slow.ws.resume();
      assert.equal((await within(slow.closed, 10_000, 'the slow client to be closed')).code, 1013);
      await eventually(() => transport.connections === 1, 5000, 'the server to forget the slow client');
      const samples = await scrape(registry);
      assert.equal(valueOf(samples, 'switchyard_backpressure_closes_total', { transport: 'websocket' }), 1);
      assert.equal(valueOf(samples, 'switchyard_connections', { transport: 'websocket' }), 1);
      await fast.close();
    } finally {
      await app.close();
    }
  });

  it('keeps the series count flat under hundreds of random command types: all of them are "unknown"', async () => {
    // The rate limits would refuse most of a burst this size before the bus: the point is what the bus counts.
    const { app, registry, url } = await served({ app: { limits: { rateLimit: false, perAddress: false } } });
    try {
      const client = await WsTestClient.connect(url);
      await client.exchange('test.echo', 1);
      await client.exchange('first.unknown', {});
      const before = await registry.metrics();
      const types = Array.from({ length: 300 }, () => `attack.${randomBytes(8).toString('hex')}`);
      const replies = await Promise.all(types.map((type) => client.exchange(type, {})));
      assert.ok(replies.every((reply) => reply.error?.code === 'UNKNOWN_COMMAND'));
      const after = await registry.metrics();
      assert.equal(parsePrometheusText(after).length, parsePrometheusText(before).length, 'no new series');
      assert.equal(valueOf(parsePrometheusText(after), 'switchyard_commands_total', { type: 'unknown', outcome: 'UNKNOWN_COMMAND' }), 301);
      assert.ok(!types.some((type) => after.includes(type)), 'no client-chosen type reaches the exposition');
      await client.close();
    } finally {
      await app.close();
    }
  });

  it('refuses a second application on the same metrics, which would mix their series', async () => {
    const metrics = new PrometheusMetrics({ registry: new Registry() });
    const first = new Switchyard({ telemetry: metrics });
    try {
      assert.throws(() => new Switchyard({ telemetry: metrics }), { code: 'ALREADY_STARTED' });
    } finally {
      await first.close();
    }
  });

  it('leaves no telemetry of the array attached when one refuses, so each can still serve another application', async () => {
    const taken = new PrometheusMetrics({ registry: new Registry() });
    const spare = new PrometheusMetrics({ registry: new Registry() });
    const first = new Switchyard({ telemetry: taken });
    try {
      assert.throws(() => new Switchyard({ telemetry: [spare, taken] }), { code: 'ALREADY_STARTED' });
      const second = new Switchyard({ telemetry: spare });
      await second.close();
    } finally {
      await first.close();
    }
  });

  it('rejects options that are not a registry, or bad buckets, up front', () => {
    assert.throws(() => new PrometheusMetrics({ registry: {} as Registry }), TypeError);
    assert.throws(() => new PrometheusMetrics({ registry: new Registry(), durationBuckets: [1, 0.5] }), RangeError);
    assert.throws(() => new PrometheusMetrics({ registry: new Registry(), maxEventTypes: -1 }), RangeError);
    assert.throws(() => new Switchyard({ telemetry: {} as PrometheusMetrics }), TypeError);
  });
});
