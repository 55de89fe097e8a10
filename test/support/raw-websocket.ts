/**
 * A WebSocket client written from RFC 6455 on a bare `net` socket, for the
 * protocol checks: it performs a real opening handshake (and checks the
 * server's accept key), then writes frames built byte by byte, masked as a
 * client must (or not, to misbehave), and parses every frame the server sends.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { within } from './socket-harness.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const Opcode = Object.freeze({ CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa });

/** A frame as it travels: the fields of RFC 6455 section 5.2. */
export interface FrameSpec {
  /** @default true */
  fin?: boolean;
  /** The three reserved bits, RSV1 as 4, RSV2 as 2, RSV3 as 1. @default 0 */
  rsv?: number;
  opcode: number;
  /** @default empty */
  payload?: Buffer | string;
  /** A client must mask; `false` sends the payload in the clear. @default true */
  mask?: boolean;
}

/** A frame the server sent. */
export interface ServerFrameBytes {
  readonly fin: boolean;
  readonly rsv: number;
  readonly opcode: number;
  readonly masked: boolean;
  readonly payload: Buffer;
}

/** Encodes one frame, with the shortest length encoding. */
export function encodeFrame({ fin = true, rsv = 0, opcode, payload = Buffer.alloc(0), mask = true }: FrameSpec): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const length = data.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (mask ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  header[1] = (mask ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) header.writeUInt16BE(length, 2);
  if (lengthBytes === 8) header.writeBigUInt64BE(BigInt(length), 2);
  if (!mask) return Buffer.concat([header, data]);
  const key = randomBytes(4);
  key.copy(header, 2 + lengthBytes);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++) masked[i] = data[i]! ^ key[i & 3]!;
  return Buffer.concat([header, masked]);
}

/** The payload of a close frame: nothing, a code, or a code and a reason. */
export function closePayload(code?: number, reason: Buffer | string = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const status = Buffer.alloc(2);
  status.writeUInt16BE(code);
  return Buffer.concat([status, typeof reason === 'string' ? Buffer.from(reason, 'utf8') : reason]);
}

/** A reply in a text frame, parsed. */
export interface TextReply {
  readonly kind: string;
  readonly id?: string;
  readonly payload?: unknown;
  readonly error?: { readonly code: string; readonly message: string; readonly details: readonly unknown[] };
}

/** How a connection ended, as the client saw it. */
export interface Ending {
  /** The code of the server's close frame; 1005 when it had none, `undefined` without a close frame. */
  readonly code: number | undefined;
  readonly reason: string;
}

/**
 * One raw connection. Like any client it answers the server's pings and
 * replies to the server's close frame; everything else is up to the test.
 *
 * @example
 * const raw = await RawWebSocket.open(port);
 * raw.send({ opcode: Opcode.TEXT, payload: '{"type":"echo","id":"1"}' });
 * const frame = await raw.next((frame) => frame.opcode === Opcode.TEXT, 'the reply');
 */
export class RawWebSocket {
  readonly frames: ServerFrameBytes[] = [];
  /** Whether the server's frames broke a rule a server must keep (masking, reserved bits, framing). */
  readonly violations: string[] = [];
  readonly ended: Promise<Ending>;
  #buffer: Buffer = Buffer.alloc(0);
  #closeFrame: ServerFrameBytes | undefined;
  #sentClose = false;
  readonly #socket: Socket;
  readonly #waiters = new Set<() => void>();

  private constructor(socket: Socket, leftover: Buffer) {
    this.#socket = socket;
    this.ended = new Promise((resolve) => {
      socket.once('close', () => {
        const payload = this.#closeFrame?.payload;
        if (payload === undefined) return resolve({ code: undefined, reason: '' });
        if (payload.length === 0) return resolve({ code: 1005, reason: '' });
        resolve({ code: payload.readUInt16BE(0), reason: payload.subarray(2).toString('utf8') });
      });
    });
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', () => {});
    if (leftover.length > 0) this.#receive(leftover);
  }

  /** Opens a connection: a real upgrade request, and a check of the server's accept key. */
  static async open(port: number, options: { path?: string; protocols?: string[] } = {}): Promise<RawWebSocket> {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    const key = randomBytes(16).toString('base64');
    const request = [
      `GET ${options.path ?? '/ws'} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${key}`,
      'Sec-WebSocket-Version: 13',
      ...(options.protocols === undefined ? [] : [`Sec-WebSocket-Protocol: ${options.protocols.join(', ')}`]),
      '',
      '',
    ].join('\r\n');
    const { head, leftover } = await within(
      new Promise<{ head: string; leftover: Buffer }>((resolve, reject) => {
        let received = Buffer.alloc(0);
        const onData = (chunk: Buffer): void => {
          received = Buffer.concat([received, chunk]);
          const end = received.indexOf('\r\n\r\n');
          if (end === -1) return;
          socket.off('data', onData);
          socket.pause();
          resolve({ head: received.subarray(0, end).toString('latin1'), leftover: received.subarray(end + 4) });
        };
        socket.on('data', onData);
        socket.once('error', reject);
        socket.once('close', () => reject(new Error('the server closed the connection during the handshake')));
        socket.write(request);
      }),
      5000,
      'the opening handshake',
    );
    const [status, ...lines] = head.split('\r\n');
    if (!/^HTTP\/1\.1 101 /.test(status ?? '')) throw new Error(`the upgrade was refused: ${status}`);
    const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    if (headers.get('sec-websocket-accept') !== accept) throw new Error(`wrong Sec-WebSocket-Accept: ${headers.get('sec-websocket-accept')}`);
    socket.removeAllListeners('close');
    socket.removeAllListeners('error');
    const raw = new RawWebSocket(socket, leftover);
    socket.resume();
    return raw;
  }

  /** Writes one frame. */
  send(frame: FrameSpec): void {
    if (frame.opcode === Opcode.CLOSE) this.#sentClose = true;
    this.#socket.write(encodeFrame(frame));
  }

  /** Writes bytes exactly as given. */
  write(bytes: Buffer): void {
    this.#socket.write(bytes);
  }

  /** A text frame carrying a command, in one frame. */
  sendText(text: string): void {
    this.send({ opcode: Opcode.TEXT, payload: text });
  }

  /** Resolves with the first frame, received or to come, that matches; rejects after `ms`. */
  async next(match: (frame: ServerFrameBytes) => boolean, what: string, ms = 5000): Promise<ServerFrameBytes> {
    const seen = this.frames.find(match);
    if (seen !== undefined) return seen;
    let check: (() => void) | undefined;
    try {
      return await within(
        new Promise<ServerFrameBytes>((resolve) => {
          check = () => {
            const found = this.frames.find(match);
            if (found !== undefined) resolve(found);
          };
          this.#waiters.add(check);
        }),
        ms,
        what,
      );
    } finally {
      if (check !== undefined) this.#waiters.delete(check);
    }
  }

  /** The JSON of the first text frame whose JSON matches. */
  async reply(id: string, ms = 5000): Promise<TextReply> {
    const frame = await this.next((candidate) => candidate.opcode === Opcode.TEXT && textId(candidate) === id, `the reply to ${id}`, ms);
    return JSON.parse(frame.payload.toString('utf8')) as TextReply;
  }

  /** Resolves with how the connection ended; rejects after `ms`. */
  end(what: string, ms = 5000): Promise<Ending> {
    return within(this.ended, ms, what);
  }

  /** Cuts the TCP connection. */
  destroy(): void {
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const frame = this.#parse();
      if (frame === undefined) break;
      this.frames.push(frame);
      this.#react(frame);
    }
    for (const check of [...this.#waiters]) check();
  }

  #parse(): ServerFrameBytes | undefined {
    const buffer = this.#buffer;
    if (buffer.length < 2) return undefined;
    const masked = (buffer[1]! & 0x80) !== 0;
    let length = buffer[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buffer.length < 4) return undefined;
      length = buffer.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return undefined;
      length = Number(buffer.readBigUInt64BE(2));
      offset = 10;
    }
    const keyOffset = offset;
    if (masked) offset += 4;
    if (buffer.length < offset + length) return undefined;
    let payload = Buffer.from(buffer.subarray(offset, offset + length));
    if (masked) payload = Buffer.from(payload.map((byte, i) => byte ^ buffer[keyOffset + (i & 3)]!));
    this.#buffer = buffer.subarray(offset + length);
    const frame = { fin: (buffer[0]! & 0x80) !== 0, rsv: (buffer[0]! >> 4) & 7, opcode: buffer[0]! & 0x0f, masked, payload };
    if (masked) this.violations.push('a server frame was masked');
    if (frame.rsv !== 0) this.violations.push(`a server frame had reserved bits ${frame.rsv}`);
    if (frame.opcode >= 0x8 && (length > 125 || !frame.fin)) this.violations.push('a server control frame was fragmented or longer than 125 bytes');
    return frame;
  }

  #react(frame: ServerFrameBytes): void {
    if (frame.opcode === Opcode.PING) this.send({ opcode: Opcode.PONG, payload: frame.payload });
    if (frame.opcode === Opcode.CLOSE && this.#closeFrame === undefined) {
      this.#closeFrame = frame;
      // A client answers a close frame with one of its own (RFC 6455 5.5.1), echoing the code.
      if (!this.#sentClose) this.send({ opcode: Opcode.CLOSE, payload: frame.payload.subarray(0, 2) });
    }
  }
}

function textId(frame: ServerFrameBytes): string | undefined {
  try {
    return (JSON.parse(frame.payload.toString('utf8')) as { id?: string }).id;
  } catch {
    return undefined;
  }
}
