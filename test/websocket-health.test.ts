import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocketTransport, defineCommand, typed } from '../src/index.js';
import { eventually, serve, within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

const Join = defineCommand('room.join', { payload: typed<{ room: string }>() });

test('a peer that stops answering pings is terminated within two intervals and forgotten everywhere', { timeout: 10_000 }, async () => {
  const { app, transport, url } = await serve({
    transport: { heartbeatIntervalMs: 100 },
    setup: (app) => app.register(Join, (payload, ctx) => ctx.join(payload.room)),
  });
  try {
    const healthy = await WsTestClient.connect(url);
    const dead = await WsTestClient.connect(url, { autoPong: false });
    await dead.exchange('room.join', { room: 'lobby' });
    assert.equal((await app.presence.members('lobby')).length, 1);
    const started = Date.now();
    const { code } = await within(dead.closed, 2000, 'the dead peer to be terminated');
    assert.equal(code, 1006, 'terminated, not closed politely');
    assert.ok(Date.now() - started <= 3 * 100 + 150, 'gone within about two intervals');
    await eventually(() => transport.connections === 1, 1000, 'the server to forget the dead peer');
    assert.deepEqual(await app.presence.members('lobby'), []);
    let pings = 0;
    await within(new Promise<void>((resolve) => healthy.ws.on('ping', () => ++pings === 3 && resolve())), 2000, 'three pings');
    assert.equal(healthy.ws.readyState, healthy.ws.OPEN, 'a peer that answers stays connected');
    await healthy.close();
  } finally {
    await app.close();
  }
});

test('maxConnections refuses further upgrades with HTTP 503', { timeout: 10_000 }, async () => {
  const { app, transport, url } = await serve({ transport: { maxConnections: 2 } });
  try {
    const a = await WsTestClient.connect(url);
    const b = await WsTestClient.connect(url);
    assert.equal(await WsTestClient.refusal(url), 503);
    await a.close();
    await eventually(() => transport.connections === 1, 2000, 'a slot to free up');
    const c = await WsTestClient.connect(url);
    await Promise.all([b.close(), c.close()]);
  } finally {
    await app.close();
  }
});

test('allowedOrigins refuses a foreign Origin with HTTP 403 and admits listed and absent ones', { timeout: 10_000 }, async () => {
  const { app, url } = await serve({ transport: { allowedOrigins: ['https://app.example.com'] } });
  try {
    assert.equal(await WsTestClient.refusal(url, { origin: 'https://evil.example.net' }), 403);
    const listed = await WsTestClient.connect(url, { origin: 'https://APP.example.com' });
    const native = await WsTestClient.connect(url);
    await Promise.all([listed.close(), native.close()]);
  } finally {
    await app.close();
  }
});

test('options are checked up front', () => {
  assert.throws(() => new WebSocketTransport({ heartbeatIntervalMs: -1 }), RangeError);
  assert.throws(() => new WebSocketTransport({ maxBufferedBytes: 10 }), RangeError);
  assert.throws(() => new WebSocketTransport({ maxConnections: 0 }), RangeError);
  assert.throws(() => new WebSocketTransport({ allowedOrigins: [''] }), TypeError);
});
