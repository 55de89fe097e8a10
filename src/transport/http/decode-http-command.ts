import type { IncomingHttpHeaders } from 'node:http';
import type { CommandMeta } from '../../protocol/command-meta.js';
import type { DecodedCommand, RejectedFrame } from '../../protocol/codec.js';
import { rejectFrame } from '../codecs/parse-json-text.js';
import { readMeta } from '../codecs/read-meta.js';

/**
 * A posted command as the bus takes it: the type from the path, the id the
 * transport gave the request, the body parsed as the payload (no body, no
 * payload), and the trace context of its headers. A body that is not JSON
 * is `BAD_FRAME`, as a WebSocket frame that is not would be.
 *
 * @example
 * hub.request(connection, () => decodeHttpCommand('echo', '1', '{"hi":1}', undefined), respond);
 */
export function decodeHttpCommand(type: string, id: string, body: string | undefined, meta: CommandMeta | undefined): DecodedCommand | RejectedFrame {
  let payload: unknown;
  if (body !== undefined) {
    try {
      payload = JSON.parse(body);
    } catch {
      return rejectFrame(id, 'the body is not valid JSON');
    }
  }
  return meta === undefined ? { ok: true, type, id, payload } : { ok: true, type, id, payload, meta };
}

/**
 * The W3C trace context of a request (`traceparent`, `tracestate`
 * headers) as a command's `meta`, checked as a frame's `meta` is: the reason
 * it is refused, or the meta (`undefined` without a `traceparent`).
 *
 * @example
 * const meta = readCommandMeta(request.headers);
 * if (typeof meta === 'string') return answer(400, meta);
 */
export function readCommandMeta(headers: IncomingHttpHeaders): CommandMeta | undefined | string {
  const { traceparent, tracestate } = headers;
  if (traceparent === undefined) return undefined;
  return readMeta(tracestate === undefined ? { traceparent } : { traceparent, tracestate });
}
