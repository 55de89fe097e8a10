import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { defineCommand, jsonCodec, jsonRpcCodec, typed } from '../src/index.js';
import { inspectPayload } from '../src/session/inspect-payload.js';
import { serve, TestClient } from './support/socket-harness.js';

const PURE_RUNS = 5000;
const SOCKET_RUNS = 1000;

const Echo = defineCommand('echo', { payload: typed<unknown>(), result: typed<unknown>() });
const Boom = defineCommand('boom', { payload: typed<unknown>() });
const Strict = defineCommand('strict', { payload: z.object({ room: z.string().min(1), n: z.number().int() }), result: typed<number>() });

/** Text that is sometimes JSON, sometimes a near miss, sometimes noise. */
const frameText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.json(),
  fc.jsonValue().map((value) => JSON.stringify({ type: 'echo', id: 'x', payload: value })),
  fc.record({ type: fc.anything(), id: fc.anything(), payload: fc.anything() }, { requiredKeys: [] }).map((frame) => JSON.stringify(frame) ?? ''),
);

test('the decoders never throw, whatever the bytes', { timeout: 60_000 }, (t) => {
  let cases = 0;
  for (const codec of [jsonCodec, jsonRpcCodec]) {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.boolean(), (bytes, isBinary) => {
        cases++;
        const decoded = codec.decode(Buffer.from(bytes), isBinary);
        assert.equal(typeof decoded.ok, 'boolean');
      }),
      { numRuns: PURE_RUNS },
    );
    fc.assert(
      fc.property(frameText, (text) => {
        cases++;
        const decoded = codec.decode(text, false);
        if (!decoded.ok) assert.equal(typeof decoded.error.code, 'string');
        else assert.equal(typeof decoded.type, 'string');
      }),
      { numRuns: PURE_RUNS },
    );
  }
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 40 }), fc.integer({ min: 1, max: 64 }), (value, depth) => {
      cases++;
      const problem = inspectPayload(value, depth);
      assert.ok(problem === undefined || typeof problem === 'string');
    }),
    { numRuns: PURE_RUNS },
  );
  t.diagnostic(`pure fuzz cases: ${cases}`);
});

test('over real sockets: arbitrary frames with an id get exactly one reply each, and the server keeps answering others', { timeout: 90_000 }, async (t) => {
  const { app, url } = await serve({
    app: { limits: { rateLimit: false }, commandTimeoutMs: 2000 },
    setup: (app) => {
      app.register(Echo, (payload) => payload);
      app.register(Boom, () => {
        throw new Error('kaboom');
      });
      app.register(Strict, (payload) => payload.n);
    },
  });
  try {
    const fuzzer = await TestClient.connect(url);
    const bystander = await TestClient.connect(url);
    let sent = 0;
    let next = 0;
    const withId = fc.record(
      {
        type: fc.oneof(fc.constantFrom('echo', 'boom', 'strict', 'room.join', 'session.reauth', ''), fc.string(), fc.anything()),
        payload: fc.oneof(fc.jsonValue(), fc.anything().map((value) => JSON.parse(JSON.stringify(value) ?? 'null') as unknown)),
        extra: fc.dictionary(fc.string(), fc.jsonValue()),
      },
      { requiredKeys: ['type'] },
    );
    await fc.assert(
      fc.asyncProperty(withId, async (frame) => {
        const id = `f${++next}`;
        sent++;
        fuzzer.ws.send(JSON.stringify({ ...frame.extra, type: frame.type, id, payload: frame.payload }));
        const reply = await fuzzer.reply(id, 3000);
        assert.ok(reply.kind === 'result' || reply.kind === 'error');
        if (reply.kind === 'error') assert.equal(typeof reply.error?.code, 'string');
      }),
      { numRuns: SOCKET_RUNS },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(frameText, fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes))), async (data) => {
        sent++;
        fuzzer.ws.send(data);
        const check = await bystander.request('echo', sent);
        assert.equal(check.payload, sent);
      }),
      { numRuns: SOCKET_RUNS },
    );
    const replies = fuzzer.frames.filter((frame) => frame.kind !== 'event' && typeof frame.id === 'string' && /^f\d+$/.test(frame.id));
    const ids = replies.map((frame) => frame.id);
    assert.equal(new Set(ids).size, ids.length, 'no command was answered twice');
    for (let n = 1; n <= next; n++) assert.ok(ids.includes(`f${n}`), `f${n} was answered`);
    assert.equal(fuzzer.ws.readyState, fuzzer.ws.OPEN, 'bad frames never close the socket');
    t.diagnostic(`socket fuzz cases: ${sent} frames (${next} with an id, all answered exactly once)`);
    await Promise.all([fuzzer.close(), bystander.close()]);
  } finally {
    await app.close();
  }
});
