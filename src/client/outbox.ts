import { ClientError, ClientErrorCode } from './client-errors.js';
import type { WebSocketLike } from './web-socket-like.js';

/** A frame on its way out: a request's (with its id) or a fire-and-forget send's. */
export interface OutboundFrame {
  readonly data: string;
  readonly requestId: string | undefined;
  readonly sent: () => void;
  readonly fail: (error: ClientError) => void;
}

interface PendingRequest {
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: ReturnType<typeof setTimeout>;
  /** The frame, for sending it again with its id after a resumed session. */
  readonly data: string;
  /** Whether it may be sent again after a resume (every command but `session.resume` itself). */
  readonly retry: boolean;
  sent: boolean;
}

/**
 * The client's commands on their way: written at once when there is a
 * socket to write to, queued (up to a limit) when there is not, and, for
 * requests, pending until their reply, their timeout, or the connection
 * they went out on drops.
 *
 * @example
 * const outbox = new Outbox(100);
 * const result = outbox.request('chat.say', '1', frameText, 10_000, openSocket);
 * outbox.settle('1', undefined, { messageId: 'm1' });
 */
export class Outbox {
  readonly #limit: number;
  readonly #pending = new Map<string, PendingRequest>();
  #queue: OutboundFrame[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Frames waiting for a connection. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Sends request `id` through `socket` (or queues it when there is none)
   * and settles with its reply; fails with `REQUEST_TIMEOUT` after `timeoutMs`.
   */
  request(type: string, id: string, data: string, timeoutMs: number, socket: WebSocketLike | undefined, retry = true): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.#queue = this.#queue.filter((frame) => frame.requestId !== id);
        reject(new ClientError(ClientErrorCode.REQUEST_TIMEOUT, `no reply to "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const pending: PendingRequest = { resolve, reject, timer, data, retry, sent: false };
      this.#pending.set(id, pending);
      this.send(
        {
          data,
          requestId: id,
          sent: () => (pending.sent = true),
          fail: (error) => {
            clearTimeout(timer);
            this.#pending.delete(id);
            reject(error);
          },
        },
        socket,
      );
    });
  }

  /** Writes `frame` to `socket`, or queues it when there is none; fails it with `QUEUE_FULL` past the limit. */
  send(frame: OutboundFrame, socket: WebSocketLike | undefined): void {
    if (socket !== undefined) {
      socket.send(frame.data);
      return frame.sent();
    }
    if (this.#queue.length >= this.#limit) {
      return frame.fail(new ClientError(ClientErrorCode.QUEUE_FULL, `disconnected, and ${this.#limit} commands are already queued`));
    }
    this.#queue.push(frame);
  }

  /** Writes queued frames, in order, for as long as `writable` gives a socket. */
  flush(writable: () => WebSocketLike | undefined): void {
    for (let socket = writable(); socket !== undefined && this.#queue.length > 0; socket = writable()) {
      const frame = this.#queue.shift() as OutboundFrame;
      socket.send(frame.data);
      frame.sent();
    }
  }

  /** Settles request `id` with its reply: `error`, or else `payload`. `false` when no request waits for that id. */
  settle(id: string | undefined, error: ClientError | undefined, payload: unknown): boolean {
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (pending === undefined) return false;
    this.#pending.delete(id as string);
    clearTimeout(pending.timer);
    if (error !== undefined) pending.reject(error);
    else pending.resolve(payload);
    return true;
  }

  /**
   * The connection dropped: requests already written fail with
   * `CONNECTION_LOST`, unless `keep` (the session can be resumed): then
   * they wait to be sent again with their ids ({@link resend}) or failed
   * ({@link failSent}). Queued ones wait for the next connection.
   */
  lost(keep = false): void {
    for (const [id, pending] of this.#pending) {
      if (!pending.sent || (keep && pending.retry)) continue;
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new ClientError(ClientErrorCode.CONNECTION_LOST, 'the connection dropped before the reply arrived; the command may or may not have run'));
    }
  }

  /** The session was resumed: writes again, in order and with their ids, the requests that were sent but not answered. */
  resend(socket: WebSocketLike): void {
    for (const pending of this.#pending.values()) if (pending.sent && pending.retry) socket.send(pending.data);
  }

  /** The session could not be resumed: requests sent but not answered fail with `CONNECTION_LOST` (they may or may not have run). */
  failSent(): void {
    this.lost(false);
  }

  /** The client closed: every queued frame and pending request fails with `error`. */
  fail(error: ClientError): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const frame of queue) frame.fail(error);
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
  }
}
