/**
 * The WebSocket endpoint against RFC 6455, autobahn style: frames built byte
 * by byte on a bare socket after a real handshake, and a third-party client
 * (undici) that validates everything the server sends. Every case asserts
 * what the server does (the close code, that it forgets the connection, that
 * other connections are unaffected and it still serves). The long sweep is
 * test/soak/protocol.soak.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloseCode } from '../src/index.js';
import { Opcode, closePayload, type RawWebSocket } from './support/raw-websocket.js';
import { protocolBench, type ProtocolBench } from './support/protocol-check.js';
import { ThirdPartyClient } from './support/third-party-client.js';

const PROTOCOL_ERROR = 1002;
const INVALID_DATA = 1007;

const echo = (id: string, payload: unknown): string => JSON.stringify({ type: 'echo', id, payload });
const isPong = (payload: Buffer) => (frame: { opcode: number; payload: Buffer }) => frame.opcode === Opcode.PONG && frame.payload.equals(payload);

describe('WebSocket protocol (RFC 6455)', () => {
  let bench: ProtocolBench;
  before(async () => {
    bench = await protocolBench();
  });
  after(() => bench.close());

  /** Runs a case on a fresh raw connection, then checks that nothing else was disturbed. */
  async function withRaw(run: (raw: RawWebSocket) => Promise<void>): Promise<void> {
    const raw = await bench.raw();
    try {
      await run(raw);
    } finally {
      raw.destroy();
    }
    await bench.stillServing();
  }

  describe('fragmentation', () => {
    it('reassembles a command split over continuation frames, empty fragments included', () =>
      withRaw(async (raw) => {
        const text = Buffer.from(echo('frag', { note: 'in pieces' }));
        raw.send({ opcode: Opcode.TEXT, fin: false, payload: text.subarray(0, 5) });
        raw.send({ opcode: Opcode.CONTINUATION, fin: false, payload: Buffer.alloc(0) });
        raw.send({ opcode: Opcode.CONTINUATION, fin: false, payload: text.subarray(5, 20) });
        raw.send({ opcode: Opcode.CONTINUATION, fin: true, payload: text.subarray(20) });
        assert.deepEqual(await raw.reply('frag'), { kind: 'result', id: 'frag', payload: { note: 'in pieces' } });
      }));

    it('accepts a character split between two fragments', () =>
      withRaw(async (raw) => {
        const text = Buffer.from(echo('split', 'κόσμε 😀'));
        const cut = text.indexOf(Buffer.from('😀')) + 2;
        raw.send({ opcode: Opcode.TEXT, fin: false, payload: text.subarray(0, cut) });
        raw.send({ opcode: Opcode.CONTINUATION, payload: text.subarray(cut) });
        assert.equal((await raw.reply('split')).payload, 'κόσμε 😀');
      }));

    it('answers a ping sent between fragments at once, then the reassembled command', () =>
      withRaw(async (raw) => {
        const text = Buffer.from(echo('between', 1));
        raw.send({ opcode: Opcode.TEXT, fin: false, payload: text.subarray(0, 10) });
        raw.send({ opcode: Opcode.PING, payload: 'mid-message' });
        const pong = await raw.next(isPong(Buffer.from('mid-message')), 'the pong to a ping between fragments');
        raw.send({ opcode: Opcode.PONG, payload: 'unsolicited' });
        raw.send({ opcode: Opcode.CONTINUATION, payload: text.subarray(10) });
        await raw.reply('between');
        const order = raw.frames.filter((frame) => frame.opcode !== Opcode.TEXT || !frame.payload.includes('session.connected'));
        assert.deepEqual(order.map((frame) => frame.opcode), [Opcode.PONG, Opcode.TEXT], 'the pong came before the reply, and nothing else');
        assert.ok(pong.fin);
      }));

    const violations: Array<[string, (raw: RawWebSocket) => void]> = [
      ['a continuation frame with nothing to continue', (raw) => raw.send({ opcode: Opcode.CONTINUATION, payload: echo('x', 1) })],
      [
        'a new text frame in the middle of a fragmented one',
        (raw) => {
          raw.send({ opcode: Opcode.TEXT, fin: false, payload: '{"type":' });
          raw.send({ opcode: Opcode.TEXT, payload: echo('x', 1) });
        },
      ],
      ['a fragmented ping', (raw) => raw.send({ opcode: Opcode.PING, fin: false, payload: 'half' })],
    ];
    for (const [what, send] of violations) {
      it(`closes with 1002 on ${what}`, () =>
        withRaw(async (raw) => {
          send(raw);
          await bench.closedWith(raw, PROTOCOL_ERROR, what);
        }));
    }
  });

  describe('ping and pong', () => {
    for (const size of [0, 1, 125]) {
      it(`answers a ${size}-byte ping with a pong carrying the same payload`, () =>
        withRaw(async (raw) => {
          const payload = Buffer.from(Array.from({ length: size }, (_, i) => (i * 37) & 0xff));
          raw.send({ opcode: Opcode.PING, payload });
          await raw.next(isPong(payload), `the pong to a ${size}-byte ping`);
          raw.sendText(echo('after-ping', size));
          await raw.reply('after-ping');
        }));
    }

    it('ignores an unsolicited pong', () =>
      withRaw(async (raw) => {
        raw.send({ opcode: Opcode.PONG, payload: 'nobody asked' });
        raw.sendText(echo('after-pong', 1));
        await raw.reply('after-pong');
        assert.equal(raw.frames.filter((frame) => frame.opcode !== Opcode.TEXT).length, 0, 'nothing but text came back');
      }));

    for (const [what, opcode] of [
      ['ping', Opcode.PING],
      ['pong', Opcode.PONG],
      ['close', Opcode.CLOSE],
    ] as const) {
      it(`closes with 1002 on a ${what} frame longer than 125 bytes`, () =>
        withRaw(async (raw) => {
          raw.send({ opcode, payload: opcode === Opcode.CLOSE ? closePayload(1000, 'x'.repeat(124)) : Buffer.alloc(126, 1) });
          await bench.closedWith(raw, PROTOCOL_ERROR, `a ${what} of 126 bytes`);
        }));
    }
  });

  describe('UTF-8', () => {
    const invalid: Array<[string, Buffer]> = [
      ['a lone continuation byte', Buffer.from([0x80])],
      ['a truncated sequence', Buffer.from([0xc3, 0x28])],
      ['an overlong encoding', Buffer.from([0xc0, 0xaf])],
      ['a UTF-16 surrogate', Buffer.from([0xed, 0xa0, 0x80])],
      ['a code point past U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80])],
      ['the byte 0xFF', Buffer.from([0xff])],
    ];
    for (const [what, bytes] of invalid) {
      it(`closes with 1007 on a text frame holding ${what}`, () =>
        withRaw(async (raw) => {
          raw.send({ opcode: Opcode.TEXT, payload: Buffer.concat([Buffer.from('{"type":"echo","id":"u","payload":"'), bytes, Buffer.from('"}')]) });
          await bench.closedWith(raw, INVALID_DATA, `a text frame holding ${what}`);
          assert.equal(raw.frames.filter((frame) => frame.opcode === Opcode.TEXT).length, 1, 'no reply: the frame never reached the codec');
        }));
    }

    it('closes with 1007 when a fragment makes the message invalid, even though each valid prefix passed', () =>
      withRaw(async (raw) => {
        raw.send({ opcode: Opcode.TEXT, fin: false, payload: Buffer.from([0x22, 0xce]) });
        raw.send({ opcode: Opcode.CONTINUATION, payload: Buffer.from([0x22]) });
        await bench.closedWith(raw, INVALID_DATA, 'a fragment ending a character wrongly');
      }));

    it('closes with 1007 on a close reason that is not UTF-8', () =>
      withRaw(async (raw) => {
        raw.send({ opcode: Opcode.CLOSE, payload: closePayload(1000, Buffer.from([0xff, 0xfe])) });
        await bench.closedWith(raw, INVALID_DATA, 'a close reason of invalid UTF-8');
      }));

    it('leaves bytes in a binary frame alone: the codec refuses the frame with BAD_FRAME and the socket stays open', () =>
      withRaw(async (raw) => {
        raw.send({ opcode: Opcode.BINARY, payload: Buffer.from([0xff, 0xfe, 0x00]) });
        const refused = await raw.next((frame) => frame.opcode === Opcode.TEXT && frame.payload.includes('BAD_FRAME'), 'BAD_FRAME');
        assert.match(refused.payload.toString(), /binary frames are not accepted/);
        raw.sendText(echo('after-binary', 1));
        await raw.reply('after-binary');
      }));
  });

  describe('reserved bits, opcodes and masking', () => {
    for (const rsv of [4, 2, 1]) {
      it(`closes with 1002 on a text frame with RSV${rsv === 4 ? 1 : rsv === 2 ? 2 : 3} set (no extension was negotiated)`, () =>
        withRaw(async (raw) => {
          raw.send({ opcode: Opcode.TEXT, rsv, payload: echo('rsv', 1) });
          await bench.closedWith(raw, PROTOCOL_ERROR, `RSV bits ${rsv}`);
        }));
    }
    for (const opcode of [0x3, 0x7, 0xb, 0xf]) {
      it(`closes with 1002 on the reserved opcode 0x${opcode.toString(16)}`, () =>
        withRaw(async (raw) => {
          raw.send({ opcode, payload: 'x' });
          await bench.closedWith(raw, PROTOCOL_ERROR, `opcode ${opcode}`);
        }));
    }
    it('closes with 1002 on a frame a client did not mask', () =>
      withRaw(async (raw) => {
        raw.send({ opcode: Opcode.TEXT, payload: echo('clear', 1), mask: false });
        await bench.closedWith(raw, PROTOCOL_ERROR, 'an unmasked frame');
      }));
    it('closes with 1009 on a message past maxPayload, counted across its fragments', () =>
      withRaw(async (raw) => {
        raw.send({ opcode: Opcode.TEXT, fin: false, payload: Buffer.alloc(40_000, 0x20) });
        raw.send({ opcode: Opcode.CONTINUATION, payload: Buffer.alloc(40_000, 0x20) });
        await bench.closedWith(raw, CloseCode.MESSAGE_TOO_BIG, 'two fragments adding up past 64 KiB');
      }));
  });

  describe('close handshake', () => {
    it('answers a close frame without a code with an empty close frame, and forgets the connection', () =>
      withRaw(async (raw) => {
        raw.send({ opcode: Opcode.CLOSE });
        await bench.closedWith(raw, 1005, 'a close without a code');
      }));

    for (const code of [1000, 1001, 1003, 1011, 3000, 4999]) {
      it(`echoes a close with code ${code} and a reason`, () =>
        withRaw(async (raw) => {
          raw.send({ opcode: Opcode.CLOSE, payload: closePayload(code, 'going, bye 👋') });
          await bench.closedWith(raw, code, `a close with ${code}`);
        }));
    }

    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) {
      it(`closes with 1002 on the invalid close code ${code}`, () =>
        withRaw(async (raw) => {
          raw.send({ opcode: Opcode.CLOSE, payload: closePayload(code, 'bad') });
          await bench.closedWith(raw, PROTOCOL_ERROR, `close code ${code}`);
        }));
    }

    it('closes with 1002 on a close payload of one byte', () =>
      withRaw(async (raw) => {
        raw.send({ opcode: Opcode.CLOSE, payload: Buffer.from([0x03]) });
        await bench.closedWith(raw, PROTOCOL_ERROR, 'a one-byte close payload');
      }));

    it('forgets a connection whose peer vanished without a close frame', () =>
      withRaw(async (raw) => {
        raw.destroy();
        await bench.closedWith(raw, undefined, 'a TCP reset');
      }));
  });

  describe('a third-party client (undici)', () => {
    it('negotiates the subprotocol it offered and round-trips text of every width, small and near the size limit', async () => {
      const client = await ThirdPartyClient.connect(bench.url, ['v1']);
      assert.equal(client.ws.protocol, 'v1');
      for (const text of ['plain', 'κόσμε', '😀 4 bytes', 'x'.repeat(65_000)]) assert.equal((await client.request('echo', text)).payload, text);
      client.ws.close(1000, 'done');
      const closed = await client.closed;
      assert.deepEqual([closed.code, closed.wasClean], [1000, true]);
      await bench.stillServing();
    });

    it('gets a pong with the payload of its ping', async () => {
      const client = await ThirdPartyClient.connect(bench.url);
      client.ping(Buffer.from('are you there?'));
      await client.until(() => client.pongs.some((pong) => pong.equals(Buffer.from('are you there?'))), 'the pong');
      client.ws.close(4000, 'custom');
      const closed = await client.closed;
      assert.deepEqual([closed.code, closed.wasClean], [4000, true], 'the close handshake completes with the code');
    });

    it('is closed with 1009, cleanly, when it sends a message past maxPayload; others are unaffected', async () => {
      const client = await ThirdPartyClient.connect(bench.url);
      client.ws.send(JSON.stringify({ type: 'echo', id: 'big', payload: 'x'.repeat(70_000) }));
      const closed = await client.closed;
      assert.equal(closed.code, CloseCode.MESSAGE_TOO_BIG);
      assert.equal(closed.wasClean, true);
      await bench.stillServing();
    });

    it('gets BAD_FRAME for a binary message and stays connected', async () => {
      const client = await ThirdPartyClient.connect(bench.url);
      client.ws.send(new Uint8Array([1, 2, 3]));
      await client.until(() => client.frames.some((frame) => frame.kind === 'error' && frame.error?.code === 'BAD_FRAME'), 'BAD_FRAME');
      assert.equal((await client.request('echo', 'still')).payload, 'still');
      client.ws.close();
      assert.equal((await client.closed).code, 1005, 'a close without a code is answered without one');
    });
  });
});

describe('WebSocket protocol: heartbeat and shutdown with a third-party client', () => {
  it('keeps a client that answers the heartbeat, and closes it with 1001 after session.draining on shutdown', async () => {
    const bench = await protocolBench({ bystanders: 1, transport: { heartbeatIntervalMs: 50 } });
    const [client] = bench.bystanders as [ThirdPartyClient];
    await client.until(() => client.pings.length >= 4, 'four heartbeat pings', 5000);
    assert.equal(client.ws.readyState, client.ws.OPEN, 'answered pings keep the connection');
    assert.equal((await client.request('echo', 'alive')).payload, 'alive');
    await bench.app.close();
    const closed = await client.closed;
    assert.deepEqual([closed.code, closed.wasClean], [CloseCode.GOING_AWAY, true]);
    assert.ok(client.frames.some((frame) => frame.type === 'session.draining'), 'told session.draining first');
  });
});
