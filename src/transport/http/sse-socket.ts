import { ServerResponse } from 'node:http';
import type { Socket as TcpSocket } from 'node:net';
import type { EventPosition, ResumeGrant } from '../../protocol/session-resume.js';
import type { Connection } from '../../session/connection.js';
import type { SendOptions, Socket } from '../../session/socket.js';
import type { PreparedFrame } from '../../session/prepared-frame.js';
import type { SendPolicy } from '../websocket/ws-socket.js';
import { Admission, admit } from '../websocket/backpressure.js';
import { SseCursor } from './sse-cursor.js';

// A comment line: EventSource clients ignore it, proxies see traffic.
const HEARTBEAT = ':\n\n';
const CRLF = Buffer.from('\r\n');

/**
 * Adapts one Server-Sent Events response to the {@link Socket} a
 * connection needs, under the same backpressure policy as a WebSocket: the
 * response's outbound buffer may hold at most `maxBufferedBytes`; past it a
 * volatile event is dropped and anything else ends the stream, because an
 * event that must not be lost cannot be skipped silently. It keeps itself in
 * its transport's set of open streams, which the heartbeat walks. With
 * recovery on, the events that move the session's resume cursor carry it as
 * their `id:` (see {@link SseCursor}), for `Last-Event-ID` to resume with.
 *
 * @example
 * const socket = new SseSocket(response, policy, streams);
 * socket.connection = hub.open(socket, user);
 */
export class SseSocket implements Socket {
  /** The connection this stream serves; set once the hub has opened it. */
  connection: Connection | undefined;
  /** The token a POST names this session by (`Switchyard-Session`). */
  token: string | undefined;
  readonly response: ServerResponse;
  readonly #policy: SendPolicy;
  readonly #open: Set<SseSocket>;
  #ended = false;
  // Made when recovery grants the session a resume token: without recovery no frame carries an id.
  #cursor: SseCursor | undefined;
  #grant: ResumeGrant | undefined;
  // The TCP socket, once the response's headers are out in chunked encoding: shared frames are written to it as whole chunks.
  readonly #tcp: TcpSocket | undefined;

  /** `response` must have sent its headers (`flushHeaders()`). */
  constructor(response: ServerResponse, policy: SendPolicy, open: Set<SseSocket>) {
    this.response = response;
    this.#policy = policy;
    this.#open = open;
    this.#tcp = writesStraight(response) ? (response.socket as TcpSocket) : undefined;
    open.add(this);
  }

  send(data: string | Buffer, options?: SendOptions, position?: EventPosition): void {
    if (this.#ended) return;
    const cursor = this.#cursor;
    if (position !== undefined) cursor?.advance(position, this.connection);
    const id = cursor?.pending;
    const buffered = this.response.writableLength;
    const bytes = (typeof data === 'string' ? Buffer.byteLength(data) : data.length) + (id?.length ?? 0);
    const admission = admit(buffered, bytes, options?.volatile === true, this.#policy.maxBufferedBytes);
    if (admission === Admission.SEND) return id === undefined ? void this.response.write(data) : this.#writeWithId(data, id, cursor as SseCursor);
    if (admission === Admission.DROP) return void this.#policy.telemetry.backpressureDropped();
    this.#policy.telemetry.backpressureClosed();
    this.#ended = true;
    // A reader this slow would not read a goodbye either.
    this.response.destroy();
  }

  /**
   * Sends an event prepared for many streams as its HTTP chunk (size line,
   * SSE block, CRLF), made once for all of them and written to the TCP
   * socket in one call, under the same bound as `send`; the response's own
   * `write` would make four writes and a tick of it for every stream. A
   * stream whose frames differ from the others' (a resume cursor to write),
   * or that is not chunked, takes `send`.
   */
  sendPrepared(frame: PreparedFrame, options?: SendOptions, position?: EventPosition): void {
    const tcp = this.#tcp;
    if (tcp === undefined || this.#cursor !== undefined) return this.send(frame.data, options, position);
    if (this.#ended) return;
    const chunk = frame.wire(httpChunk);
    const admission = admit(this.response.writableLength, chunk.length, options?.volatile === true, this.#policy.maxBufferedBytes);
    if (admission !== Admission.SEND) return this.send(frame.data, options, position);
    tcp.write(chunk);
  }

  /** Keeps the session's resume token for the stream's next `id:`, and the grant for `session.resumed`. */
  resumeGranted(grant: ResumeGrant): void {
    this.#grant = grant;
    (this.#cursor ??= new SseCursor()).grant(grant.token);
  }

  /** The session's current resume grant; `undefined` without recovery. */
  get grant(): ResumeGrant | undefined {
    return this.#grant;
  }

  // The id belongs to the event: it goes inside the event's block, before its closing blank line, and leaves with it in one system call.
  #writeWithId(data: string | Buffer, id: string, cursor: SseCursor): void {
    const response = this.response;
    if (typeof data === 'string') response.write(`${data.slice(0, -1)}${id}\n`);
    else {
      response.cork();
      response.write(data.subarray(0, data.length - 1));
      response.write(`${id}\n`);
      response.uncork();
    }
    cursor.written();
  }

  /** Writes a comment line, unless the stream is already behind: a heartbeat never adds to a backlog. */
  heartbeat(): void {
    if (!this.#ended && this.response.writableLength === 0) this.response.write(HEARTBEAT);
  }

  /** Ends the stream; the close code and reason go out as a comment line, for people reading the stream. */
  close(code: number, reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.response.end(`: closed ${code} ${reason.replace(/[\r\n]/g, ' ')}\n\n`);
    // A peer that does not read lets end() wait forever: cut it after the grace period.
    setTimeout(destroy, this.#policy.closeTimeoutMs, this.response).unref();
  }

  /** Leaves the set of open streams, gives back its budgets, and tells the hub; called once the response has closed. */
  closed(): void {
    this.#ended = true;
    this.#open.delete(this);
    this.connection?.lease?.release();
    this.connection?.closed();
  }
}

/**
 * Whether frames may bypass `response.write`: its headers are out, in
 * chunked encoding (not for an HTTP/1.0 client), on a socket Node has handed
 * it, and nothing wraps its `write` (a compression middleware would, and
 * bytes written past it would corrupt the stream).
 */
function writesStraight(response: ServerResponse): boolean {
  return response.headersSent && response.chunkedEncoding && response.socket !== null && response.write === ServerResponse.prototype.write;
}

/** An SSE block as one chunk of HTTP/1.1 chunked encoding; one function for every stream, as `PreparedFrame.wire` needs. */
function httpChunk(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`, 'latin1'), data, CRLF]);
}

function destroy(response: ServerResponse): void {
  response.destroy();
}
