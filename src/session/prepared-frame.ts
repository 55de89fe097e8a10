/**
 * One outbound text frame encoded once for many recipients: its UTF-8
 * bytes, and the wire form each kind of socket makes of them (a WebSocket
 * frame with its header, an SSE `data:` block), made by the first socket
 * of that kind that sends it and reused by every other. Nothing in it
 * depends on the recipient, so the whole audience of an event shares one.
 *
 * @example
 * const frame = new PreparedFrame(Buffer.from(codec.encodeEvent(type, payload)));
 * for (const connection of recipients) connection.sendPrepared(frame);
 */
export class PreparedFrame {
  /** The frame's text, as UTF-8 bytes. */
  readonly data: Buffer;
  // One or two kinds of socket serve an audience in practice: a pair of slots, no Map.
  #maker: ((data: Buffer) => unknown) | undefined;
  #wire: unknown;
  #otherMaker: ((data: Buffer) => unknown) | undefined;
  #otherWire: unknown;

  constructor(data: Buffer) {
    this.data = data;
  }

  /**
   * The frame in one socket kind's wire form: `make(data)` on first use,
   * the same value for every later call with the same `make`. `make` must
   * be one function per kind of socket (a module-level function), not a
   * closure per socket.
   */
  wire<T>(make: (data: Buffer) => T): T {
    if (this.#maker === make) return this.#wire as T;
    if (this.#otherMaker === make) return this.#otherWire as T;
    const wire = make(this.data);
    if (this.#maker === undefined) {
      this.#maker = make;
      this.#wire = wire;
    } else {
      this.#otherMaker = make;
      this.#otherWire = wire;
    }
    return wire;
  }
}
