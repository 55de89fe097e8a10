import type { WebSocket } from 'ws';
import { CloseCode } from '../../commands/errors.js';
import type { SendOptions, Socket } from '../socket.js';
import { Admission, admit } from './backpressure.js';

// ws sends a Buffer as a binary frame unless told otherwise; ours hold UTF-8 text.
const TEXT = Object.freeze({ binary: false });

/** Adapts a `ws` socket to the {@link Socket} a connection needs, under the backpressure policy. */
export class WsSocket implements Socket {
  readonly #ws: WebSocket;
  readonly #maxBufferedBytes: number;
  readonly #closeTimeoutMs: number;
  #overflowed = false;

  constructor(ws: WebSocket, maxBufferedBytes: number, closeTimeoutMs: number) {
    this.#ws = ws;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#closeTimeoutMs = closeTimeoutMs;
  }

  send(data: string | Buffer, options?: SendOptions): void {
    if (this.#overflowed) return;
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const admission = admit(this.#ws.bufferedAmount, bytes, options?.volatile === true, this.#maxBufferedBytes);
    if (admission === Admission.SEND) return void this.#ws.send(data, TEXT);
    if (admission === Admission.DROP) return;
    this.#overflowed = true;
    this.#ws.close(CloseCode.TRY_AGAIN_LATER, 'slow consumer');
    // A peer that does not read will not read the close frame either: cut it once the grace period is over.
    setTimeout(terminate, this.#closeTimeoutMs, this.#ws).unref();
  }

  close(code: number, reason: string): void {
    this.#ws.close(code, reason);
  }
}

function terminate(ws: WebSocket): void {
  ws.terminate();
}
