import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * The part of `ws`'s private `Sender` that sending a pre-framed message
 * uses, as engine.io does for its broadcasts: `sendFrame(list)` writes the
 * buffers of one complete frame to the socket, and `_state` is 0 while no
 * compressed or blob message is queued ahead of it (a frame written then
 * would overtake them). Neither is public API; `preFramedSender` checks
 * both on every use and the socket falls back to `ws.send` without them,
 * and a test fails if the installed `ws` stops offering them.
 */
export interface PreFramedSender {
  sendFrame(list: readonly Buffer[], callback?: (error?: Error) => void): void;
  readonly _state: number;
}

/** `ws`'s `Sender` state in which nothing is queued (its `DEFAULT`). */
const SENDER_IDLE = 0;

/** `WebSocket.OPEN`. */
const OPEN = 1;

/** The sender of an open `ws` socket that can take a pre-framed message now, or `undefined` (then use `ws.send`). */
export function preFramedSender(ws: WebSocket): PreFramedSender | undefined {
  if (ws.readyState !== OPEN) return undefined;
  const sender = (ws as unknown as { _sender?: Partial<PreFramedSender> })._sender;
  if (sender === undefined || typeof sender.sendFrame !== 'function' || sender._state !== SENDER_IDLE) return undefined;
  return sender as PreFramedSender;
}

/**
 * One unmasked, final text frame (RFC 6455, section 5.2) holding `data`:
 * the header and the payload in a single buffer, so each recipient costs
 * one socket write. What a server sends is never masked, so the same bytes
 * suit every client.
 *
 * @example
 * wsTextFrame(Buffer.from('hi')); // <81 02 68 69>
 */
export function wsTextFrame(data: Buffer): Buffer {
  const length = data.length;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN, text
  if (header === 2) {
    frame[1] = length;
  } else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  data.copy(frame, header);
  return frame;
}

/**
 * The TCP socket under an open `ws` socket (its private `_socket`), to cork
 * for a turn, or `undefined` where it is not there as expected: then writes
 * are simply not held.
 */
export function rawSocket(ws: WebSocket): Duplex | undefined {
  if (ws.readyState !== OPEN) return undefined;
  const socket = (ws as unknown as { _socket?: Partial<Duplex> })._socket;
  return socket !== undefined && typeof socket.cork === 'function' && typeof socket.uncork === 'function' ? (socket as Duplex) : undefined;
}
