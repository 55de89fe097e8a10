import type { PreparedFrame } from './prepared-frame.js';

/** How one outbound frame may be treated. */
export interface SendOptions {
  /** The frame may be dropped when the client reads too slowly (volatile events). @default false */
  readonly volatile?: boolean;
}

/** The little a connection needs from a socket; each transport adapts its own. */
export interface Socket {
  /** Sends one text frame. A `Buffer` holds its UTF-8 bytes, encoded once for many sockets. */
  send(data: string | Buffer, options?: SendOptions): void;
  /**
   * Sends a frame prepared once for many sockets, in this socket's wire form
   * (`frame.wire(...)`), under the same bounds as `send`. Optional: a socket
   * without it is sent `frame.data`.
   */
  sendPrepared?(frame: PreparedFrame, options?: SendOptions): void;
  /** Closes with a WebSocket close code. */
  close(code: number, reason: string): void;
}
