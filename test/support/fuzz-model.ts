/**
 * The fuzz oracle: what a server running {@link registerFuzzTargets} owes any
 * frame, worked out from the protocol's rules (docs/protocol.md,
 * docs/reliability.md) with `JSON.parse` and the commands' own schemas, never
 * with Switchyard's code; and the generators of frames, good and bad.
 */
import fc from 'fast-check';
import { ErrorCode, MAX_ID_LENGTH } from '../../src/index.js';
import { FUZZ_MAX_DEPTH, FuzzBoom, FuzzEcho, FuzzStrict, strictPayload } from './fuzz-targets.js';

export { FUZZ_MAX_DEPTH, FUZZ_SECRET, registerFuzzTargets } from './fuzz-targets.js';

/** What the server owes one frame: nothing, or one reply. */
export type Owed =
  | { readonly reply: false }
  | { readonly reply: true; readonly id: string | undefined; readonly kind: 'result'; readonly payload: unknown }
  | { readonly reply: true; readonly id: string | undefined; readonly kind: 'error'; readonly code: string };

/** A reply as the client parsed it. */
export interface ReplyFrame {
  readonly kind: string;
  readonly id?: string;
  readonly payload?: unknown;
  readonly error?: { readonly code: string; readonly message: string; readonly details: readonly unknown[] };
}

const NOTHING: Owed = Object.freeze({ reply: false });
const hasOwn = Object.prototype.hasOwnProperty;

function error(id: string | undefined, code: string): Owed {
  return { reply: true, id, kind: 'error', code };
}

/** The text the server decodes: what UTF-8 makes of a string (lone surrogates become U+FFFD). */
export function asServerSees(data: string | Uint8Array): string {
  return Buffer.from(data).toString('utf8');
}

/** Whether a payload nests objects deeper than `maxDepth`, or holds a key that could reach a prototype. */
export function payloadProblem(value: unknown, maxDepth: number, depth = 1): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth > maxDepth) return true;
  if (Array.isArray(value)) return value.some((element) => payloadProblem(element, maxDepth, depth + 1));
  const record = value as Record<string, unknown>;
  if (hasOwn.call(record, '__proto__')) return true;
  if (hasOwn.call(record, 'constructor')) {
    const ctor = record['constructor'];
    if (typeof ctor === 'object' && ctor !== null && hasOwn.call(ctor, 'prototype')) return true;
  }
  return Object.keys(record).some((key) => payloadProblem(record[key], maxDepth, depth + 1));
}

/** A command as protocol v1 reads a frame: decoded, or refused (with the id when it could be read). */
export type Decoded =
  | { readonly ok: true; readonly type: string; readonly id: string | undefined; readonly payload: unknown; readonly answer?: undefined }
  | { readonly ok: true; readonly answer: true; readonly id: string | undefined; readonly payload: unknown }
  | { readonly ok: false; readonly id: string | undefined };

/** How protocol v1 (`jsonCodec`) reads a frame. */
export function expectedDecode(data: string | Uint8Array, isBinary: boolean): Decoded {
  if (isBinary) return { ok: false, id: undefined };
  let frame: unknown;
  try {
    frame = JSON.parse(asServerSees(data));
  } catch {
    return { ok: false, id: undefined };
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return { ok: false, id: undefined };
  const { type, id, payload, kind } = frame as Record<string, unknown>;
  // A client's answer to a server request: never a command, never refused for its id (an unknown one is ignored).
  if (kind === 'result' || kind === 'error') return { ok: true, answer: true, id: typeof id === 'string' && id.length <= MAX_ID_LENGTH ? id : undefined, payload: kind === 'result' ? payload : undefined };
  if (id !== undefined && (typeof id !== 'string' || id.length > MAX_ID_LENGTH)) return { ok: false, id: undefined };
  if (typeof type !== 'string' || type.length === 0) return { ok: false, id };
  return { ok: true, type, id, payload };
}

/**
 * What the fuzzed server owes a frame. A frame with an id gets exactly one
 * reply; one without gets an error only when the command never reached its
 * handler, and nothing once the handler ran, even if it failed.
 */
export function expectedReply(data: string | Uint8Array, isBinary: boolean, maxDepth = FUZZ_MAX_DEPTH): Owed {
  const decoded = expectedDecode(data, isBinary);
  if (!decoded.ok) return error(decoded.id, ErrorCode.BAD_FRAME);
  if (decoded.answer === true) return payloadProblem(decoded.payload, maxDepth) ? error(decoded.id, ErrorCode.BAD_FRAME) : NOTHING;
  const { type, id, payload } = decoded;
  if (payloadProblem(payload, maxDepth)) return error(id, ErrorCode.BAD_FRAME);
  switch (type) {
    case FuzzEcho.type:
      return id === undefined ? NOTHING : { reply: true, id, kind: 'result', payload: payload ?? null };
    case FuzzBoom.type:
      return id === undefined ? NOTHING : error(id, ErrorCode.INTERNAL);
    case FuzzStrict.type: {
      const parsed = strictPayload.safeParse(payload);
      if (!parsed.success) return error(id, ErrorCode.INVALID_PAYLOAD);
      return id === undefined ? NOTHING : { reply: true, id, kind: 'result', payload: parsed.data.n };
    }
    default:
      return error(id, ErrorCode.UNKNOWN_COMMAND);
  }
}

/** One line per reply that identifies it fully, so owed and received replies compare as multisets. */
export function signatureOf(reply: Owed | ReplyFrame): string {
  if ('reply' in reply) {
    if (!reply.reply) throw new Error('nothing is owed: no signature');
    return JSON.stringify([reply.id ?? null, reply.kind, reply.kind === 'error' ? reply.code : JSON.stringify(reply.payload)]);
  }
  return JSON.stringify([reply.id ?? null, reply.kind, reply.kind === 'error' ? reply.error?.code : JSON.stringify(reply.payload)]);
}

/** Checks one received reply against what was owed; returns what is wrong, or `undefined`. */
export function mismatch(owed: Owed, received: ReplyFrame): string | undefined {
  if (!owed.reply) return `no reply was owed, got ${JSON.stringify(received)}`;
  if (received.kind === 'error') {
    const wire = received.error;
    if (wire === undefined || typeof wire.message !== 'string' || !Array.isArray(wire.details)) return `malformed error frame ${JSON.stringify(received)}`;
    if (JSON.stringify(received).includes('hunter2')) return `an error leaks the handler's secret: ${JSON.stringify(received)}`;
    if (wire.code === ErrorCode.INTERNAL && (wire.message !== 'internal error' || wire.details.length > 0)) return `INTERNAL carries more than its code: ${JSON.stringify(received)}`;
  }
  return signatureOf(owed) === signatureOf(received) ? undefined : `owed ${signatureOf(owed)}, got ${signatureOf(received)}`;
}

/** Multiset difference: what `owed` has and `received` lacks, and the reverse. */
export function compareReplies(owed: readonly string[], received: readonly string[]): { missing: string[]; extra: string[] } {
  const counts = new Map<string, number>();
  for (const line of owed) counts.set(line, (counts.get(line) ?? 0) + 1);
  const extra: string[] = [];
  for (const line of received) {
    const left = counts.get(line) ?? 0;
    if (left === 0) extra.push(line);
    else counts.set(line, left - 1);
  }
  const missing = [...counts].flatMap(([line, count]) => Array.from({ length: count }, () => line));
  return { missing, extra };
}

/** A payload nested `depth` levels deep, alternating objects and arrays. */
export function nested(depth: number): unknown {
  let value: unknown = 'core';
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? [value] : { in: value };
  return value;
}

/** Payloads a client might send: JSON of any shape, deep ones around the limit, prototype keys, valid `strict` payloads. */
export const payloadArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.integer({ min: FUZZ_MAX_DEPTH - 2, max: FUZZ_MAX_DEPTH + 3 }).map(nested) },
  {
    weight: 1,
    arbitrary: fc
      .dictionary(
        fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.string()),
        fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.dictionary(fc.constantFrom('prototype', 'x'), fc.jsonValue({ maxDepth: 0 }), { maxKeys: 2 })),
        { maxKeys: 4 },
      )
      .map((value) => JSON.parse(JSON.stringify(value)) as unknown),
  },
  { weight: 2, arbitrary: fc.record({ room: fc.string(), n: fc.oneof(fc.integer(), fc.double()) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** The `type` of a fuzzed command: the registered ones, near misses, anything. */
export const typeArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(FuzzEcho.type, FuzzBoom.type, FuzzStrict.type) },
  { weight: 1, arbitrary: fc.constantFrom('', 'Echo', 'echo ', 'session.reauth', 'room.join', '__proto__', 'constructor') },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.anything() },
);

/** The parts of a fuzzed command frame: a type and payload of any kind, plus stray fields. */
export interface FuzzedCommand {
  readonly type: unknown;
  readonly payload: unknown;
  readonly extra: Readonly<Record<string, unknown>>;
}

export const commandArbitrary: fc.Arbitrary<FuzzedCommand> = fc.record({
  type: typeArbitrary,
  payload: payloadArbitrary,
  extra: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
});

/** The text frame of a fuzzed command sent with `id`. */
export function commandText(command: FuzzedCommand, id: string): string {
  return JSON.stringify({ ...command.extra, type: command.type, id, payload: command.payload });
}

/** Text that is sometimes a command, sometimes a near miss, sometimes noise. */
export const frameText: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.json(),
  fc.jsonValue().map((value) => JSON.stringify({ type: 'echo', id: 'x', payload: value })),
  fc.record({ type: fc.anything(), id: fc.anything(), payload: fc.anything() }, { requiredKeys: [] }).map((frame) => JSON.stringify(frame) ?? ''),
  fc.record({ type: typeArbitrary, payload: payloadArbitrary }).map((frame) => JSON.stringify(frame)),
  fc.tuple(fc.constantFrom('{"type":"echo","id":"t","payload":{"a":[1,2,{"b":null}]}}', '{"type":"strict","payload":{"room":"r","n":1}}'), fc.nat(), fc.string({ maxLength: 3 })).map(
    ([text, at, insert]) => text.slice(0, at % (text.length + 1)) + insert + text.slice(at % (text.length + 1)),
  ),
);

/** Any frame a client could send: text (a string) or binary (bytes). */
export const anyFrame: fc.Arbitrary<{ data: string | Uint8Array; isBinary: boolean }> = fc.oneof(
  { weight: 5, arbitrary: frameText.map((data) => ({ data, isBinary: false })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((data) => ({ data, isBinary: true })) },
);
