import type { Codec, DecodedCommand, RejectedFrame } from '../../protocol/codec.js';
import { rejectFrame } from '../codecs/parse-json-text.js';

// SSE ends a field at CR or LF; an event name holding one would forge fields.
const LINE_BREAK = /[\r\n]/g;

/**
 * Server-Sent Events framing, as the HTTP transport's hub encodes events:
 * `event: <type>` and `data: <payload JSON>`, then a blank line. JSON text
 * never holds a raw line break, so the payload is always one `data` line,
 * and the frame is encoded once for every stream it goes to. Streams carry
 * no commands and no replies (a POST gets its reply in its response).
 *
 * @example
 * sseCodec.encodeEvent('chat.message', { text: 'hi' }); // 'event: chat.message\ndata: {"text":"hi"}\n\n'
 */
export const sseCodec: Codec = Object.freeze({
  name: 'sse',
  decode,
  encodeReply,
  encodeEvent,
});

function decode(): DecodedCommand | RejectedFrame {
  return rejectFrame(undefined, 'an event stream carries no commands; POST them to /commands/{type}');
}

function encodeReply(): undefined {
  return undefined;
}

function encodeEvent(type: string, payload: unknown): string {
  return `event: ${type.replace(LINE_BREAK, '')}\ndata: ${JSON.stringify(payload) ?? 'null'}\n\n`;
}
