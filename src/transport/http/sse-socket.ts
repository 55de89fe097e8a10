import type { ServerResponse } from 'node:http';
import type { Connection } from '../../session/connection.js';
import type { SendOptions, Socket } from '../../session/socket.js';
import type { SendPolicy } from '../websocket/ws-socket.js';
import { Admission, admit } from '../websocket/backpressure.js';

// A comment line: EventSource clients ignore it, proxies see traffic.
const HEARTBEAT = ':\n\n';

/**
 * Adapts one Server-Sent Events response to the {@link Socket} a
 * connection needs, under the same backpressure policy as a WebSocket: the
 * response's outbound buffer may hold at most `maxBufferedBytes`; past it a
 * volatile event is dropped and anything else ends the stream, because an
 * event that must not be lost cannot be skipped silently. It keeps itself in
 * its transport's set of open streams, which the heartbeat walks.
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

  constructor(response: ServerResponse, policy: SendPolicy, open: Set<SseSocket>) {
    this.response = response;
    this.#policy = policy;
    this.#open = open;
    open.add(this);
  }

  send(data: string | Buffer, options?: SendOptions): void {
    if (this.#ended) return;
    const buffered = this.response.writableLength;
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const admission = admit(buffered, bytes, options?.volatile === true, this.#policy.maxBufferedBytes);
    if (admission === Admission.SEND) return void this.response.write(data);
    if (admission === Admission.DROP) return void this.#policy.telemetry.backpressureDropped();
    this.#policy.telemetry.backpressureClosed();
    this.#ended = true;
    // A reader this slow would not read a goodbye either.
    this.response.destroy();
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

function destroy(response: ServerResponse): void {
  response.destroy();
}
