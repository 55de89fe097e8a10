import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineCommand, jsonCodec, typed, type Codec } from '../src/index.js';
import { serve, within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

const Echo = defineCommand('echo', { payload: typed<unknown>(), result: typed<unknown>() });

/** The JSON codec, counting the frames it was asked to decode by size. */
function countingCodec(): Codec & { large: number } {
  const codec = {
    ...jsonCodec,
    large: 0,
    decode(data: Buffer | string, isBinary: boolean) {
      if (data.length > 16 * 1024) codec.large++;
      return jsonCodec.decode(data, isBinary);
    },
  };
  return codec;
}

// Regression: a frame was parsed before the bucket was checked, and the 1008
// close needed `closeAfter` refusals in a row while every refill reset the
// count, so a steady flood at ten times the limit was never closed.
test('a steady flood at 10x the rate limit with large frames is closed with 1008, its refused frames are never parsed, and a polite client is answered throughout', { timeout: 30_000 }, async (t) => {
  const codec = countingCodec();
  const { app, url } = await serve({
    app: { codec, limits: { rateLimit: { burst: 10, perSecond: 10, closeAfter: 100, closeWindowMs: 10_000 } } },
    setup: (app) => app.register(Echo, (payload) => payload),
  });
  try {
    const flooder = await WsTestClient.connect(url);
    flooder.record = false;
    let echoed = 0;
    let refused = 0;
    flooder.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { kind: string; error?: { code: string } };
      if (frame.kind === 'result') echoed++;
      else if (frame.error?.code === 'RATE_LIMITED') refused++;
    });
    const polite = await WsTestClient.connect(url);
    const big = 'x'.repeat(60 * 1024);
    let sent = 0;
    const politeReplies: Promise<unknown>[] = [];
    // Ten times the limit, evenly paced: one 60 KiB frame every 10 ms; the
    // polite client asks once per 20 of them, half its own limit.
    const pump = setInterval(() => {
      if (flooder.ws.readyState !== flooder.ws.OPEN) return;
      flooder.ws.send(JSON.stringify({ type: 'echo', id: `f${++sent}`, payload: big }));
      if (sent % 20 === 0) politeReplies.push(polite.exchange('echo', sent));
    }, 10);
    let answered = 0;
    const started = performance.now();
    try {
      assert.equal((await within(flooder.closed, 20_000, 'the flooder to be closed')).code, 1008);
      t.diagnostic(`flood at 10x the limit: closed 1008 after ${Math.round(performance.now() - started)} ms and ${sent} frames of 60 KiB (${echoed} echoed, ${refused} refused, ${codec.large} decoded)`);
    } finally {
      clearInterval(pump);
    }
    for (const reply of await Promise.all(politeReplies)) {
      assert.equal((reply as { kind: string }).kind, 'result', `a polite echo was answered with ${JSON.stringify(reply)}`);
      answered++;
    }
    assert.ok(answered > 0, 'the polite client was answered while the flood lasted');
    assert.ok(refused > 0, 'the flooder was told RATE_LIMITED before it was closed');
    assert.equal(codec.large, echoed, 'only the large frames that passed the rate limit were decoded');
    assert.ok(sent > echoed + refused / 2, `most of the ${sent} frames were refused (${echoed} echoed)`);
    assert.equal((await polite.exchange('echo', 'after')).payload, 'after');
    await polite.close();
  } finally {
    await app.close();
  }
});
