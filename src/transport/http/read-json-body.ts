import type { IncomingMessage } from 'node:http';
import { parse as parseContentType } from 'content-type';
import getRawBody from 'raw-body';

/** A request body read as text, or why it was not (with the HTTP status that says so). */
export type BodyOutcome =
  | { readonly ok: true; readonly text: string | undefined }
  | { readonly ok: false; readonly status: 408 | 400 | 413 | 415; readonly message: string };

const NO_BODY: BodyOutcome = Object.freeze({ ok: true, text: undefined });

function refuse(status: 415, message: string): Promise<BodyOutcome> {
  return Promise.resolve({ ok: false, status, message });
}

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/**
 * Reads a command's body: JSON (`application/json` or a `+json` type, in
 * UTF-8) of at most `limit` bytes, within `timeoutMs`. An empty body is no
 * payload, whatever its type. Another media type is refused (415) before a
 * byte is read; a declared length over the limit is refused (413) before a
 * byte is read, and a chunked body once it passes the limit. `raw-body`
 * does the counting and decoding; `content-type` parses the header.
 *
 * @example
 * const body = await readJsonBody(request, 65_536, 10_000);
 * if (!body.ok) return answer(response, body.status, body.message);
 */
export function readJsonBody(request: IncomingMessage, limit: number, timeoutMs: number): Promise<BodyOutcome> {
  const declared = request.headers['content-length'];
  const chunked = request.headers['transfer-encoding'] !== undefined;
  if (!chunked && (declared === undefined || declared === '0')) return Promise.resolve(NO_BODY);
  const type = request.headers['content-type'];
  // The type nearly every client sends needs no parsing.
  if (type === 'application/json' || type === 'application/json; charset=utf-8') return readWithin(request, limit, declared, timeoutMs);
  if (type === undefined) return refuse(415, 'send the payload as application/json');
  let mediaType: string;
  let charset: string | undefined;
  try {
    const parsed = parseContentType(type);
    mediaType = parsed.type;
    charset = parsed.parameters['charset']?.toLowerCase();
  } catch {
    return refuse(415, 'the Content-Type header cannot be read; send application/json');
  }
  if (!JSON_MEDIA_TYPE.test(mediaType)) return refuse(415, `${mediaType} is not accepted; send application/json`);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return refuse(415, 'JSON bodies must be UTF-8');
  return readWithin(request, limit, declared, timeoutMs);
}

/** A body being read, and what to do once its time is up. */
interface PendingRead {
  readonly deadline: number;
  readonly expire: () => void;
}

// One timer for every body being read, rather than one per request: the deadline is met within SWEEP_MS.
const SWEEP_MS = 100;
const reading = new Set<PendingRead>();
let sweeper: NodeJS.Timeout | undefined;

function sweep(): void {
  const now = performance.now();
  for (const read of reading) {
    if (read.deadline > now) continue;
    reading.delete(read);
    read.expire();
  }
  if (reading.size > 0) return;
  clearInterval(sweeper);
  sweeper = undefined;
}

function readWithin(request: IncomingMessage, limit: number, declared: string | undefined, timeoutMs: number): Promise<BodyOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const read: PendingRead = {
      deadline: performance.now() + timeoutMs,
      expire: () => {
        settled = true;
        resolve({ ok: false, status: 408, message: `the body did not arrive within ${timeoutMs} ms` });
      },
    };
    reading.add(read);
    if (sweeper === undefined) {
      sweeper = setInterval(sweep, SWEEP_MS);
      sweeper.unref();
    }
    // Bytes, decoded here: raw-body's own decoding goes through iconv-lite, which UTF-8 does not need.
    getRawBody(request, { limit, length: declared }, (error, bytes) => {
      reading.delete(read);
      if (settled) return;
      if (error === null || error === undefined) return resolve({ ok: true, text: bytes.toString('utf8') });
      // Past the limit; otherwise a length that does not match, or an aborted request.
      if ((error as { type?: unknown }).type === 'entity.too.large') return resolve({ ok: false, status: 413, message: `the body is larger than ${limit} bytes` });
      resolve({ ok: false, status: 400, message: 'the body could not be read' });
    });
  });
}
