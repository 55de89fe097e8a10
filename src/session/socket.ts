/** How one outbound frame may be treated. */
export interface SendOptions {
  /** The frame may be dropped when the client reads too slowly (volatile events). @default false */
  readonly volatile?: boolean;
}

/** The little a connection needs from a socket; each transport adapts its own. */
export interface Socket {
  /** Sends one text frame. A `Buffer` holds its UTF-8 bytes, encoded once for many sockets. */
  send(data: string | Buffer, options?: SendOptions): void;
  /** Closes with a WebSocket close code. */
  close(code: number, reason: string): void;
}
