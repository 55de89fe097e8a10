/** The little a connection needs from a socket; each transport adapts its own. */
export interface Socket {
  /** Sends one text frame. A `Buffer` holds its UTF-8 bytes, encoded once for many sockets. */
  send(data: string | Buffer): void;
  /** Closes with a WebSocket close code. */
  close(code: number, reason: string): void;
}
