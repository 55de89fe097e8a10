/** The trace context an event carries between nodes is checked like the rest of a backplane message. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBackplaneMessage } from '../../src/events/redis/backplane-message.js';
import { formatTraceparent, parseTraceparent } from '../../src/protocol/traceparent.js';

const event = { type: 'chat.message', payload: { text: 'hi' }, audience: { kind: 'room', id: 'lobby' } };
const trace = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('trace context in backplane messages', () => {
  it('keeps a version-00 traceparent as a node writes it', () => {
    assert.deepEqual(readBackplaneMessage({ n: 'node-a', e: { ...event, trace } }), { n: 'node-a', e: { ...event, trace } });
    assert.deepEqual(readBackplaneMessage({ n: 'node-a', e: event }), { n: 'node-a', e: event }, 'and a message without one is as before');
  });

  it('drops, as malformed, a message whose trace is anything else', () => {
    const forged: unknown[] = [
      7,
      null,
      {},
      ['00'],
      '',
      'nonsense',
      trace.toUpperCase(),
      `${trace}-extra`,
      '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later-version',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1',
      `00-${'g'.repeat(32)}-00f067aa0ba902b7-01`,
    ];
    for (const value of forged) assert.equal(readBackplaneMessage({ n: 'intruder', e: { ...event, trace: value } }), undefined, JSON.stringify(value));
  });

  it('reads and writes W3C traceparent as the specification says', () => {
    assert.deepEqual(parseTraceparent(trace), { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 });
    assert.equal(formatTraceparent({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 1 }), trace);
    assert.deepEqual(parseTraceparent('cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-what-comes-later'), { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', flags: 0 }, 'a later version is read for the fields it shares');
    for (const bad of [`${trace}-x`, 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', trace.slice(1)]) assert.equal(parseTraceparent(bad), undefined, bad);
  });
});
