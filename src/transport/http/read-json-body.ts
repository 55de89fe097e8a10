import type { IncomingMessage } from 'node:http';
import { parse as parseContentType } from 'content-type';
import getRawBody from 'raw-body';

/** A request body read as text, or why it was not (with the HTTP status that says so). */
export type BodyOutcome =
  | { readonly ok: true; readonly text: string | undefined }
  | { readonly ok: false; readonly status: 408 | 400 | 413 | 415; readonly message: string };

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
export async function readJsonBody(request: IncomingMessage, limit: number, timeoutMs: number): Promise<BodyOutcome> {
  const declared = request.headers['content-length'];
  const chunked = request.headers['transfer-encoding'] !== undefined;
  if (!chunked && (declared === undefined || declared === '0')) return { ok: true, text: undefined };
  const type = request.headers['content-type'];
  if (type === undefined) return { ok: false, status: 415, message: 'send the payload as application/json' };
  let mediaType: string;
  let charset: string | undefined;
  try {
    const parsed = parseContentType(type);
    mediaType = parsed.type;
    charset = parsed.parameters['charset']?.toLowerCase();
  } catch {
    return { ok: false, status: 415, message: 'the Content-Type header cannot be read; send application/json' };
  }
  if (!JSON_MEDIA_TYPE.test(mediaType)) return { ok: false, status: 415, message: `${mediaType} is not accepted; send application/json` };
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return { ok: false, status: 415, message: 'JSON bodies must be UTF-8' };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<BodyOutcome>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, { ok: false, status: 408, message: `the body did not arrive within ${timeoutMs} ms` });
  });
  try {
    return await Promise.race([read(request, limit, declared), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function read(request: IncomingMessage, limit: number, declared: string | undefined): Promise<BodyOutcome> {
  try {
    const text = await getRawBody(request, { limit, length: declared, encoding: 'utf-8' });
    return { ok: true, text };
  } catch (error) {
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.too.large') return { ok: false, status: 413, message: `the body is larger than ${limit} bytes` };
    // A length that does not match, an aborted request, bytes that are not UTF-8.
    return { ok: false, status: 400, message: 'the body could not be read' };
  }
}
