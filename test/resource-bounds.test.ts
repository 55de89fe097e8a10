import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { defineCommand, typed, WebSocketTransport } from '../src/index.js';
import { eventually, serve, within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

const Join = defineCommand('room.join', { payload: typed<{ room: string }>() });
const Hold = defineCommand('hold', { payload: typed<number>(), result: typed<number>() });

/** A raw TCP connection to the transport's port, and a promise of its close. */
async function rawSocket(port: number): Promise<{ socket: Socket; closed: Promise<void>; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString()));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await within(new Promise((resolve) => socket.once('connect', resolve)), 5000, 'the TCP connection');
  return { socket, closed, received: () => text };
}

// Regression: authenticate() had no deadline; a stuck one held its
// connection slot (and the client's socket) forever.
test('an authenticate() that does not answer within authenticateTimeoutMs is refused with HTTP 503, and its signal is aborted', { timeout: 10_000 }, async () => {
  let signal: AbortSignal | undefined;
  const { app, url } = await serve({
    transport: {
      authenticateTimeoutMs: 200,
      authenticate: (_request, context) => {
        signal = context.signal;
        return new Promise(() => {});
      },
    },
  });
  try {
    assert.equal(await WsTestClient.refusal(url), 503);
    assert.equal(signal?.aborted, true);
    assert.match(String((signal?.reason as Error | undefined)?.message), /did not answer within 200 ms/);
  } finally {
    await app.close();
  }
});

// Regression: a client that left while authenticate() ran kept its slot
// against maxConnections until authenticate() settled, which may be never.
test('a client that leaves during authenticate() aborts its signal and frees its slot at once', { timeout: 10_000 }, async () => {
  const aborted: string[] = [];
  const { app, url, transport } = await serve({
    transport: {
      maxConnections: 1,
      authenticate: (request, { signal }) => {
        if (request.headers['x-user'] !== 'stuck') return { id: String(request.headers['x-user']) };
        signal.addEventListener('abort', () => aborted.push(String((signal.reason as Error).message)));
        return new Promise(() => {});
      },
    },
  });
  try {
    const { socket } = await rawSocket(transport.address.port);
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nx-user: stuck\r\n\r\n');
    // The stuck upgrade holds the only slot while its client is there.
    await eventually(async () => (await WsTestClient.refusal(url, { headers: { 'x-user': 'ann' } })) === 503, 5000, 'the slot to be taken by the stuck upgrade');
    socket.destroy();
    await eventually(() => aborted.length === 1, 5000, 'the signal to abort when the client left');
    assert.match(aborted[0] ?? '', /closed the connection/);
    const ann = await WsTestClient.connect(url, { headers: { 'x-user': 'ann' } });
    await ann.close();
  } finally {
    await app.close();
  }
});

// Regression: the transport's own server kept Node's defaults (a minute for
// headers, checked every 30 s): one client held 19,980 partial requests.
test('the transport\'s own server answers a request whose headers never end with 408 and closes it within headersTimeoutMs', { timeout: 10_000 }, async () => {
  const { app, transport } = await serve({ transport: { headersTimeoutMs: 300 } });
  try {
    const partial = await rawSocket(transport.address.port);
    partial.socket.write('GET /ws HTTP/1.1\r\nHost: x\r\n');
    const started = performance.now();
    await within(partial.closed, 3000, 'the partial request to be cut');
    assert.ok(performance.now() - started < 2000, 'cut soon after headersTimeoutMs, not at Node\'s default minute');
    assert.match(partial.received(), /^HTTP\/1\.1 408/);
  } finally {
    await app.close();
  }
});

test('the transport\'s own server lets one address hold no more TCP connections that are not WebSockets yet than it may hold connections', { timeout: 10_000 }, async () => {
  const { app, transport, url } = await serve({ app: { limits: { perAddress: { maxConnections: 3 } } } });
  try {
    const port = transport.address.port;
    const websocket = await WsTestClient.connect(url);
    // Three half-sent requests: as many as the address may hold; the open WebSocket does not count.
    const held = [await rawSocket(port), await rawSocket(port), await rawSocket(port)];
    for (const { socket } of held) socket.write('GET /ws HTTP/1.1\r\n');
    const over = await rawSocket(port);
    await within(over.closed, 3000, 'the connection one over the address\'s budget to be dropped');
    assert.equal(over.received(), '', 'dropped before any HTTP');
    assert.equal(held.filter(({ socket }) => socket.destroyed).length, 0, 'the connections within the budget stay open');
    for (const { socket } of held) socket.destroy();
    await Promise.all(held.map(({ closed }) => closed));
    await eventually(async () => {
      const again = await rawSocket(port);
      again.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await within(again.closed, 3000, 'the plain request to be answered');
      return again.received().startsWith('HTTP/1.1 426');
    }, 5000, 'the address to be served again once its connections closed');
    assert.equal((await websocket.exchange('no.such.command')).error?.code, 'UNKNOWN_COMMAND', 'the WebSocket was never in the count');
    await websocket.close();
  } finally {
    await app.close();
  }
});

// Regression: room names had no bound: 60 KB of memory (and presence) per membership.
test('a room name longer than maxRoomNameLength is refused with INVALID_PAYLOAD and joins nothing', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({ setup: (app) => app.register(Join, (payload, ctx) => ctx.join(payload.room)) });
  try {
    const client = await WsTestClient.connect(url);
    assert.equal((await client.exchange('room.join', { room: 'r'.repeat(128) })).kind, 'result');
    const long = await client.exchange('room.join', { room: 'r'.repeat(129) });
    assert.equal(long.error?.code, 'INVALID_PAYLOAD');
    assert.match(long.error?.message ?? '', /at most 128 characters/);
    assert.equal((await app.presence.members('r'.repeat(129))).length, 0);
    await client.close();
  } finally {
    await app.close();
  }
});

// Regression: pending commands had no per-connection cap (3.4 KB each: 20,000 of them held 65 MiB).
test('commands past maxPendingCommands in flight on one connection are answered RATE_LIMITED without running', { timeout: 10_000 }, async () => {
  const release: (() => void)[] = [];
  let ran = 0;
  const { app, url } = await serve({
    app: { limits: { maxPendingCommands: 4 } },
    setup: (app) =>
      app.register(Hold, async (n) => {
        ran++;
        await new Promise<void>((resolve) => release.push(resolve));
        return n;
      }),
  });
  try {
    const client = await WsTestClient.connect(url);
    const replies = Array.from({ length: 6 }, (_, n) => client.exchange('hold', n));
    const over = await Promise.all([client.reply('t5'), client.reply('t6')]);
    for (const reply of over) {
      assert.equal(reply.error?.code, 'RATE_LIMITED');
      assert.match(reply.error?.message ?? '', /in flight/);
    }
    await eventually(() => release.length === 4, 5000, 'the four commands within the cap to start');
    for (const resolve of release) resolve();
    assert.deepEqual((await Promise.all(replies)).slice(0, 4).map((reply) => reply.payload), [0, 1, 2, 3]);
    assert.equal(ran, 4);
    const next = client.exchange('hold', 9);
    await eventually(() => release.length === 5, 5000, 'a command to run again once the earlier ones replied');
    release[4]?.();
    assert.equal((await next).payload, 9);
    await client.close();
  } finally {
    await app.close();
  }
});

test('websocket options are resolved field by field and checked', () => {
  assert.throws(() => new WebSocketTransport({ authenticateTimeoutMs: 0 }), RangeError);
  assert.throws(() => new WebSocketTransport({ headersTimeoutMs: 1.5 }), RangeError);
  assert.doesNotThrow(() => new WebSocketTransport({ port: undefined, authenticate: undefined }));
});
