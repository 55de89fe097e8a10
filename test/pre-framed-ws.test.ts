// Pre-framed fan-out writes one WebSocket frame, built once, to every
// recipient through ws's private Sender#sendFrame (as engine.io does). These
// tests fail loudly if the installed ws stops offering what that relies on,
// and check that a socket without it still gets every frame through ws.send.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { PreparedFrame } from '../src/session/prepared-frame.js';
import { preFramedSender, wsTextFrame } from '../src/transport/websocket/pre-framed.js';
import { WsSocket, type SendPolicy } from '../src/transport/websocket/ws-socket.js';
import { noTelemetry } from '../src/observability/no-telemetry.js';

const policy: SendPolicy = { maxBufferedBytes: 1 << 20, closeTimeoutMs: 1000, telemetry: noTelemetry.forTransport('websocket') };

async function pair(): Promise<{ server: WebSocket; client: WebSocket; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await once(wss, 'listening');
  const accepted = once(wss, 'connection');
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: false });
  const [server] = (await accepted) as [WebSocket];
  await once(client, 'open');
  return {
    server,
    client,
    close: async () => {
      client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function collect(client: WebSocket, count: number): Promise<string[]> {
  const texts: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${texts.length} of ${count} frames`)), 5000);
    client.on('message', (data: Buffer, isBinary: boolean) => {
      assert.equal(isBinary, false, 'a pre-framed message arrives as text');
      texts.push(data.toString('utf8'));
      if (texts.length === count) {
        clearTimeout(timer);
        resolve(texts);
      }
    });
  });
}

test('the installed ws offers what pre-framed fan-out uses: Sender#sendFrame and an idle Sender#_state', { timeout: 10_000 }, async () => {
  const { server, close } = await pair();
  try {
    const sender = preFramedSender(server);
    assert.ok(
      sender !== undefined,
      'ws changed the internals pre-framed fan-out relies on (WebSocket#_sender, Sender#sendFrame, Sender#_state === 0 when idle). ' +
        'Fan-out still works through ws.send, one framing per recipient: adapt src/transport/websocket/pre-framed.ts to the new ws.',
    );
  } finally {
    await close();
  }
});

test('a pre-framed message of every length class reaches the client intact and in order with ordinary sends', { timeout: 10_000 }, async () => {
  const { server, client, close } = await pair();
  try {
    const texts = ['short é', 'm'.repeat(300), 'l'.repeat(70_000), '{"kind":"event","type":"tick","payload":{"n":1}}'];
    const received = collect(client, texts.length * 2);
    for (const text of texts) {
      const sender = preFramedSender(server);
      assert.ok(sender !== undefined);
      sender.sendFrame([wsTextFrame(Buffer.from(text))]);
      server.send(`after ${text.length}`);
    }
    assert.deepEqual(await received, texts.flatMap((text) => [text, `after ${text.length}`]));
  } finally {
    await close();
  }
});

test('one PreparedFrame makes its wire form once for every socket of a kind', () => {
  const frame = new PreparedFrame(Buffer.from('hello'));
  let made = 0;
  const make = (data: Buffer): Buffer => {
    made++;
    return wsTextFrame(data);
  };
  const first = frame.wire(make);
  assert.equal(frame.wire(make), first);
  assert.equal(made, 1);
  assert.deepEqual([...first], [0x81, 5, ...Buffer.from('hello')]);
  const other = frame.wire((data) => `data: ${data.toString()}\n\n`);
  assert.equal(other, 'data: hello\n\n');
  assert.equal(frame.wire(make), first, 'a second kind of socket does not evict the first');
});

test('without the internals, sendPrepared falls back to ws.send with the frame text', () => {
  const sent: unknown[] = [];
  const fake = { readyState: 1, bufferedAmount: 0, send: (data: unknown, options: unknown) => sent.push([data, options]) };
  const socket = new WsSocket(fake as unknown as WebSocket, policy, new Set());
  const frame = new PreparedFrame(Buffer.from('{"kind":"event"}'));
  socket.sendPrepared(frame);
  assert.equal(sent.length, 1);
  assert.equal((sent[0] as [Buffer])[0], frame.data);
  assert.deepEqual((sent[0] as [Buffer, unknown])[1], { binary: false });
});

test('sendPrepared keeps the per-socket bound: a volatile frame past it is dropped, a durable one closes with 1013', () => {
  const closes: unknown[] = [];
  const writes: unknown[] = [];
  const fake = {
    readyState: 1,
    bufferedAmount: policy.maxBufferedBytes - 10,
    _sender: { _state: 0, sendFrame: (list: Buffer[]) => writes.push(list) },
    close: (code: number, reason: string) => closes.push([code, reason]),
    terminate: () => {},
  };
  const socket = new WsSocket(fake as unknown as WebSocket, policy, new Set());
  const frame = new PreparedFrame(Buffer.from('x'.repeat(100)));
  socket.sendPrepared(frame, { volatile: true });
  assert.equal(writes.length, 0);
  assert.equal(closes.length, 0);
  socket.sendPrepared(frame);
  assert.deepEqual(closes, [[1013, 'slow consumer']]);
  fake.bufferedAmount = 0;
  socket.sendPrepared(frame);
  assert.equal(writes.length, 0, 'nothing more is written to a socket closed for overflowing');
});
