/** The demo's one port serves every endpoint: /ws, /rpc, POST /commands/{type}, GET /events, beside its page. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { startDemoServer, type DemoServer } from '../../demo/demo-server.js';
import { connectDemoClient } from '../support/demo-client.js';
import { HttpTestClient } from '../support/http-test-client.js';
import { within } from '../support/socket-harness.js';

describe('demo endpoints on one port', { timeout: 20_000 }, () => {
  let server: DemoServer;

  before(async () => {
    server = await startDemoServer({ port: 0, logger: pino({ level: 'silent' }) });
  });
  after(() => server.close());

  it('serves the page, a posted command, and JSON-RPC on /rpc', async () => {
    assert.equal((await fetch(`${server.url}/`)).status, 200);
    const echo = await fetch(`${server.url}/commands/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"hi":1}' });
    assert.deepEqual([echo.status, await echo.json()], [200, { hi: 1 }]);
    const rpc = new WebSocket(`${server.wsUrl.replace(/\/ws$/, '/rpc')}`);
    const reply = new Promise<unknown>((resolve) =>
      rpc.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { id?: unknown };
        if (message.id === 1) resolve(message);
      }),
    );
    rpc.once('open', () => rpc.send('{"jsonrpc":"2.0","method":"echo","params":"rpc","id":1}'));
    assert.deepEqual(await within(reply, 3000, 'the JSON-RPC reply'), { jsonrpc: '2.0', id: 1, result: 'rpc' });
    rpc.close();
  });

  it('lets an SSE member chat with a WebSocket member of a room', async () => {
    const page = await connectDemoClient(server.wsUrl, 'ada');
    const stream = await HttpTestClient.connect(server.url, {});
    try {
      await page.request('room.join', { room: 'mixed' });
      await stream.request({ type: 'room.join' } as never, { room: 'mixed' } as never);
      await page.request('chat.say', { room: 'mixed', text: 'hello stream' });
      const message = await stream.waitFor((frame) => frame.kind === 'event' && frame.type === 'chat.message');
      assert.equal((message as { payload: { text: string } }).payload.text, 'hello stream');
    } finally {
      await page.close();
      stream.close();
    }
  });
});
