import { ErrorCode } from '../../protocol/errors.js';
import type { Reply, WireError } from '../../protocol/frames.js';
import type { Codec, DecodedAnswer, DecodedCommand, RejectedFrame } from '../../protocol/codec.js';
import { readAnswerError } from './read-answer-error.js';
import { exactNumberId } from './exact-number-id.js';
import { MAX_ID_LENGTH } from './json-codec.js';
import { NOT_JSON, parseJsonText, rejectFrame } from './parse-json-text.js';

/**
 * JSON-RPC 2.0's own error codes, and ours mapped into its server-error range.
 *
 * @example
 * if (response.error?.code === JsonRpcErrorCode.INVALID_PARAMS) showIssues(response.error.data.details);
 */
export const JsonRpcErrorCode = Object.freeze({
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** Any other coded error; its Switchyard code is in `error.data.code`. */
  SERVER_ERROR: -32000,
} as const);

const numericCodes: Readonly<Record<string, number>> = Object.freeze({
  [ErrorCode.UNKNOWN_COMMAND]: JsonRpcErrorCode.METHOD_NOT_FOUND,
  [ErrorCode.INVALID_PAYLOAD]: JsonRpcErrorCode.INVALID_PARAMS,
  [ErrorCode.INTERNAL]: JsonRpcErrorCode.INTERNAL_ERROR,
});

// JSON-RPC ids are strings or numbers and must come back as they came; the
// bus correlates by string, so the codec tags each id with its JSON type.
const STRING_ID = 's:';
const NUMBER_ID = 'n:';

/**
 * JSON-RPC 2.0 over WebSocket text frames, so any off-the-shelf JSON-RPC
 * client can call commands: `method` is the command type, `params` its
 * payload, and server events arrive as notifications (`method` = event type).
 * A batch (an array of requests) is answered as the specification says:
 * one array of the responses, in order, without those of its notifications,
 * and nothing at all for a batch of notifications; an empty array is one
 * `Invalid Request`. A request from the server (`ctx.ask`) is a JSON-RPC
 * request from server to client, with a string id; the client's response
 * (`result`, or `error` with the Switchyard code in `error.data.code`) is
 * its answer. Every error carries the Switchyard code in `error.data.code`.
 *
 * @example
 * const app = new Switchyard({ codec: jsonRpcCodec });
 * // -> {"jsonrpc":"2.0","method":"echo","params":"hi","id":1}
 * // <- {"jsonrpc":"2.0","id":1,"result":"hi"}
 */
export const jsonRpcCodec: Codec = Object.freeze({
  name: 'json-rpc-2.0',
  decode,
  decodeBatch,
  encodeReply,
  encodeEvent,
  encodeRequest,
});

/**
 * Most requests one batch may hold; a longer batch is one `Invalid Request`.
 *
 * @example
 * for (let n = 0; n < requests.length; n += MAX_BATCH_LENGTH) ws.send(JSON.stringify(requests.slice(n, n + MAX_BATCH_LENGTH)));
 */
export const MAX_BATCH_LENGTH = 100;

const OPEN_BRACKET = 0x5b;

function decode(data: Buffer | string, isBinary: boolean): DecodedCommand | DecodedAnswer | RejectedFrame {
  const parsed = parseJsonText(data, isBinary);
  if (!('value' in parsed)) return parsed;
  const frame = parsed.value;
  if (Array.isArray(frame)) {
    return rejectFrame(undefined, frame.length === 0 ? 'a batch must hold at least one request' : `a batch holds at most ${MAX_BATCH_LENGTH} requests`);
  }
  return decodeRequest(frame, data, undefined);
}

/** The requests of a frame that is a non-empty array; `undefined` for any other frame, which `decode` reads (and answers). */
function decodeBatch(data: Buffer | string, isBinary: boolean): Array<DecodedCommand | RejectedFrame> | undefined {
  if (isBinary || firstNonSpace(data) !== OPEN_BRACKET) return undefined;
  const parsed = parseJsonText(data, isBinary);
  if (!('value' in parsed) || !Array.isArray(parsed.value)) return undefined;
  const batch: unknown[] = parsed.value;
  if (batch.length === 0 || batch.length > MAX_BATCH_LENGTH) return undefined;
  return batch.map((request, index) => {
    const decoded = decodeRequest(request, data, index);
    // A client answers a server's request in a frame of its own, never inside a batch.
    return decoded.ok && decoded.kind === 'answer' ? rejectFrame(undefined, 'a response to a server request cannot be part of a batch') : decoded;
  });
}

function decodeRequest(frame: unknown, data: Buffer | string, index: number | undefined): DecodedCommand | DecodedAnswer | RejectedFrame {
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return rejectFrame(undefined, 'a request must be a JSON object');
  const { jsonrpc, method, params, id } = frame as { jsonrpc?: unknown; method?: unknown; params?: unknown; id?: unknown };
  if (method === undefined && jsonrpc === '2.0' && ('result' in frame || 'error' in frame)) return decodeResponse(frame as { id?: unknown; result?: unknown; error?: unknown });
  const tagged = tagId(id, data, index);
  if (tagged === null) return rejectFrame(undefined, `id must be a string of at most ${MAX_ID_LENGTH} characters or a number`);
  if (jsonrpc !== '2.0') return rejectFrame(tagged, 'jsonrpc must be "2.0"');
  if (typeof method !== 'string' || method.length === 0) return rejectFrame(tagged, 'method must be a non-empty string');
  return { ok: true, type: method, id: tagged, payload: params };
}

function encodeReply(reply: Reply): string | undefined {
  if (reply.kind === 'result') return `{"jsonrpc":"2.0","id":${untagId(reply.id)},"result":${JSON.stringify(reply.payload) ?? 'null'}}`;
  const isRequestError = reply.error.code === ErrorCode.BAD_FRAME;
  // Notifications are never answered, except when the frame itself was unreadable (id null).
  if (reply.id === undefined && !isRequestError) return undefined;
  const id = reply.id === undefined ? 'null' : untagId(reply.id);
  return `{"jsonrpc":"2.0","id":${id},"error":${JSON.stringify(toJsonRpcError(reply.error))}}`;
}

/** A client's response to a server request: the server's ids are strings, so any other id is one it did not send. */
function decodeResponse({ id, result, error }: { id?: unknown; result?: unknown; error?: unknown }): DecodedAnswer {
  const known = typeof id === 'string' && id.length <= MAX_ID_LENGTH ? id : undefined;
  if (error === undefined) return { ok: true, kind: 'answer', id: known, payload: result };
  return { ok: true, kind: 'answer', id: known, payload: undefined, error: readAnswerError(fromJsonRpcError(error)) };
}

/** A JSON-RPC error object as a wire error: the Switchyard code in `data.code` if there is one, else the standard code's. */
function fromJsonRpcError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, data } = error as { code?: unknown; message?: unknown; data?: { code?: unknown; details?: unknown } };
  const named = typeof data === 'object' && data !== null && typeof data.code === 'string' ? data.code : undefined;
  const mapped = named ?? Object.keys(numericCodes).find((key) => numericCodes[key] === code) ?? ErrorCode.INTERNAL;
  return { code: mapped, message, details: typeof data === 'object' && data !== null ? data.details : undefined };
}

function encodeRequest(id: string, type: string, payload: unknown): string {
  return `{"jsonrpc":"2.0","method":${JSON.stringify(type)},"params":${JSON.stringify(payload) ?? 'null'},"id":${JSON.stringify(id)}}`;
}

function encodeEvent(type: string, payload: unknown): string {
  return `{"jsonrpc":"2.0","method":${JSON.stringify(type)},"params":${JSON.stringify(payload) ?? 'null'}}`;
}

function toJsonRpcError(error: WireError): { code: number; message: string; data: { code: string; details: readonly unknown[] } } {
  let code = numericCodes[error.code] ?? JsonRpcErrorCode.SERVER_ERROR;
  if (error.code === ErrorCode.BAD_FRAME) code = error.message === NOT_JSON ? JsonRpcErrorCode.PARSE_ERROR : JsonRpcErrorCode.INVALID_REQUEST;
  return { code, message: error.message, data: { code: error.code, details: error.details } };
}

/** `undefined` for a notification, `null` for an id JSON-RPC does not allow. */
function tagId(id: unknown, data: Buffer | string, index: number | undefined): string | undefined | null {
  if (id === undefined) return undefined;
  if (typeof id === 'string') return id.length <= MAX_ID_LENGTH ? STRING_ID + id : null;
  if (typeof id !== 'number' || !Number.isFinite(id)) return null;
  if (Number.isSafeInteger(id)) return NUMBER_ID + String(id);
  // JSON.parse rounded it (past 2^53) or may have (a fraction): answer with the digits as sent.
  const exact = exactNumberId(data, index);
  return exact !== undefined && exact.length <= MAX_ID_LENGTH ? NUMBER_ID + exact : null;
}

function untagId(tagged: string): string {
  const raw = tagged.slice(2);
  return tagged.startsWith(NUMBER_ID) ? raw : JSON.stringify(raw);
}


/** The first byte (or UTF-16 unit) of a frame that is not JSON whitespace. */
function firstNonSpace(data: Buffer | string): number | undefined {
  const length = data.length;
  for (let n = 0; n < length; n++) {
    const code = typeof data === 'string' ? data.charCodeAt(n) : (data[n] as number);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return code;
  }
  return undefined;
}
