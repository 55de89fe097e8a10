/**
 * The protocol soak: the WebSocket endpoint swept against RFC 6455, autobahn
 * style, with raw frames on bare sockets after real handshakes, while undici
 * clients (a third-party implementation that validates every frame the
 * server sends) keep a steady load of commands going. Sweeps every close
 * code from 0 to 5000 and a spread to 65535, every opcode with every
 * combination of reserved bits, random fragmentations of commands with
 * control frames interleaved, random bytes in text frames against an RFC 3629
 * validator, every ping size, close reasons, and payload length encodings at
 * their boundaries. `npm test` runs the short version
 * (test/websocket-protocol.test.ts).
 *
 * PROTOCOL_SEED=<n> replays a run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CloseCode } from '../../src/index.js';
import { expectedReply, signatureOf, type ReplyFrame } from '../support/fuzz-model.js';
import { protocolBench, type ProtocolBench } from '../support/protocol-check.js';
import { Opcode, closePayload, type RawWebSocket } from '../support/raw-websocket.js';

const SEED = Number(process.env['PROTOCOL_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const PARALLEL = 16;
const FRAGMENTATION_RUNS = 3000;
const UTF8_RUNS = 3000;
const CLOSE_REASON_RUNS = 500;
const PROTOCOL_ERROR = 1002;
const INVALID_DATA = 1007;

/** The close codes an endpoint may send (RFC 6455 7.4.1 and 7.4.2, with the IANA registry's 1012-1014). */
function sendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** Whether bytes are UTF-8, by the syntax of RFC 3629 section 4. */
function isUtf8(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const at = (k: number): number => bytes[i + k] ?? -1;
    const tail = (k: number): boolean => at(k) >= 0x80 && at(k) <= 0xbf;
    if (b <= 0x7f) i += 1;
    else if (b >= 0xc2 && b <= 0xdf && tail(1)) i += 2;
    else if (b === 0xe0 && at(1) >= 0xa0 && at(1) <= 0xbf && tail(2)) i += 3;
    else if (((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) && tail(1) && tail(2)) i += 3;
    else if (b === 0xed && at(1) >= 0x80 && at(1) <= 0x9f && tail(2)) i += 3;
    else if (b === 0xf0 && at(1) >= 0x90 && at(1) <= 0xbf && tail(2) && tail(3)) i += 4;
    else if (b >= 0xf1 && b <= 0xf3 && tail(1) && tail(2) && tail(3)) i += 4;
    else if (b === 0xf4 && at(1) >= 0x80 && at(1) <= 0x8f && tail(2) && tail(3)) i += 4;
    else return false;
  }
  return true;
}

/** Runs `work` for every item, `PARALLEL` at a time. */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const echo = (id: string, payload: unknown): string => JSON.stringify({ type: 'echo', id, payload });

describe('protocol soak: RFC 6455 sweeps under a steady third-party load', () => {
  let bench: ProtocolBench;
  let loadRunning = true;
  let load: Promise<number> = Promise.resolve(0);
  let cases = 0;
  const started = Date.now();

  before(async () => {
    bench = await protocolBench({ bystanders: 4 });
    // Each bystander sends one command after another for as long as the sweeps run.
    load = Promise.all(
      bench.bystanders.map(async (client) => {
        let answered = 0;
        while (loadRunning) {
          const reply = await client.request('echo', answered, 10_000);
          assert.equal(reply.payload, answered);
          answered++;
        }
        return answered;
      }),
    ).then((counts) => counts.reduce((sum, count) => sum + count, 0));
  });

  after(async () => {
    loadRunning = false;
    await load;
    await bench.close();
  });

  /** One raw connection for one case; the bench's checks follow each close. */
  async function onRaw(run: (raw: RawWebSocket) => Promise<void>): Promise<void> {
    cases++;
    const raw = await bench.raw();
    try {
      await run(raw);
    } finally {
      raw.destroy();
    }
  }

  it('every close code from 0 to 5000, and a spread to 65535: a sendable one is echoed, any other closes with 1002', async (t) => {
    const codes = [...Array.from({ length: 5001 }, (_, code) => code), ...Array.from({ length: 624 }, (_, k) => 5001 + k * 97), 65535];
    await inParallel(codes, (code) =>
      onRaw(async (raw) => {
        raw.send({ opcode: Opcode.CLOSE, payload: closePayload(code, `code ${code}`) });
        await bench.closedWith(raw, sendableCloseCode(code) ? code : PROTOCOL_ERROR, `close code ${code}`);
      }),
    );
    await bench.stillServing();
    t.diagnostic(`close codes: ${codes.length} (${codes.filter(sendableCloseCode).length} sendable)`);
  });

  it('every opcode with every combination of reserved bits and FIN', async (t) => {
    const combos = Array.from({ length: 16 * 8 * 2 }, (_, n) => ({ opcode: n % 16, rsv: Math.floor(n / 16) % 8, fin: n < 128 }));
    await inParallel(combos, ({ opcode, rsv, fin }) =>
      onRaw(async (raw) => {
        const what = `opcode 0x${opcode.toString(16)}, RSV ${rsv}, FIN ${fin}`;
        const payload = opcode === Opcode.TEXT ? echo('op', opcode) : opcode === Opcode.CLOSE ? closePayload(1000) : 'p';
        raw.send({ opcode, rsv, fin, payload });
        const known = [Opcode.TEXT, Opcode.BINARY, Opcode.CLOSE, Opcode.PING, Opcode.PONG].includes(opcode as 1);
        const control = opcode >= 0x8;
        if (rsv !== 0 || !known || (control && !fin)) return void (await bench.closedWith(raw, PROTOCOL_ERROR, what));
        if (opcode === Opcode.CLOSE) return void (await bench.closedWith(raw, 1000, what));
        if (!fin) {
          // A data frame left open: the message goes on with a continuation frame.
          raw.send({ opcode: Opcode.CONTINUATION, payload: opcode === Opcode.TEXT ? '' : 'q' });
        }
        if (opcode === Opcode.PING) await raw.next((frame) => frame.opcode === Opcode.PONG && frame.payload.toString() === 'p', `the pong (${what})`);
        if (opcode === Opcode.BINARY) await raw.next((frame) => frame.opcode === Opcode.TEXT && frame.payload.includes('BAD_FRAME'), `BAD_FRAME (${what})`);
        if (opcode === Opcode.TEXT) assert.equal((await raw.reply('op')).payload, Opcode.TEXT, what);
        raw.sendText(echo('after', what));
        assert.equal((await raw.reply('after')).payload, what);
      }),
    );
    await bench.stillServing();
    t.diagnostic(`opcode, RSV and FIN combinations: ${combos.length}`);
  });

  it('random fragmentations of commands, with pings and pongs between the fragments', async (t) => {
    const arbitrary = fc.record({
      payload: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.jsonValue({ maxDepth: 3 })),
      cuts: fc.array(fc.nat(), { maxLength: 12 }),
      controls: fc.array(fc.oneof(fc.uint8Array({ maxLength: 125 }).map((bytes) => ({ ping: Buffer.from(bytes) })), fc.constant({ pong: true })), { maxLength: 4 }),
    });
    const samples = fc.sample(arbitrary, { numRuns: FRAGMENTATION_RUNS, seed: SEED });
    const perConnection = 50;
    const groups = Array.from({ length: Math.ceil(samples.length / perConnection) }, (_, g) => samples.slice(g * perConnection, (g + 1) * perConnection));
    let fragments = 0;
    let controlFrames = 0;
    await inParallel(groups, (group) =>
      onRaw(async (raw) => {
        for (const [n, { payload, cuts, controls }] of group.entries()) {
          const id = `frag-${n}`;
          const bytes = Buffer.from(echo(id, payload));
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
          const bounds = [0, ...points, bytes.length];
          const pieces = bounds.slice(1).map((end, k) => bytes.subarray(bounds[k], end));
          const pings: Buffer[] = [];
          for (const [k, piece] of pieces.entries()) {
            raw.send({ opcode: k === 0 ? Opcode.TEXT : Opcode.CONTINUATION, fin: k === pieces.length - 1, payload: piece });
            const control = controls[k];
            if (control !== undefined && k < pieces.length - 1) {
              if ('ping' in control) {
                pings.push(control.ping);
                raw.send({ opcode: Opcode.PING, payload: control.ping });
              } else raw.send({ opcode: Opcode.PONG, payload: 'unasked' });
              controlFrames++;
            }
          }
          fragments += pieces.length;
          const reply = await raw.reply(id);
          assert.equal(signatureOf(reply), signatureOf(expectedReply(bytes, false)), `${id}, reassembled, is answered as the protocol says`);
          const pongs = raw.frames.filter((frame) => frame.opcode === Opcode.PONG).map((frame) => frame.payload);
          assert.deepEqual(pongs, pings, 'one pong per ping, in order, with its payload');
          raw.frames.length = 0;
        }
      }),
    );
    await bench.stillServing();
    t.diagnostic(`fragmentation: ${FRAGMENTATION_RUNS} commands in ${fragments} fragments with ${controlFrames} control frames between them`);
  });

  it('random bytes in text frames, whole or fragmented: valid UTF-8 is served as the protocol says, anything else closes with 1007', async (t) => {
    // Mostly characters, now and then raw bytes or a classic bad sequence: about half the messages stay valid.
    const codePoint = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).filter((c) => c !== 0x22 && c !== 0x5c).map((c) => Buffer.from(String.fromCodePoint(c))) },
      { weight: 8, arbitrary: fc.integer({ min: 0x80, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => Buffer.from(String.fromCodePoint(c))) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4 }).map((bytes) => Buffer.from(bytes)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(...[[0xed, 0xa0, 0x80], [0xc0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe0, 0x80, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80]].map((bytes) => Buffer.from(bytes))),
      },
    );
    const arbitrary = fc.record({ parts: fc.array(codePoint, { maxLength: 12 }), cut: fc.option(fc.nat()) });
    const samples = fc.sample(arbitrary, { numRuns: UTF8_RUNS, seed: SEED + 1 });
    let valid = 0;
    await inParallel(samples, ({ parts, cut }) =>
      onRaw(async (raw) => {
        const bytes = Buffer.concat([Buffer.from('{"type":"echo","id":"utf8","payload":"'), ...parts, Buffer.from('"}')]);
        const at = cut === null ? bytes.length : cut % (bytes.length + 1);
        if (at === bytes.length) raw.send({ opcode: Opcode.TEXT, payload: bytes });
        else {
          raw.send({ opcode: Opcode.TEXT, fin: false, payload: bytes.subarray(0, at) });
          raw.send({ opcode: Opcode.CONTINUATION, payload: bytes.subarray(at) });
        }
        const what = `text bytes ${bytes.toString('hex')}`;
        if (!isUtf8(bytes)) return void (await bench.closedWith(raw, INVALID_DATA, what));
        valid++;
        const owed = expectedReply(bytes, false);
        assert.ok(owed.reply);
        const reply: ReplyFrame =
          owed.id === 'utf8'
            ? await raw.reply('utf8')
            : (JSON.parse((await raw.next((frame) => frame.opcode === Opcode.TEXT && frame.payload.includes('"error"'), what)).payload.toString()) as ReplyFrame);
        assert.equal(signatureOf(reply), signatureOf(owed), what);
      }),
    );
    await bench.stillServing();
    t.diagnostic(`UTF-8: ${UTF8_RUNS} text messages, ${valid} valid (served), ${UTF8_RUNS - valid} invalid (closed with 1007)`);
  });

  it('every ping size: up to 125 bytes answered with the same payload, past it closed with 1002', async (t) => {
    await onRaw(async (raw) => {
      for (let size = 0; size <= 125; size++) {
        const payload = Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + size) & 0xff));
        raw.send({ opcode: Opcode.PING, payload });
        await raw.next((frame) => frame.opcode === Opcode.PONG && frame.payload.equals(payload), `the pong to ${size} bytes`);
      }
    });
    await inParallel([126, 127, 200, 1000, 65_535], (size) =>
      onRaw(async (raw) => {
        raw.send({ opcode: Opcode.PING, payload: Buffer.alloc(size, 7) });
        await bench.closedWith(raw, PROTOCOL_ERROR, `a ${size}-byte ping`);
      }),
    );
    await bench.stillServing();
    t.diagnostic('pings: 126 sizes answered, 5 oversized closed');
  });

  it('close reasons of any UTF-8 up to 123 bytes: the code is echoed; a longer one closes with 1002', async (t) => {
    const arbitrary = fc.record({
      code: fc.oneof(fc.constantFrom(1000, 1001, 1003, 1008, 1011, 1014), fc.integer({ min: 3000, max: 4999 })),
      reason: fc.string({ unit: 'grapheme', maxLength: 60 }).map((text) => Buffer.from(text).subarray(0, 123)).filter(isUtf8),
    });
    const samples = fc.sample(arbitrary, { numRuns: CLOSE_REASON_RUNS, seed: SEED + 2 });
    await inParallel(samples, ({ code, reason }) =>
      onRaw(async (raw) => {
        raw.send({ opcode: Opcode.CLOSE, payload: closePayload(code, reason) });
        await bench.closedWith(raw, code, `close ${code} with a ${reason.length}-byte reason`);
      }),
    );
    await onRaw(async (raw) => {
      raw.send({ opcode: Opcode.CLOSE, payload: closePayload(1000, 'x'.repeat(124)) });
      await bench.closedWith(raw, PROTOCOL_ERROR, 'a 124-byte reason');
    });
    await bench.stillServing();
    t.diagnostic(`close reasons: ${CLOSE_REASON_RUNS + 1}`);
  });

  it('payload lengths at the edges of each length encoding, up to maxPayload; past it 1009, and a 64-bit length with its top bit set is refused', async (t) => {
    const sizes = [0, 1, 124, 125, 126, 127, 128, 65_534, 65_535, 65_536];
    await inParallel(sizes, (size) =>
      onRaw(async (raw) => {
        const command = echo('len', size);
        if (size < command.length) {
          // Too short for a command: spaces, which are not JSON.
          raw.send({ opcode: Opcode.TEXT, payload: Buffer.alloc(size, 0x20) });
          await raw.next((frame) => frame.opcode === Opcode.TEXT && frame.payload.includes('BAD_FRAME'), `BAD_FRAME for ${size} spaces`);
          return;
        }
        raw.send({ opcode: Opcode.TEXT, payload: command + ' '.repeat(size - command.length) });
        assert.equal((await raw.reply('len')).payload, size);
      }),
    );
    await onRaw(async (raw) => {
      raw.send({ opcode: Opcode.TEXT, payload: Buffer.alloc(65_537, 0x20) });
      await bench.closedWith(raw, CloseCode.MESSAGE_TOO_BIG, 'a 65,537-byte frame');
    });
    await onRaw(async (raw) => {
      const header = Buffer.from([0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]);
      raw.write(header);
      await bench.closedWith(raw, CloseCode.MESSAGE_TOO_BIG, 'a 64-bit length with its most significant bit set');
    });
    await bench.stillServing();
    t.diagnostic(`length encodings: ${sizes.length + 2}`);
  });

  it('kept every third-party bystander connected and answered all along', async (t) => {
    loadRunning = false;
    const answered = await load;
    await bench.stillServing();
    for (const client of bench.bystanders) assert.equal(client.ws.readyState, client.ws.OPEN, 'no bystander was ever closed');
    t.diagnostic(`protocol soak: ${cases} raw connections in ${((Date.now() - started) / 1000).toFixed(1)} s; ${answered} commands from ${bench.bystanders.length} undici clients answered meanwhile, none closed; seed ${SEED}`);
  });
});
