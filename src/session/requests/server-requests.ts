import { randomBytes } from 'node:crypto';
import type { Observable, Subscription } from 'rxjs';
import type { EventEnvelope } from '../../events/event-envelope.js';
import { CommandError, ErrorCode } from '../../protocol/errors.js';
import type { AskOptions } from '../../commands/command-context.js';

/**
 * How long `ctx.ask` waits for an answer unless told otherwise, in ms.
 *
 * @example
 * await ctx.ask(connectionId, RoomState, { room }, { timeoutMs: DEFAULT_ASK_TIMEOUT_MS / 5 });
 */
export const DEFAULT_ASK_TIMEOUT_MS = 5000;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/**
 * The requests this node's handlers are waiting on (`ctx.ask`), one per
 * application. A request leaves as an `ask` control envelope addressed to
 * the asked connection, so it reaches that connection's node through the
 * backplane like an event; that node's hub sends it as a `request` frame,
 * and returns the client's answer as an `answer` envelope addressed to the
 * asking connection, which lives here. Ids carry a random node prefix, so
 * no two nodes issue the same one. It listens to the backplane for answers
 * only while a request is waiting.
 *
 * @example
 * const requests = new ServerRequests((envelope) => backplane.publish(envelope), backplane.deliveries);
 * const state = await requests.ask(ctx.connectionId, memberId, 'room.state', { room }, { timeoutMs: 1000 });
 */
export class ServerRequests {
  readonly #send: (envelope: EventEnvelope) => void;
  readonly #answers: Observable<EventEnvelope>;
  #listening: Subscription | undefined;
  readonly #pending = new Map<string, Pending>();
  readonly #prefix = randomBytes(4).toString('hex');
  #sequence = 0;
  #closed = false;

  /** `answers` carries every envelope this node receives; those with an `answer` control settle the waiting requests. */
  constructor(send: (envelope: EventEnvelope) => void, answers: Observable<EventEnvelope>) {
    this.#send = send;
    this.#answers = answers;
  }

  /** Requests waiting for their answer. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Sends request `type` to connection `to` on behalf of connection `from`
   * (the answer comes back through `from`'s node, which is this one) and
   * resolves with the client's result. Rejects with the client's coded
   * error when it refuses, `TIMEOUT` when no answer comes in time, and
   * `UNAVAILABLE` when the application closes first.
   */
  async ask(from: string, to: string, type: string, payload: unknown, options: AskOptions = {}): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || timeoutMs > 2_147_483_647) throw new RangeError('"timeoutMs" must be a positive number of milliseconds');
    if (typeof to !== 'string' || to.length === 0) throw new TypeError('ask() needs the id of the connection to ask');
    if (this.#closed) throw new CommandError(ErrorCode.UNAVAILABLE, 'the application is closing');
    const signal = options.signal;
    signal?.throwIfAborted();
    const id = `${this.#prefix}-${(++this.#sequence).toString(36)}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#fail(id, new CommandError(ErrorCode.TIMEOUT, `connection ${to} did not answer "${type}" within ${timeoutMs} ms`)), timeoutMs);
      const onAbort = (): void => this.#fail(id, signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, { resolve, reject, timer, signal, onAbort });
      this.#listening ??= this.#answers.subscribe({ next: this.#onEnvelope });
      this.#send({ type, payload, audience: { kind: 'connection', id: to }, control: { kind: 'ask', id, replyTo: from, timeoutMs } });
    });
  }

  /** Hands a control envelope to the backplane: how a hub sends a client's answer on its way. */
  readonly post = (envelope: EventEnvelope): void => {
    this.#send(envelope);
  };

  /** Settles the request an `answer` envelope answers; envelopes for other nodes' requests, or late ones, are ignored. */
  settle(envelope: EventEnvelope): void {
    const control = envelope.control;
    if (control?.kind !== 'answer') return;
    const pending = this.#take(control.id);
    if (pending === undefined) return;
    const error = control.error;
    if (error === undefined) pending.resolve(envelope.payload);
    else pending.reject(new CommandError(error.code, error.message, error.details));
  }

  /** Fails every waiting request with `UNAVAILABLE`; later asks are refused. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) this.#fail(id, new CommandError(ErrorCode.UNAVAILABLE, 'the application closed before the client answered'));
  }

  readonly #onEnvelope = (envelope: EventEnvelope): void => {
    if (envelope.control?.kind === 'answer') this.settle(envelope);
  };

  #fail(id: string, error: unknown): void {
    this.#take(id)?.reject(error);
  }

  #take(id: string): Pending | undefined {
    const pending = this.#pending.get(id);
    if (pending === undefined) return undefined;
    this.#pending.delete(id);
    if (this.#pending.size === 0) {
      this.#listening?.unsubscribe();
      this.#listening = undefined;
    }
    clearTimeout(pending.timer);
    pending.signal?.removeEventListener('abort', pending.onAbort);
    return pending;
  }
}
