import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineEvent, to, typed } from '../src/index.js';
import { settledMemory } from './support/gc.js';
import { eventually, serve, within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

const Tick = defineEvent('feed.tick', typed<{ n: number; blob: string }>());
const blob = 'x'.repeat(8 * 1024);
const MAX_BUFFERED = 256 * 1024;
const EVENTS = 3000; // 24 MB per phase, far more than loopback's kernel buffers absorb

test('a client that stops reading cannot grow server memory; volatile events are dropped, then it is closed with 1013', { timeout: 60_000 }, async (t) => {
  const { app, transport, url } = await serve({ transport: { maxBufferedBytes: MAX_BUFFERED, closeTimeoutMs: 10_000, heartbeatIntervalMs: 0 } });
  try {
    const slow = await WsTestClient.connect(url);
    const fast = await WsTestClient.connect(url);
    slow.record = false;
    fast.record = false;
    const base = fast.received;
    const before = await settledMemory();
    slow.ws.pause();

    const publish = async (volatile: boolean): Promise<void> => {
      for (let n = 0; n < EVENTS; n++) {
        app.publisher.publish(Tick, { n, blob }, to.all(), { volatile });
        // Let the event loop write to the sockets now and then, as a real server's would.
        if (n % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
      }
    };

    await publish(true);
    await eventually(() => fast.received >= base + EVENTS, 20_000, 'the fast client to get every volatile event');
    const held = (await settledMemory()).arrayBuffers - before.arrayBuffers;
    t.diagnostic(`volatile phase: ${EVENTS} events of 8 KiB to a paused client, buffer memory held ${(held / 1024).toFixed(0)} KiB (bound ${MAX_BUFFERED / 1024} KiB)`);
    assert.ok(held < MAX_BUFFERED + 2 * 1024 * 1024, `buffer memory held ${held} bytes`);
    assert.equal(slow.ws.readyState, slow.ws.OPEN, 'dropping volatile events keeps the connection');

    await publish(false);
    await eventually(() => fast.received >= base + 2 * EVENTS, 20_000, 'the fast client to get every durable event');
    const afterDurable = (await settledMemory()).arrayBuffers - before.arrayBuffers;
    t.diagnostic(`durable phase: buffer memory held ${(afterDurable / 1024).toFixed(0)} KiB`);
    assert.ok(afterDurable < MAX_BUFFERED + 2 * 1024 * 1024, `buffer memory held ${afterDurable} bytes`);

    slow.ws.resume();
    const { code, reason } = await within(slow.closed, 10_000, 'the slow client to see the close');
    assert.equal(code, 1013);
    assert.equal(reason, 'slow consumer');
    await eventually(() => transport.connections === 1, 5000, 'the server to forget the slow client');
    assert.ok(slow.received < base + 2 * EVENTS, 'the slow client did not get everything');
    assert.equal(fast.received, base + 2 * EVENTS, 'the fast client was not affected');
    await fast.close();
  } finally {
    await app.close();
  }
});
