import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, jsonCodec } from '../src/index.js';

describe('JSON codec (protocol v1)', () => {
  it('decodes a command frame', () => {
    assert.deepEqual(jsonCodec.decode(Buffer.from('{"type":"chat.say","id":"7","payload":{"text":"hi"}}'), false), {
      ok: true,
      type: 'chat.say',
      id: '7',
      payload: { text: 'hi' },
    });
  });

  it('leaves the id undefined for fire-and-forget and the payload undefined when absent', () => {
    assert.deepEqual(jsonCodec.decode('{"type":"ping"}', false), { ok: true, type: 'ping', id: undefined, payload: undefined });
  });

  it('rejects binary frames with BAD_FRAME', () => {
    const decoded = jsonCodec.decode(Buffer.from('{"type":"ping"}'), true);
    assert.equal(decoded.ok, false);
    assert.equal(!decoded.ok && decoded.error.code, ErrorCode.BAD_FRAME);
  });

  it('encodes results, errors and events as single-line JSON', () => {
    assert.equal(jsonCodec.encodeReply({ kind: 'result', id: '7', payload: { messageId: 'm-19' } }), '{"kind":"result","id":"7","payload":{"messageId":"m-19"}}');
    assert.equal(jsonCodec.encodeReply({ kind: 'result', id: '8', payload: undefined }), '{"kind":"result","id":"8","payload":null}');
    assert.equal(
      jsonCodec.encodeReply({ kind: 'error', id: '7', error: { code: 'INVALID_PAYLOAD', message: 'text: required', details: [] } }),
      '{"kind":"error","id":"7","error":{"code":"INVALID_PAYLOAD","message":"text: required","details":[]}}',
    );
    assert.equal(jsonCodec.encodeReply({ kind: 'error', id: undefined, error: { code: 'BAD_FRAME', message: 'm', details: [] } }), '{"kind":"error","error":{"code":"BAD_FRAME","message":"m","details":[]}}');
    assert.equal(jsonCodec.encodeEvent('chat.message', { text: 'hi' }), '{"kind":"event","type":"chat.message","payload":{"text":"hi"}}');
  });

  it('keeps "__proto__" keys as plain data and never changes a prototype', () => {
    const decoded = jsonCodec.decode('{"type":"x","payload":{"__proto__":{"polluted":true}}}', false);
    assert.ok(decoded.ok);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.getPrototypeOf(decoded.payload), Object.prototype);
  });

  it('encodes a server request and decodes the client\'s result and error frames as answers', () => {
    assert.equal(jsonCodec.encodeRequest?.('ab12-1', 'room.state', { room: 'r' }), '{"kind":"request","id":"ab12-1","type":"room.state","payload":{"room":"r"}}');
    assert.deepEqual(jsonCodec.decode('{"kind":"result","id":"ab12-1","payload":{"n":1}}', false), { ok: true, kind: 'answer', id: 'ab12-1', payload: { n: 1 } });
    assert.deepEqual(jsonCodec.decode('{"kind":"error","id":"ab12-2","error":{"code":"NOPE","message":"no","details":[1]}}', false), {
      ok: true,
      kind: 'answer',
      id: 'ab12-2',
      payload: undefined,
      error: { code: 'NOPE', message: 'no', details: [1] },
    });
    const unreadable = jsonCodec.decode('{"kind":"error","id":7,"error":"x"}', false);
    assert.ok(unreadable.ok && unreadable.kind === 'answer');
    assert.deepEqual([unreadable.id, unreadable.error?.code], [undefined, 'BAD_FRAME'], 'an unreadable id is left to be ignored; an unreadable error is still a refusal');
  });
});
