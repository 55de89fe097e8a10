import { CommandError, ErrorCode } from '../../commands/errors.js';
import type { Codec, DecodedCommand, OutboundFrame, RejectedFrame } from '../codec.js';

/** Longest accepted correlation id, in characters. */
export const MAX_ID_LENGTH = 128;

/**
 * Wire protocol v1: one JSON object per text frame.
 * In: `{"type", "id"?, "payload"}`. Out: `result`, `error` and `event` frames.
 *
 * @example
 * new WebSocketTransport({ port: 8080, codec: jsonCodec });
 */
export const jsonCodec: Codec = Object.freeze({
  name: 'json-v1',
  decode,
  encode,
});

function decode(data: Buffer | string, isBinary: boolean): DecodedCommand | RejectedFrame {
  if (isBinary) return reject(undefined, 'binary frames are not accepted; send JSON text frames');
  let frame: unknown;
  try {
    frame = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    return reject(undefined, 'frame is not valid JSON');
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return reject(undefined, 'frame must be a JSON object');
  }
  const { type, id, payload } = frame as { type?: unknown; id?: unknown; payload?: unknown };
  if (id !== undefined && (typeof id !== 'string' || id.length > MAX_ID_LENGTH)) {
    return reject(undefined, `id must be a string of at most ${MAX_ID_LENGTH} characters`);
  }
  if (typeof type !== 'string' || type.length === 0) return reject(id, 'type must be a non-empty string');
  return { ok: true, type, id, payload };
}

function reject(id: string | undefined, message: string): RejectedFrame {
  return { ok: false, id, error: new CommandError(ErrorCode.BAD_FRAME, message) };
}

function encode(frame: OutboundFrame): string {
  switch (frame.kind) {
    case 'result':
      return `{"kind":"result","id":${JSON.stringify(frame.id)},"payload":${JSON.stringify(frame.payload) ?? 'null'}}`;
    case 'event':
      return `{"kind":"event","type":${JSON.stringify(frame.type)},"payload":${JSON.stringify(frame.payload) ?? 'null'}}`;
    case 'error':
      return JSON.stringify({ kind: 'error', id: frame.id, error: frame.error });
  }
}
