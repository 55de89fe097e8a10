import type { WebSocket } from 'ws';
import type { Socket } from '../socket.js';

// ws sends a Buffer as a binary frame unless told otherwise; ours hold UTF-8 text.
const TEXT = Object.freeze({ binary: false });

/** Adapts a `ws` socket to the {@link Socket} a connection needs. */
export class WsSocket implements Socket {
  readonly #ws: WebSocket;

  constructor(ws: WebSocket) {
    this.#ws = ws;
  }

  send(data: string | Buffer): void {
    this.#ws.send(data, TEXT);
  }

  close(code: number, reason: string): void {
    this.#ws.close(code, reason);
  }
}
