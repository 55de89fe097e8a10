// The WebSocket socket holds its writes until the current run of JavaScript
// ends, so the replies to the commands of one TCP read leave together; and the
// upgrade is corked, so the 101 response and the greeting leave together.
// Nothing may be held longer than that: every reply must arrive, in order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { defineCommand, typed } from '../src/index.js';
import { Opcode, RawWebSocket, encodeFrame } from './support/raw-websocket.js';
import { serve } from './support/socket-harness.js';

const Echo = defineCommand('echo', { payload: z.object({ n: z.number() }), result: typed<{ n: number }>() });
const Later = defineCommand('later', { payload: z.object({ n: z.number() }), result: typed<{ n: number }>() });

test('replies to pipelined commands in one TCP write all arrive, in order, and nothing stays held', { timeout: 15_000 }, async () => {
  const { app, transport } = await serve({
    setup: (app) => {
      app.register(Echo, (payload) => payload);
      app.register(Later, async (payload) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return payload;
      });
    },
  });
  try {
    const client = await RawWebSocket.open(transport.address.port);
    const greeting = await client.next((frame) => frame.opcode === Opcode.TEXT, 'the session.connected greeting');
    assert.equal((JSON.parse(greeting.payload.toString('utf8')) as { type: string }).type, 'session.connected');

    const frames = Array.from({ length: 20 }, (_, n) => encodeFrame({ opcode: Opcode.TEXT, payload: JSON.stringify({ type: n % 5 === 4 ? 'later' : 'echo', id: `c${n}`, payload: { n } }) }));
    client.write(Buffer.concat(frames));
    for (let n = 0; n < 20; n++) {
      const reply = await client.reply(`c${n}`);
      assert.equal(reply.kind, 'result');
      assert.deepEqual(reply.payload, { n });
    }

    // One more command on its own, after the burst: answered, so no write was left corked.
    client.sendText(JSON.stringify({ type: 'echo', id: 'alone', payload: { n: 99 } }));
    assert.deepEqual((await client.reply('alone', 2000)).payload, { n: 99 });
    client.sendText(JSON.stringify({ type: 'echo', id: 'bad', payload: { n: 'x' } }));
    assert.equal((await client.reply('bad', 2000)).error?.code, 'INVALID_PAYLOAD');
  } finally {
    await app.close();
  }
});
