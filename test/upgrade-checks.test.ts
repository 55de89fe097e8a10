/** What the WebSocket transport answers an upgrade before any socket exists: path, state and origin checks. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { defineCommand, Switchyard, typed, WebSocketTransport } from '../src/index.js';
import { eventually, serve, within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

const Work = defineCommand('work', { payload: typed<number>(), result: typed<number>() });

/** Opens a plain `ws` client and resolves with the first message it receives; rejects with the HTTP status if refused. */
function firstMessage(url: string): Promise<{ ws: WebSocket; message: string }> {
  return within(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.once('message', (data: Buffer) => resolve({ ws, message: data.toString() }));
      ws.once('unexpected-response', (_request, response) => reject(new Error(`refused with HTTP ${response.statusCode}`)));
      ws.once('error', reject);
    }),
    5000,
    `the first message from ${url}`,
  );
}

describe('upgrade checks', () => {
  // Regression: a draining transport answered 503 to every upgrade on the shared server, before looking at the path.
  it("on a shared http.Server, a draining transport leaves other paths to the application's other WebSocket servers", { timeout: 10_000 }, async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let running = 0;
    const app = new Switchyard({ logger: pino({ level: 'silent' }) });
    app.register(Work, async (n) => {
      running++;
      await gate;
      return n;
    });
    await app.listen(new WebSocketTransport({ server, path: '/ws' }));
    const other = new WebSocketServer({ noServer: true });
    server.on('upgrade', (request, socket, head) => {
      if (request.url === '/other') other.handleUpgrade(request, socket, head, (ws) => ws.send('hello from the other server'));
    });
    try {
      const client = await WsTestClient.connect(`ws://127.0.0.1:${port}/ws`);
      const reply = client.exchange('work', 7);
      await eventually(() => running === 1, 5000, 'the command to be running');
      const draining = app.drain({ deadlineMs: 5000 });
      await client.waitFor((frame) => frame.type === 'session.draining', 'session.draining');
      assert.equal(await WsTestClient.refusal(`ws://127.0.0.1:${port}/ws`), 503, 'its own path is refused while draining');

      const neighbour = await firstMessage(`ws://127.0.0.1:${port}/other`);
      assert.equal(neighbour.message, 'hello from the other server');
      neighbour.ws.close();

      release();
      assert.equal((await reply).payload, 7);
      assert.equal(await draining, true);
    } finally {
      release();
      await app.close();
      other.close();
      server.closeAllConnections();
      server.close();
    }
  });

  // Regression: an empty Origin made normalizeOrigin throw: no HTTP answer, and an error with its stack for every such request.
  it('answers 403 to an empty Origin header when origins are restricted, and reports no error', { timeout: 10_000 }, async () => {
    const { app, url } = await serve({ transport: { allowedOrigins: ['https://app.example.com'] } });
    const reported: unknown[] = [];
    app.errors$.subscribe((error) => reported.push(error));
    try {
      assert.equal(await WsTestClient.refusal(url, { headers: { origin: '' } }), 403);
      assert.equal(await WsTestClient.refusal(url, { headers: { origin: '  ' } }), 403);
      assert.equal(await WsTestClient.refusal(url, { headers: { origin: 'https://evil.example.com' } }), 403);
      const allowed = await WsTestClient.connect(url, { headers: { origin: 'https://app.example.com' } });
      await allowed.close();
      assert.deepEqual(reported, []);
    } finally {
      await app.close();
    }
  });
});
