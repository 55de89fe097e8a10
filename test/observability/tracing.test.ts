/** Traces through @opentelemetry/api, recorded by the SDK's in-memory exporter, over real sockets and real Redis. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { defineCommand, Switchyard, typed, WebSocketTransport } from '../../src/index.js';
import { OpenTelemetryTracing, type OpenTelemetryTracingOptions } from '../../src/opentelemetry.js';
import { createRedisScaleOut, type RedisScaleOut } from '../../src/redis.js';
import { registerFixtures, Shouted } from '../support/fixtures.js';
import { uniquePrefix, useRedis } from '../support/redis.js';
import { eventually, serve } from '../support/socket-harness.js';
import { WsTestClient } from '../support/ws-test-client.js';
import { captureLogs } from '../support/log-capture.js';

// What the Node SDK registers: without a context manager, context does not follow awaits.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const redis = await useRedis();

/** A tracer provider that keeps every ended span in memory. */
function recorder(): { provider: BasicTracerProvider; spans: () => ReadableSpan[] } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { provider, spans: () => exporter.getFinishedSpans() };
}

function randomTraceparent(): { traceparent: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceparent: `00-${traceId}-${spanId}-01`, traceId, spanId };
}


function one(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  assert.equal(found.length, 1, `one span named ${name}, among ${spans.map((span) => span.name).join(', ')}`);
  return found[0] as ReadableSpan;
}

const Work = defineCommand('trace.work', { payload: typed<{ text: string }>(), result: typed<string>() });

async function traced(options: OpenTelemetryTracingOptions = {}, logger?: pino.Logger) {
  const { provider, spans } = recorder();
  const served = await serve({
    app: { telemetry: new OpenTelemetryTracing({ tracerProvider: provider, ...options }), ...(logger === undefined ? {} : { logger }) },
    setup: (app) => {
      registerFixtures(app).register(Work, async ({ text }, ctx) => {
        await delay(1);
        ctx.log.info({ text }, 'working');
        provider.getTracer('application').startSpan('application.step').end();
        return text;
      });
    },
  });
  return { ...served, provider, spans };
}

describe('OpenTelemetry tracing', () => {
  it('makes each command a SERVER span named after its type, with type, outcome, error code, connection and transport', async () => {
    const { app, spans, url } = await traced();
    try {
      const client = await WsTestClient.connect(url);
      const connectionId = (client.frames[0]?.payload as { connectionId: string }).connectionId;
      await client.exchange('test.echo', 'hi');
      await client.exchange('test.boom', {});
      await client.exchange('test.refuse', {});
      await client.exchange('no.such.thing', {});
      await eventually(() => spans().length === 4, 5000, 'four command spans');

      const echo = one(spans(), 'test.echo');
      assert.equal(echo.kind, SpanKind.SERVER);
      assert.deepEqual(echo.attributes, {
        'switchyard.command.type': 'test.echo',
        'switchyard.command.id': 't1',
        'switchyard.connection.id': connectionId,
        'switchyard.transport': 'websocket',
        'switchyard.command.outcome': 'result',
      });
      assert.equal(echo.status.code, SpanStatusCode.UNSET);
      assert.equal(echo.parentSpanContext, undefined, 'a command without trace context starts a trace');

      const boom = one(spans(), 'test.boom');
      assert.equal(boom.attributes['switchyard.command.outcome'], 'INTERNAL');
      assert.equal(boom.attributes['error.type'], 'INTERNAL');
      assert.equal(boom.status.code, SpanStatusCode.ERROR, 'a failure of the server');
      assert.equal(boom.events.find((event) => event.name === 'exception')?.attributes?.['exception.type'], 'Error');

      const refused = one(spans(), 'test.refuse');
      assert.equal(refused.attributes['error.type'], 'ROOM_FULL');
      assert.equal(refused.status.code, SpanStatusCode.UNSET, 'an application refusal is the client request failing, not the server');

      const unknown = one(spans(), 'unknown');
      assert.equal(unknown.attributes['switchyard.command.type'], 'unknown', 'the client text names no span');
      assert.equal(unknown.attributes['error.type'], 'UNKNOWN_COMMAND');
      assert.ok(!JSON.stringify(spans().map((span) => span.attributes)).includes('no.such.thing'));
      await client.close();
    } finally {
      await app.close();
    }
  });

  it('continues the client trace from meta.traceparent, and nests the handler work and its publish under the command span', async () => {
    const { app, spans, url } = await traced();
    try {
      const client = await WsTestClient.connect(url);
      const parent = randomTraceparent();
      const reply = client.reply('w1');
      client.ws.send(JSON.stringify({ type: 'trace.work', id: 'w1', payload: { text: 'x' }, meta: { traceparent: parent.traceparent, tracestate: 'vendor=abc' } }));
      assert.equal((await reply).payload, 'x');
      await client.exchange('test.shout', { text: 'hi', audience: 'connection', id: (client.frames[0]?.payload as { connectionId: string }).connectionId });
      await eventually(() => spans().length >= 5, 5000, 'the command, application, publish and delivery spans');

      const work = one(spans(), 'trace.work');
      assert.equal(work.spanContext().traceId, parent.traceId, 'the trace goes on');
      assert.equal(work.parentSpanContext?.spanId, parent.spanId, 'the client span is the parent');
      assert.equal(work.spanContext().traceState?.get('vendor'), 'abc', 'tracestate is carried');
      const step = one(spans(), 'application.step');
      assert.equal(step.parentSpanContext?.spanId, work.spanContext().spanId, 'a span the handler starts after an await is its child');

      const shout = one(spans(), 'test.shout');
      const publish = one(spans(), 'publish test.shouted');
      const deliver = one(spans(), 'deliver test.shouted');
      assert.equal(publish.kind, SpanKind.PRODUCER);
      assert.equal(publish.parentSpanContext?.spanId, shout.spanContext().spanId);
      assert.deepEqual(publish.attributes, { 'switchyard.event.type': 'test.shouted', 'switchyard.audience.kind': 'connection' });
      assert.equal(deliver.kind, SpanKind.CONSUMER);
      assert.equal(deliver.parentSpanContext?.spanId, publish.spanContext().spanId);
      assert.equal(deliver.spanContext().traceId, shout.spanContext().traceId);
      assert.equal(deliver.attributes['switchyard.delivery.recipients'], 1);
      await client.close();
    } finally {
      await app.close();
    }
  });

  it('starts a new trace for a traceparent that is not valid W3C trace context', async () => {
    const { app, spans, url } = await traced();
    try {
      const client = await WsTestClient.connect(url);
      const invalid = ['00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', 'nonsense'];
      for (const [n, traceparent] of invalid.entries()) {
        const reply = client.reply(`i${n}`);
        client.ws.send(JSON.stringify({ type: 'test.echo', id: `i${n}`, payload: n, meta: { traceparent } }));
        assert.equal((await reply).kind, 'result', 'an invalid traceparent is not the client failing');
      }
      await eventually(() => spans().length === invalid.length, 5000, 'a span per command');
      assert.ok(spans().every((span) => span.parentSpanContext === undefined));
      await client.close();
    } finally {
      await app.close();
    }
  });

  it("links to the client's span instead of continuing it with clientTrace: 'link'", async () => {
    const { app, spans, url } = await traced({ clientTrace: 'link' });
    try {
      const client = await WsTestClient.connect(url);
      const parent = randomTraceparent();
      const reply = client.reply('l1');
      client.ws.send(JSON.stringify({ type: 'test.echo', id: 'l1', payload: 1, meta: { traceparent: parent.traceparent } }));
      await reply;
      await eventually(() => spans().length === 1, 5000, 'the command span');
      const [span] = spans() as [ReadableSpan];
      assert.equal(span.parentSpanContext, undefined);
      assert.notEqual(span.spanContext().traceId, parent.traceId);
      assert.deepEqual(span.links.map((link) => [link.context.traceId, link.context.spanId]), [[parent.traceId, parent.spanId]]);
      await client.close();
    } finally {
      await app.close();
    }
  });

  it('answers BAD_FRAME, with its id, for a meta that is not an object or a traceparent that is not a string', async () => {
    const { app, spans, url } = await traced();
    try {
      const client = await WsTestClient.connect(url);
      const bad: Array<[string, unknown]> = [
        ['m1', 'traceparent'],
        ['m2', []],
        ['m3', { traceparent: 7 }],
        ['m4', { traceparent: 'x'.repeat(300) }],
        ['m5', { traceparent: randomTraceparent().traceparent, tracestate: {} }],
      ];
      for (const [id, meta] of bad) {
        const reply = client.reply(id);
        client.ws.send(JSON.stringify({ type: 'test.echo', id, payload: 1, meta }));
        assert.equal((await reply).error?.code, 'BAD_FRAME', JSON.stringify(meta));
      }
      assert.equal((await client.exchange('test.echo', 'fine')).kind, 'result', 'the connection goes on');
      await eventually(() => spans().length === 1, 5000, 'the one span: refused frames reach no bus');
      await client.close();
    } finally {
      await app.close();
    }
  });

  it("puts the command's trace and span ids, and its id, on every log line about it", async () => {
    const { logger, lines } = captureLogs('debug');
    const { app, spans, url } = await traced({}, logger);
    try {
      const client = await WsTestClient.connect(url);
      const parent = randomTraceparent();
      const reply = client.reply('log1');
      client.ws.send(JSON.stringify({ type: 'trace.work', id: 'log1', payload: { text: 'y' }, meta: { traceparent: parent.traceparent } }));
      await reply;
      await client.exchange('test.boom', {});
      await eventually(() => spans().length === 3 && lines.filter((line) => line['msg'] === 'command').length === 2, 5000, 'the spans and the command lines');
      const work = one(spans(), 'trace.work').spanContext();
      const boom = one(spans(), 'test.boom').spanContext();
      const expectations: Array<[string, Record<string, unknown>, { traceId: string; spanId: string }, string]> = [
        ['working', { type: 'trace.work' }, work, 'log1'],
        ['command', { type: 'trace.work' }, work, 'log1'],
        ['command "test.boom" failed', { type: 'test.boom' }, boom, 't1'],
        ['command', { type: 'test.boom' }, boom, 't1'],
      ];
      for (const [msg, match, ids, commandId] of expectations) {
        const line = lines.find((entry) => entry['msg'] === msg && Object.entries(match).every(([key, value]) => entry[key] === value));
        assert.ok(line !== undefined, `a line "${msg}"`);
        assert.equal(line['trace_id'], ids.traceId, `trace_id on "${msg}"`);
        assert.equal(line['span_id'], ids.spanId, `span_id on "${msg}"`);
        assert.equal(line['commandId'], commandId, `commandId on "${msg}"`);
      }
      assert.equal(work.traceId, parent.traceId);
      await client.close();
    } finally {
      await app.close();
    }
  });

  it('logs no trace ids when tracing is off', async () => {
    const { logger, lines } = captureLogs('debug');
    const { app, url } = await serve({ app: { logger }, setup: (app) => void registerFixtures(app) });
    try {
      const client = await WsTestClient.connect(url);
      await client.exchange('test.echo', 1);
      await eventually(() => lines.some((line) => line['msg'] === 'command'), 5000, 'the command line');
      const line = lines.find((entry) => entry['msg'] === 'command');
      assert.equal(line?.['commandId'], 't1');
      assert.equal(line?.['trace_id'], undefined);
      await client.close();
    } finally {
      await app.close();
    }
  });
});

describe('a trace across two nodes over Redis', { skip: redis.skip, timeout: 30_000 }, () => {
  const nodes: Array<{ app: Switchyard; scaleOut: RedisScaleOut; spans: () => ReadableSpan[]; url: string }> = [];

  before(async () => {
    if (redis.skip !== undefined) return;
    const keyPrefix = uniquePrefix('tracing');
    for (let n = 0; n < 2; n++) {
      const scaleOut = createRedisScaleOut({ url: redis.url, keyPrefix });
      await scaleOut.ready();
      const { provider, spans } = recorder();
      const app = registerFixtures(
        new Switchyard({ logger: pino({ level: 'silent' }), backplane: scaleOut.backplane, presence: scaleOut.presence, telemetry: new OpenTelemetryTracing({ tracerProvider: provider }) }),
      );
      const transport = await app.listen(new WebSocketTransport({ port: 0, host: '127.0.0.1' }));
      nodes.push({ app, scaleOut, spans, url: `ws://127.0.0.1:${transport.address.port}/ws` });
    }
  });

  after(async () => {
    for (const node of nodes) {
      await node.app.close();
      await node.scaleOut.close();
    }
  });

  it('links a client traceparent through the handler on node A to the delivery on node B, parent to child', async () => {
    const [a, b] = nodes as [(typeof nodes)[number], (typeof nodes)[number]];
    const sender = await WsTestClient.connect(a.url);
    const listener = await WsTestClient.connect(b.url);
    await listener.exchange('test.join', { room: 'ops' });
    const parent = randomTraceparent();
    const reply = sender.reply('x1');
    sender.ws.send(JSON.stringify({ type: 'test.shout', id: 'x1', payload: { text: 'traced', audience: 'room', id: 'ops' }, meta: { traceparent: parent.traceparent } }));
    await reply;
    await listener.waitFor((frame) => frame.type === Shouted.type, 'the event on node B');
    await eventually(() => b.spans().some((span) => span.name === 'deliver test.shouted'), 5000, 'the delivery span on node B');

    const command = one(a.spans(), 'test.shout');
    const publish = one(a.spans(), 'publish test.shouted');
    const deliver = one(b.spans(), 'deliver test.shouted');
    assert.equal(command.parentSpanContext?.spanId, parent.spanId, 'client -> command');
    assert.equal(publish.parentSpanContext?.spanId, command.spanContext().spanId, 'command -> publish');
    assert.equal(deliver.parentSpanContext?.spanId, publish.spanContext().spanId, 'publish on A -> delivery on B');
    for (const span of [command, publish, deliver]) assert.equal(span.spanContext().traceId, parent.traceId, `${span.name} is in the client's trace`);
    assert.equal(deliver.kind, SpanKind.CONSUMER);
    assert.equal(deliver.attributes['switchyard.delivery.recipients'], 1);
    assert.ok(!a.spans().some((span) => span.name === 'deliver test.shouted'), 'node A had no recipient, so no delivery span');
    await Promise.all([sender.close(), listener.close()]);
  });
});
