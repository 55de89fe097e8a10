/** What only the WebSocket transport does: sharing an HTTP port, frame limits, handshakes, shutdown. */
import assert from 'node:assert/strict';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ErrorCode, Switchyard, WebSocketTransport } from '../src/index.js';
import { Echo, registerFixtures } from './support/fixtures.js';
import { testLogger } from './support/harness.js';
import { WsTestClient } from './support/ws-test-client.js';

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** Resolves with the HTTP status of a refused handshake. */
function refusedHandshake(url: string, options: { headers?: Record<string, string> } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('the handshake was accepted')));
    ws.on('error', () => undefined);
  });
}

async function startApp(options: ConstructorParameters<typeof WebSocketTransport>[0] = { port: 0 }): Promise<{ app: Switchyard; transport: WebSocketTransport; url: string }> {
  const app = registerFixtures(new Switchyard({ logger: testLogger() }));
  const transport = await app.listen(new WebSocketTransport(options));
  return { app, transport, url: `ws://127.0.0.1:${transport.address.port}/ws` };
}

describe('WebSocket transport', () => {
  it('shares one port with an existing HTTP server: pages over HTTP, the bus on /ws', async () => {
    const server = createServer((_request, response) => response.end('page'));
    const app = registerFixtures(new Switchyard({ logger: testLogger() }));
    await app.listen(new WebSocketTransport({ server, path: '/ws' }));
    const port = await listening(server);
    assert.deepEqual(await httpGet(`http://127.0.0.1:${port}/`), { status: 200, body: 'page' });
    const client = await WsTestClient.connect(`ws://127.0.0.1:${port}/ws`);
    assert.equal(await client.request(Echo, 'shared'), 'shared');
    client.close();
    await app.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses an upgrade on another path with 404', async () => {
    const { app, transport } = await startApp();
    assert.equal(await refusedHandshake(`ws://127.0.0.1:${transport.address.port}/elsewhere`), 404);
    await app.close();
  });

  it('refuses the handshake with 401 when authenticate() throws, before any socket opens', async () => {
    const { app, url } = await startApp({
      port: 0,
      authenticate: (request) => {
        if (request.headers['authorization'] !== 'Bearer good') throw new Error('bad token');
        return { id: 'ok' };
      },
    });
    assert.equal(await refusedHandshake(url, { headers: { authorization: 'Bearer bad' } }), 401);
    const client = await WsTestClient.connect(url, { headers: { authorization: 'Bearer good' } });
    assert.equal(await client.request(Echo, 1), 1);
    client.close();
    await app.close();
  });

  it('closes a connection that sends a frame over maxPayload with 1009, and only that one', async () => {
    const { app, url } = await startApp({ port: 0, maxPayload: 1024 });
    const [big, bystander] = [await WsTestClient.connect(url), await WsTestClient.connect(url)];
    big.sendRaw(JSON.stringify({ type: 'test.echo', id: '1', payload: 'x'.repeat(2048) }));
    assert.equal((await big.closed).code, 1009);
    assert.equal(await bystander.request(Echo, 'fine'), 'fine');
    bystander.close();
    await app.close();
  });

  it('answers a binary frame with BAD_FRAME and keeps the socket open', async () => {
    const { app, url } = await startApp();
    const client = await WsTestClient.connect(url);
    client.ws.send(Buffer.from('{"type":"test.echo","id":"1"}'), { binary: true });
    const reply = await client.waitFor((frame) => frame.kind === 'error');
    assert.equal(reply.kind === 'error' && reply.error?.code, ErrorCode.BAD_FRAME);
    assert.equal(await client.request(Echo, 'text works'), 'text works');
    client.close();
    await app.close();
  });

  it('closes every connection with 1001 when the application closes', async () => {
    const { app, url } = await startApp();
    const clients = [await WsTestClient.connect(url), await WsTestClient.connect(url)];
    await app.close();
    const codes = await Promise.all(clients.map(async (client) => (await client.closed).code));
    assert.deepEqual(codes, [1001, 1001]);
  });

  it('rejects conflicting options up front', () => {
    assert.throws(() => new WebSocketTransport({ server: createServer(), port: 1 }), TypeError);
    assert.throws(() => new WebSocketTransport({ path: 'ws' }), TypeError);
    assert.throws(() => new WebSocketTransport({ maxPayload: 0 }), RangeError);
  });
});
