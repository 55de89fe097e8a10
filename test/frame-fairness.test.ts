import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { defineCommand, jsonCodec, typed, type Codec } from '../src/index.js';
import { serve, within } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

const Echo = defineCommand('echo', { payload: typed<unknown>(), result: typed<unknown>() });

/** Counts event-loop turns: one per pass through the check phase. */
function turnCounter(): { readonly turn: number; stop(): void } {
  let turn = 0;
  let timer = setImmediate(function next() {
    turn++;
    timer = setImmediate(next);
  });
  return {
    get turn() {
      return turn;
    },
    stop: () => clearImmediate(timer),
  };
}

// Regression: ws hands every frame of a TCP chunk over in one go, so one
// client pipelining thousands of small frames kept the event loop to itself.
test('one socket hands over a bounded number of frames per event-loop turn, so a pipelining client cannot starve another', { timeout: 20_000 }, async () => {
  const turns = turnCounter();
  const decodedIn = new Map<number, number>();
  let politeTurn: number | undefined;
  let lastFloodTurn = 0;
  const codec: Codec = {
    ...jsonCodec,
    decode(data, isBinary) {
      const decoded = jsonCodec.decode(data, isBinary);
      if (decoded.id === 'polite') politeTurn = turns.turn;
      else {
        decodedIn.set(turns.turn, (decodedIn.get(turns.turn) ?? 0) + 1);
        lastFloodTurn = turns.turn;
      }
      return decoded;
    },
  };
  const { app, url } = await serve({ app: { codec, limits: { rateLimit: false, maxPendingCommands: 10_000 } }, setup: (app) => app.register(Echo, (payload) => payload) });
  try {
    const busy = await WsTestClient.connect(url);
    busy.record = false;
    const polite = await WsTestClient.connect(url);
    const frames = 3000;
    const answered = new Promise<void>((resolve) => busy.ws.on('message', () => busy.received >= frames && resolve()));
    // Every frame in one write, so they reach the server in as few TCP chunks as it reads.
    const raw = (busy.ws as unknown as { _socket: Socket })._socket;
    raw.cork();
    for (let n = 0; n < frames; n++) busy.ws.send(`{"type":"echo","id":"b${n}","payload":${n}}`);
    raw.uncork();
    polite.ws.send('{"type":"echo","id":"polite","payload":"hi"}');
    const reply = await polite.reply('polite');
    assert.equal(reply.payload, 'hi');
    await within(answered, 10_000, `replies to all ${frames} pipelined frames`);
    turns.stop();
    const most = Math.max(...decodedIn.values());
    assert.ok(most <= 64, `one socket's frames decoded in one turn: at most ${most}, expected a bounded batch`);
    assert.ok(politeTurn !== undefined && politeTurn < lastFloodTurn, `the polite frame (turn ${politeTurn}) was decoded before the pipelined ones ended (turn ${lastFloodTurn})`);
    await Promise.all([busy.close(), polite.close()]);
  } finally {
    turns.stop();
    await app.close();
  }
});
