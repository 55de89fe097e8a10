/** The demo serves /metrics on its port, and exports spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startDemoServer, type DemoServer } from '../../demo/demo-server.js';
import { parsePrometheusText, valueOf } from '../support/prometheus-text.js';
import { eventually, within } from '../support/socket-harness.js';
import { WsTestClient } from '../support/ws-test-client.js';

const main = fileURLToPath(new URL('../../demo/main.js', import.meta.url));

describe('the demo serves its metrics at /metrics, on the port of the bus', { timeout: 15_000 }, () => {
  let server: DemoServer;
  before(async () => {
    server = await startDemoServer({ port: 0, logger: pino({ level: 'silent' }) });
  });
  after(() => server.close());

  it('shows the commands, connections and events of its clients, and the process metrics beside them', async () => {
    const ada = await WsTestClient.connect(`${server.wsUrl}?user=ada`);
    const bob = await WsTestClient.connect(`${server.wsUrl}?user=bob`);
    await ada.exchange('echo', 'hi');
    await ada.exchange('room.join', { room: 'lobby' });
    await bob.exchange('room.join', { room: 'lobby' });
    await ada.exchange('chat.say', { room: 'lobby', text: 'hello' });
    await bob.waitFor((frame) => frame.type === 'chat.message', 'the chat message');
    assert.equal((await ada.exchange('no.such', {})).error?.code, 'UNKNOWN_COMMAND');

    const response = await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheusText(await response.text());
    assert.equal(valueOf(samples, 'switchyard_commands_total', { type: 'echo', outcome: 'result' }), 1);
    assert.equal(valueOf(samples, 'switchyard_commands_total', { type: 'room.join', outcome: 'result' }), 2);
    assert.equal(valueOf(samples, 'switchyard_commands_total', { type: 'unknown', outcome: 'UNKNOWN_COMMAND' }), 1);
    assert.equal(valueOf(samples, 'switchyard_connections', { transport: 'websocket' }), 2);
    assert.equal(valueOf(samples, 'switchyard_events_published_total', { type: 'chat.message' }), 1);
    assert.equal(valueOf(samples, 'switchyard_backplane_up'), 1);
    assert.ok((valueOf(samples, 'process_cpu_user_seconds_total') ?? -1) >= 0, 'the process metrics are there too');
    const post = await fetch(`${server.url}/metrics`, { method: 'POST', signal: AbortSignal.timeout(5_000) });
    assert.equal(post.status, 405);
    await Promise.all([ada.close(), bob.close()]);
  });
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

interface OtlpExport {
  resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }> }>;
}

/** A tiny OTLP/HTTP receiver: keeps what is posted to /v1/traces as JSON. */
async function otlpReceiver(): Promise<{ server: Server; url: string; exports: OtlpExport[]; contentTypes: string[] }> {
  const exports: OtlpExport[] = [];
  const contentTypes: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/traces') {
        contentTypes.push(request.headers['content-type'] ?? '');
        exports.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports, contentTypes };
}

describe('the demo exports traces over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set', { timeout: 30_000 }, () => {
  it("sends a collector the spans of a client's commands, in the client's trace, with the demo's service name", async () => {
    const receiver = await otlpReceiver();
    const env: Record<string, string> = { ...(process.env as Record<string, string>), PORT: '0', HOST: '127.0.0.1', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, LOG_LEVEL: 'info' };
    delete env['REDIS_URL'];
    const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const url = await within(
        new Promise<string>((resolve) => {
          createInterface({ input: child.stdout }).on('line', (line) => {
            const found = /Switchyard demo on (http:\/\/[^ ]+)/.exec((JSON.parse(line) as { msg?: string }).msg ?? '');
            if (found !== null) resolve(found[1] as string);
          });
        }),
        10_000,
        'the demo to announce its address',
      );
      const client = await WsTestClient.connect(`${url.replace('http', 'ws')}/ws?user=ada`);
      const traceId = randomBytes(16).toString('hex');
      const clientSpanId = randomBytes(8).toString('hex');
      const reply = client.reply('e1');
      client.ws.send(JSON.stringify({ type: 'echo', id: 'e1', payload: 'traced', meta: { traceparent: `00-${traceId}-${clientSpanId}-01` } }));
      assert.equal((await reply).payload, 'traced');
      await client.exchange('room.join', { room: 'lobby' });

      const spans = (): OtlpSpan[] => receiver.exports.flatMap((batch) => batch.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)));
      await eventually(() => spans().some((span) => span.name === 'echo') && spans().some((span) => span.name === 'publish room.joined'), 15_000, 'the echo and publish spans at the collector');
      const echo = spans().find((span) => span.name === 'echo') as OtlpSpan;
      assert.equal(echo.traceId, traceId, 'the client trace goes on');
      assert.equal(echo.parentSpanId, clientSpanId);
      assert.equal(echo.kind, 2, 'SPAN_KIND_SERVER');
      assert.deepEqual(
        echo.attributes.find((attribute) => attribute.key === 'switchyard.transport')?.value,
        { stringValue: 'websocket' },
      );
      const join = spans().find((span) => span.name === 'room.join') as OtlpSpan;
      const publish = spans().find((span) => span.name === 'publish room.joined') as OtlpSpan;
      assert.equal(publish.parentSpanId, join.spanId, 'the publish is a child of its command');
      const serviceNames = receiver.exports.flatMap((batch) => batch.resourceSpans.map((resource) => resource.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue));
      assert.ok(serviceNames.every((name) => name === 'switchyard-demo'), serviceNames.join(', '));
      assert.ok(receiver.contentTypes.every((type) => type.startsWith('application/json')));
      await client.close();
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await within(exited, 10_000, 'the demo to exit');
      receiver.server.closeAllConnections();
      receiver.server.close();
    }
  });
});
