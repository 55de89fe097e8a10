import type { Reply } from '../../protocol/frames.js';
import type { Codec, DecodedAnswer, DecodedCommand, RejectedFrame } from '../../protocol/codec.js';
import type { EventPosition } from '../../protocol/session-resume.js';
import { readAnswerError } from './read-answer-error.js';
import { parseJsonText, rejectFrame } from './parse-json-text.js';
import { readMeta } from './read-meta.js';

/**
 * Longest accepted correlation id, in characters.
 *
 * @example
 * const id = crypto.randomUUID(); // 36 characters, well within MAX_ID_LENGTH
 */
export const MAX_ID_LENGTH = 128;

/**
 * Wire protocol v1: one JSON object per text frame.
 * In: `{"type", "id"?, "payload", "meta"?}`, and the client's answers to
 * server requests, `result` and `error` frames shaped as the server's.
 * Out: `result`, `error`, `event` and `request` frames; an event kept in a
 * history also carries `stream` and `pos` (v1.1).
 *
 * @example
 * const app = new Switchyard({ codec: jsonCodec }); // the default
 */
export const jsonCodec: Codec = Object.freeze({
  name: 'json-v1',
  decode,
  encodeReply,
  encodeEvent,
  encodeRequest,
});

function decode(data: Buffer | string, isBinary: boolean): DecodedCommand | DecodedAnswer | RejectedFrame {
  const parsed = parseJsonText(data, isBinary);
  if (!('value' in parsed)) return parsed;
  const frame = parsed.value;
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return rejectFrame(undefined, 'frame must be a JSON object');
  const { type, id, payload, meta, kind } = frame as { type?: unknown; id?: unknown; payload?: unknown; meta?: unknown; kind?: unknown };
  if (kind === 'result' || kind === 'error') return decodeAnswer(kind, id, payload, (frame as { error?: unknown }).error);
  if (id !== undefined && (typeof id !== 'string' || id.length > MAX_ID_LENGTH)) {
    return rejectFrame(undefined, `id must be a string of at most ${MAX_ID_LENGTH} characters`);
  }
  if (typeof type !== 'string' || type.length === 0) return rejectFrame(id, 'type must be a non-empty string');
  if (meta === undefined) return { ok: true, type, id, payload };
  const checked = readMeta(meta);
  if (typeof checked === 'string') return rejectFrame(id, checked);
  return checked === undefined ? { ok: true, type, id, payload } : { ok: true, type, id, payload, meta: checked };
}

/** A client's answer: an id it could not have been sent is left for the hub to ignore, as any unknown id. */
function decodeAnswer(kind: 'result' | 'error', id: unknown, payload: unknown, error: unknown): DecodedAnswer {
  const known = typeof id === 'string' && id.length <= MAX_ID_LENGTH ? id : undefined;
  if (kind === 'result') return { ok: true, kind: 'answer', id: known, payload };
  return { ok: true, kind: 'answer', id: known, payload: undefined, error: readAnswerError(error) };
}

function encodeRequest(id: string, type: string, payload: unknown): string {
  return `{"kind":"request","id":${JSON.stringify(id)},"type":${JSON.stringify(type)},"payload":${JSON.stringify(payload) ?? 'null'}}`;
}

function encodeReply(reply: Reply): string {
  if (reply.kind === 'result') return `{"kind":"result","id":${JSON.stringify(reply.id)},"payload":${JSON.stringify(reply.payload) ?? 'null'}}`;
  return JSON.stringify({ kind: 'error', id: reply.id, error: reply.error });
}

function encodeEvent(type: string, payload: unknown, position?: EventPosition): string {
  const frame = `{"kind":"event","type":${JSON.stringify(type)},"payload":${JSON.stringify(payload) ?? 'null'}`;
  if (position === undefined) return `${frame}}`;
  return `${frame},"stream":${JSON.stringify(position.stream)},"pos":${JSON.stringify(position.pos)}}`;
}
