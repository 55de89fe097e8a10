/**
 * Property tests with an oracle: the codecs against the protocol's rules and
 * a round trip, the payload check against its definition, and a live server
 * against what it owes each frame (test/support/fuzz-model.ts). The long
 * version is test/soak/fuzz.soak.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CommandError, ErrorCode, MAX_ID_LENGTH, jsonCodec, jsonRpcCodec, type Codec, type Reply } from '../src/index.js';
import { inspectPayload } from '../src/session/inspect-payload.js';
import {
  FUZZ_MAX_DEPTH,
  anyFrame,
  commandArbitrary,
  commandText,
  compareReplies,
  expectedDecode,
  expectedReply,
  mismatch,
  payloadArbitrary,
  payloadProblem,
  registerFuzzTargets,
  signatureOf,
  type Decoded,
  type ReplyFrame,
} from './support/fuzz-model.js';
import { serve } from './support/socket-harness.js';
import { WsTestClient } from './support/ws-test-client.js';

const PURE_RUNS = 4000;
const SOCKET_RUNS = 1000;

/** The JSON text of a value, or `undefined`: compares payloads as the wire carries them (-0 is 0). */
const wire = (value: unknown): string | undefined => JSON.stringify(value);

/** How JSON-RPC 2.0 reads a frame; its id is compared through a reply, since the codec tags it. */
function expectedRpcDecode(data: string | Uint8Array, isBinary: boolean): Decoded & { rawId?: unknown } {
  if (isBinary) return { ok: false, id: undefined };
  let frame: unknown;
  try {
    frame = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return { ok: false, id: undefined };
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return { ok: false, id: undefined };
  const { jsonrpc, method, params, id } = frame as Record<string, unknown>;
  // A response from the client, to a server request: an answer, whatever its id.
  if (method === undefined && jsonrpc === '2.0' && ('result' in (frame as object) || 'error' in (frame as object))) return { ok: true, answer: true, id: undefined, payload: undefined };
  const idOk = id === undefined || (typeof id === 'string' && id.length <= MAX_ID_LENGTH) || (typeof id === 'number' && Number.isFinite(id));
  if (!idOk) return { ok: false, id: undefined };
  const tag = id === undefined ? undefined : 'readable';
  if (jsonrpc !== '2.0' || typeof method !== 'string' || method.length === 0) return { ok: false, id: tag, rawId: id };
  return { ok: true, type: method, id: tag, payload: params, rawId: id };
}

/** Checks a decoded frame against the model; ids are compared through a reply for JSON-RPC. */
function checkDecode(codec: Codec, data: string | Uint8Array, isBinary: boolean): void {
  const decoded = codec.decode(typeof data === 'string' ? data : Buffer.from(data), isBinary);
  const expected = codec === jsonCodec ? expectedDecode(data, isBinary) : expectedRpcDecode(data, isBinary);
  assert.equal(decoded.ok, expected.ok, 'accepted exactly when the protocol accepts');
  assert.equal(decoded.ok && decoded.kind === 'answer', expected.ok && expected.answer === true, 'an answer exactly when the frame is one');
  if (decoded.ok && decoded.kind === 'answer') return;
  if (decoded.ok && expected.ok && expected.answer !== true) {
    assert.equal(decoded.type, expected.type);
    assert.equal(wire(decoded.payload), wire(expected.payload));
  }
  if (!decoded.ok) {
    assert.ok(decoded.error instanceof CommandError);
    assert.equal(decoded.error.code, ErrorCode.BAD_FRAME);
  }
  if (codec === jsonCodec) assert.equal(decoded.id, expected.id);
  else {
    assert.equal(decoded.id === undefined, expected.id === undefined, 'an id is read exactly when the request has a usable one');
    if (decoded.id !== undefined) assert.equal(wire(replyIdOf(codec, decoded.id)), wire((expected as { rawId?: unknown }).rawId), 'the id comes back as it came');
  }
}

/** The id a client reads back from a result reply to `id`. */
function replyIdOf(codec: Codec, id: string): unknown {
  const text = codec.encodeReply({ kind: 'result', id, payload: null });
  assert.ok(text !== undefined);
  return (JSON.parse(text) as { id: unknown }).id;
}

const encodableCommand = fc.record(
  {
    type: fc.string({ minLength: 1 }),
    id: fc.string({ maxLength: MAX_ID_LENGTH }),
    rpcId: fc.oneof(fc.string({ maxLength: MAX_ID_LENGTH }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    payload: payloadArbitrary,
  },
  { requiredKeys: ['type', 'payload'] },
);

/** A reply to whatever id the command decoded to: a result (only with an id) or a coded error. */
const replyArbitrary: fc.Arbitrary<(id: string | undefined) => Reply> = fc.oneof(
  fc.jsonValue().map((payload) => (id: string | undefined): Reply => (id === undefined ? { kind: 'error', id, error: { code: 'X', message: '', details: [] } } : { kind: 'result', id, payload })),
  fc
    .record({ code: fc.constantFrom(...Object.values(ErrorCode), 'ROOM_FULL'), message: fc.string(), details: fc.array(fc.jsonValue(), { maxLength: 3 }) })
    .map((error) => (id: string | undefined): Reply => ({ kind: 'error', id, error })),
);

test('the decoders read any bytes exactly as the protocol says, and never throw', { timeout: 60_000 }, (t) => {
  let cases = 0;
  for (const codec of [jsonCodec, jsonRpcCodec]) {
    fc.assert(
      fc.property(anyFrame, fc.boolean(), ({ data }, isBinary) => {
        cases++;
        checkDecode(codec, data, isBinary);
      }),
      { numRuns: PURE_RUNS },
    );
  }
  t.diagnostic(`decoder cases: ${cases}`);
});

test('round trip: a command encodes to a frame that decodes back to it, and its reply encodes to JSON that carries its id back', { timeout: 60_000 }, (t) => {
  let cases = 0;
  fc.assert(
    fc.property(encodableCommand, replyArbitrary, fc.boolean(), ({ type, id, payload }, makeReply, asBuffer) => {
      cases++;
      const text = JSON.stringify({ type, id, payload });
      const decoded = jsonCodec.decode(asBuffer ? Buffer.from(text) : text, false);
      assert.ok(decoded.ok && decoded.kind === undefined, `decoded ${text}`);
      assert.deepEqual([decoded.type, decoded.id, wire(decoded.payload)], [type, id, wire(payload)]);
      const reply = makeReply(decoded.id);
      const encoded = jsonCodec.encodeReply(reply);
      assert.ok(encoded !== undefined, 'protocol v1 answers every reply');
      const parsed = JSON.parse(encoded) as ReplyFrame;
      assert.equal(parsed.id, id);
      if (reply.kind === 'result') assert.deepEqual([parsed.kind, wire(parsed.payload)], ['result', wire(reply.payload)]);
      else assert.deepEqual([parsed.kind, wire(parsed.error)], ['error', wire(reply.error)]);
    }),
    { numRuns: PURE_RUNS },
  );
  fc.assert(
    fc.property(encodableCommand, replyArbitrary, ({ type, rpcId, payload }, makeReply) => {
      cases++;
      const text = JSON.stringify({ jsonrpc: '2.0', method: type, params: payload, id: rpcId });
      const decoded = jsonRpcCodec.decode(text, false);
      assert.ok(decoded.ok && decoded.kind === undefined, `decoded ${text}`);
      assert.deepEqual([decoded.type, wire(decoded.payload)], [type, wire(payload)]);
      assert.equal(decoded.id === undefined, rpcId === undefined, 'a request without an id is a notification');
      const reply = makeReply(decoded.id);
      const encoded = jsonRpcCodec.encodeReply(reply);
      const unreadable = reply.kind === 'error' && reply.error.code === ErrorCode.BAD_FRAME;
      if (decoded.id === undefined && !unreadable) return void assert.equal(encoded, undefined, 'a notification is answered only when it could not be read');
      assert.ok(encoded !== undefined);
      const parsed = JSON.parse(encoded) as { jsonrpc: string; id: unknown; result?: unknown; error?: { data: { code: string; details: unknown[] } } };
      assert.equal(parsed.jsonrpc, '2.0');
      assert.equal(wire(parsed.id), wire(rpcId ?? null), 'the id comes back as it came (null for a request that could not be read)');
      if (reply.kind === 'result') assert.equal(wire(parsed.result), wire(reply.payload));
      else assert.deepEqual([parsed.error?.data.code, wire(parsed.error?.data.details)], [reply.error.code, wire(reply.error.details)]);
    }),
    { numRuns: PURE_RUNS },
  );
  fc.assert(
    fc.property(fc.string({ minLength: 1 }), fc.jsonValue(), (type, payload) => {
      cases++;
      assert.deepEqual(JSON.parse(jsonCodec.encodeEvent(type, payload)), { kind: 'event', type, payload: JSON.parse(wire(payload) ?? 'null') });
      assert.deepEqual(JSON.parse(jsonRpcCodec.encodeEvent(type, payload)), { jsonrpc: '2.0', method: type, params: JSON.parse(wire(payload) ?? 'null') });
    }),
    { numRuns: PURE_RUNS / 4 },
  );
  t.diagnostic(`round-trip cases: ${cases}`);
});

test('the payload check refuses exactly the payloads too deep or with a prototype key', { timeout: 60_000 }, (t) => {
  let cases = 0;
  fc.assert(
    fc.property(fc.oneof(payloadArbitrary, fc.jsonValue({ maxDepth: 40 })), fc.integer({ min: 1, max: 64 }), (value, depth) => {
      cases++;
      const problem = inspectPayload(value, depth);
      assert.equal(problem !== undefined, payloadProblem(value, depth), `inspectPayload(${wire(value)?.slice(0, 200)}, ${depth}) said ${String(problem)}`);
    }),
    { numRuns: PURE_RUNS },
  );
  t.diagnostic(`payload check cases: ${cases}`);
});

test('over real sockets: every frame gets what it is owed, each id exactly one reply, and the server keeps answering', { timeout: 90_000 }, async (t) => {
  const { app, url } = await serve({
    app: { limits: { rateLimit: false, perAddress: false, perUser: false, maxPendingCommands: 1024, maxPayloadDepth: FUZZ_MAX_DEPTH }, commandTimeoutMs: 2000 },
    setup: registerFuzzTargets,
  });
  try {
    const fuzzer = await WsTestClient.connect(url);
    const bystander = await WsTestClient.connect(url);
    const owed: string[] = [];
    let sent = 0;
    let next = 0;
    await fc.assert(
      fc.asyncProperty(commandArbitrary, async (command) => {
        const id = `f${++next}`;
        const text = commandText(command, id);
        sent++;
        const expected = expectedReply(text, false);
        assert.ok(expected.reply, 'a frame with an id is owed a reply');
        owed.push(signatureOf(expected));
        fuzzer.ws.send(text);
        const problem = mismatch(expected, await fuzzer.reply(id, 3000));
        assert.equal(problem, undefined, `${text} -> ${problem}`);
      }),
      { numRuns: SOCKET_RUNS },
    );
    await fc.assert(
      fc.asyncProperty(anyFrame, async ({ data, isBinary }) => {
        sent++;
        const barrier = `b${sent}`;
        const before = fuzzer.frames.length;
        const expected = expectedReply(data, isBinary);
        if (expected.reply) owed.push(signatureOf(expected));
        owed.push(signatureOf({ reply: true, id: barrier, kind: 'result', payload: null }));
        fuzzer.ws.send(data, { binary: isBinary });
        fuzzer.ws.send(JSON.stringify({ type: 'echo', id: barrier }));
        await fuzzer.reply(barrier, 3000);
        const between = fuzzer.frames.slice(before).filter((frame) => frame.kind !== 'event' && frame.id !== barrier);
        if (!expected.reply) assert.deepEqual(between, [], `${JSON.stringify(String(data))} is owed nothing`);
        else {
          assert.equal(between.length, 1, `${JSON.stringify(String(data))} is owed one reply`);
          const problem = mismatch(expected, between[0]!);
          assert.equal(problem, undefined, `${JSON.stringify(String(data))} -> ${problem}`);
        }
      }),
      { numRuns: SOCKET_RUNS },
    );
    const received = fuzzer.frames.filter((frame) => frame.kind !== 'event').map(signatureOf);
    assert.deepEqual(compareReplies(owed, received), { missing: [], extra: [] }, 'every reply owed, and nothing else');
    const ids = fuzzer.frames.filter((frame) => typeof frame.id === 'string' && /^f\d+$/.test(frame.id)).map((frame) => frame.id);
    assert.equal(ids.length, next, 'each id answered exactly once');
    assert.equal(new Set(ids).size, next);

    assert.equal(fuzzer.ws.readyState, fuzzer.ws.OPEN, 'bad frames never close the socket');
    for (const client of [fuzzer, bystander, await WsTestClient.connect(url)]) assert.equal((await client.exchange('echo', 'still here')).payload, 'still here');
    t.diagnostic(`socket fuzz cases: ${sent} frames (${next} commands with an id and ${sent - next} frames of any kind), ${received.length} replies, each as owed`);
    await Promise.all([fuzzer.close(), bystander.close()]);
  } finally {
    await app.close();
  }
});
