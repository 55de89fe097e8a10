import type { Identity } from '../protocol/identity.js';
import type { ServerFrame } from '../protocol/frames.js';
import { ClientError, ClientErrorCode, ServerError } from './client-errors.js';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from './client-options.js';
import type { CommandRef, EventPayloadFor, EventRef, InputFor, ResultFor } from './contract-types.js';
import { reconnectDelay } from './reconnect-policy.js';
import { OPEN, type WebSocketLike } from './web-socket-like.js';

/** Where the client's connection stands. `closed` is final. */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What the server said about this connection in `session.connected`. */
export interface ClientSession {
  readonly connectionId: string;
  readonly user: Identity | null;
}

/** Per-request options. */
export interface RequestOptions {
  /** Overrides the client's `requestTimeoutMs` for this request. */
  readonly timeoutMs?: number;
}

/** Per-listener options. */
export interface ListenerOptions {
  /** Removes the listener when aborted. */
  readonly signal?: AbortSignal;
}

// The protocol's greeting; its definition lives server-side, where the client cannot import values from.
const SESSION_CONNECTED = 'session.connected';
const SESSION_DRAINING = 'session.draining';
const CLOSE_NORMAL = 1000;

interface PendingRequest {
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: ReturnType<typeof setTimeout>;
  sent: boolean;
}

interface QueuedFrame {
  readonly data: string;
  readonly requestId: string | undefined;
  readonly sent: () => void;
  readonly fail: (error: ClientError) => void;
}

/**
 * A typed client of a Switchyard server, for browsers (native `WebSocket`)
 * and Node (pass `ws`'s `WebSocket`). Command and event types come from the
 * definitions the server registers; pass the contract module's type as `M`
 * to also name them by wire type. It reconnects with backoff, queues
 * commands issued while disconnected (up to `queueLimit`), and fails pending
 * requests with `CONNECTION_LOST` when their connection drops.
 *
 * @example
 * import type * as Contract from './contract.js';
 * const client = new SwitchyardClient<typeof Contract>({
 *   url: 'ws://localhost:8080/ws?user=ada',
 *   onReconnect: (c) => c.request('room.join', { room: 'lobby' }),
 * });
 * await client.request('room.join', { room: 'lobby' });
 * client.on('chat.message', (m) => console.log(m.from, m.text));
 * const { messageId } = await client.request('chat.say', { room: 'lobby', text: 'hi' });
 */
export class SwitchyardClient<M = {}> {
  readonly #options: ResolvedClientOptions<SwitchyardClient<M>>;
  readonly #pending = new Map<string, PendingRequest>();
  readonly #listeners = new Map<string, Set<(payload: unknown) => void>>();
  readonly #stateListeners = new Set<(state: ClientState) => void>();
  #queue: QueuedFrame[] = [];
  #state: ClientState = 'connecting';
  #socket: WebSocketLike | undefined;
  #session: ClientSession | undefined;
  #everOpened = false;
  /** Set by `session.draining`: how long to wait before reconnecting once this connection closes. */
  #drainingRetryMs: number | undefined;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #nextId = 0;
  #closeReason = 'the client is closed';
  #socketClosed: Promise<void> = Promise.resolve();

  constructor(options: ClientOptions<SwitchyardClient<M>>) {
    this.#options = resolveClientOptions(options);
    this.#connect();
  }

  /** Where the connection stands. */
  get state(): ClientState {
    return this.#state;
  }

  /** This connection's id and user, while open. */
  get session(): ClientSession | undefined {
    return this.#session;
  }

  /** Commands waiting for a connection. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Resolves once the connection is open (at once if it is), with the session
   * the server announced; rejects with `CLIENT_CLOSED` if the client closes first.
   */
  async ready(): Promise<ClientSession> {
    if (this.#state === 'open' && this.#session !== undefined) return this.#session;
    if (this.#state === 'closed') throw new ClientError(ClientErrorCode.CLIENT_CLOSED, this.#closeReason);
    return new Promise((resolve, reject) => {
      const off = this.onStateChange((state) => {
        if (state === 'open' && this.#session !== undefined) {
          off();
          resolve(this.#session);
        } else if (state === 'closed') {
          off();
          reject(new ClientError(ClientErrorCode.CLIENT_CLOSED, this.#closeReason));
        }
      });
    });
  }

  /**
   * Sends a command and resolves with its result. Rejects with a
   * {@link ServerError} carrying the server's code, or a {@link ClientError}:
   * `REQUEST_TIMEOUT`, `CONNECTION_LOST`, `QUEUE_FULL`, `CLIENT_CLOSED`.
   */
  async request<R extends CommandRef<M>>(command: R, payload: InputFor<M, R>, options: RequestOptions = {}): Promise<ResultFor<M, R>> {
    const type = typeOf(command);
    const id = (++this.#nextId).toString(36);
    const timeoutMs = options.timeoutMs ?? this.#options.requestTimeoutMs;
    const data = JSON.stringify({ type, id, payload });
    return new Promise<ResultFor<M, R>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.#queue = this.#queue.filter((frame) => frame.requestId !== id);
        reject(new ClientError(ClientErrorCode.REQUEST_TIMEOUT, `no reply to "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const pending: PendingRequest = { resolve: resolve as (result: unknown) => void, reject, timer, sent: false };
      this.#pending.set(id, pending);
      this.#transmit({
        data,
        requestId: id,
        sent: () => (pending.sent = true),
        fail: (error) => {
          clearTimeout(timer);
          this.#pending.delete(id);
          reject(error);
        },
      });
    });
  }

  /**
   * Sends a command without waiting for its result (fire-and-forget).
   * Resolves once the frame is handed to the socket; while disconnected it
   * waits in the queue, and rejects with `QUEUE_FULL` or `CLIENT_CLOSED`
   * rather than being dropped silently.
   */
  async send<R extends CommandRef<M>>(command: R, payload: InputFor<M, R>): Promise<void> {
    const data = JSON.stringify({ type: typeOf(command), payload });
    return new Promise<void>((resolve, reject) => this.#transmit({ data, requestId: undefined, sent: resolve, fail: reject }));
  }

  /**
   * Calls `listener` with the payload of every event of this type. Returns
   * the function that removes it; an aborted `signal` removes it too.
   */
  on<R extends EventRef<M>>(event: R, listener: (payload: EventPayloadFor<M, R>) => void, options: ListenerOptions = {}): () => void {
    const type = typeOf(event);
    if (options.signal?.aborted) return noop;
    let listeners = this.#listeners.get(type);
    if (listeners === undefined) this.#listeners.set(type, (listeners = new Set()));
    const entry = listener as (payload: unknown) => void;
    listeners.add(entry);
    const off = (): void => {
      listeners.delete(entry);
      options.signal?.removeEventListener('abort', off);
    };
    options.signal?.addEventListener('abort', off, { once: true });
    return off;
  }

  /** Calls `listener` on every change of {@link state}. Returns the function that removes it. */
  onStateChange(listener: (state: ClientState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /**
   * Closes the connection for good: pending requests and queued commands
   * fail with `CLIENT_CLOSED`. Resolves when the socket has closed. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#state !== 'closed') this.#shutdown('the client was closed');
    return this.#socketClosed;
  }

  #connect(): void {
    let socket: WebSocketLike;
    try {
      socket = new this.#options.WebSocket(this.#options.url);
    } catch (error) {
      this.#options.onError(error);
      return this.#shutdown(`could not open a WebSocket to ${this.#options.url}`);
    }
    this.#socket = socket;
    this.#socketClosed = new Promise((resolve) => {
      socket.onclose = () => {
        resolve();
        this.#dropped(socket);
      };
    });
    socket.onmessage = (event) => {
      if (socket === this.#socket) this.#receive(event.data);
    };
    // A close event always follows an error; that is where the client reacts.
    socket.onerror = noop;
  }

  #receive(data: unknown): void {
    let frame: ServerFrame;
    try {
      if (typeof data !== 'string') throw new TypeError('binary frame');
      frame = JSON.parse(data) as ServerFrame;
      if (typeof frame !== 'object' || frame === null) throw new TypeError('not an object');
    } catch (error) {
      return this.#options.onError(new ClientError('BAD_FRAME', 'the server sent a frame that is not a JSON object in a text frame', [], { cause: error }));
    }
    if (frame.kind === 'event') {
      if (frame.type === SESSION_CONNECTED) this.#opened(frame.payload as ClientSession);
      if (frame.type === SESSION_DRAINING) this.#drainingRetryMs = retryAfter(frame.payload);
      return this.#emit(frame.type, frame.payload);
    }
    const pending = frame.id === undefined ? undefined : this.#pending.get(frame.id);
    const error = frame.kind === 'error' ? new ServerError(frame.error.code, frame.error.message, frame.error.details ?? []) : undefined;
    if (pending === undefined) {
      if (error !== undefined) this.#options.onError(error);
      return;
    }
    this.#pending.delete((frame as { id: string }).id);
    clearTimeout(pending.timer);
    if (error !== undefined) pending.reject(error);
    else pending.resolve((frame as { payload: unknown }).payload);
  }

  #opened(session: ClientSession): void {
    this.#drainingRetryMs = undefined;
    this.#session = session;
    this.#attempt = 0;
    const reconnected = this.#everOpened;
    this.#everOpened = true;
    this.#setState('open');
    if (!reconnected) return this.#flush();
    // Restore first (re-join rooms), so that queued commands find the state they expect.
    Promise.resolve()
      .then(() => this.#options.onReconnect(this))
      .catch((error: unknown) => this.#options.onError(error))
      .finally(() => this.#flush());
  }

  #transmit(frame: QueuedFrame): void {
    const socket = this.#socket;
    if (this.#state === 'closed') return frame.fail(new ClientError(ClientErrorCode.CLIENT_CLOSED, this.#closeReason));
    // A draining server refuses new commands: hold them for the next node instead.
    if (this.#state === 'open' && this.#drainingRetryMs === undefined && socket !== undefined && socket.readyState === OPEN) {
      socket.send(frame.data);
      return frame.sent();
    }
    if (this.#queue.length >= this.#options.queueLimit) {
      return frame.fail(new ClientError(ClientErrorCode.QUEUE_FULL, `disconnected, and ${this.#options.queueLimit} commands are already queued`));
    }
    this.#queue.push(frame);
  }

  #flush(): void {
    const socket = this.#socket;
    while (this.#queue.length > 0 && this.#state === 'open' && this.#drainingRetryMs === undefined && socket === this.#socket && socket?.readyState === OPEN) {
      const frame = this.#queue.shift() as QueuedFrame;
      socket.send(frame.data);
      frame.sent();
    }
  }

  #dropped(socket: WebSocketLike): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    this.#session = undefined;
    for (const [id, pending] of this.#pending) {
      if (!pending.sent) continue;
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new ClientError(ClientErrorCode.CONNECTION_LOST, 'the connection dropped before the reply arrived; the command may or may not have run'));
    }
    if (this.#state === 'closed') return;
    const policy = this.#options.reconnect;
    if (policy === false) return this.#shutdown('the connection closed and reconnection is off');
    this.#attempt += 1;
    if (this.#attempt > policy.maxAttempts) return this.#shutdown(`gave up reconnecting after ${policy.maxAttempts} attempts`);
    this.#setState('reconnecting');
    // After session.draining the server chose when this client comes back, spreading a rolling deploy's reconnects.
    const delay = this.#drainingRetryMs ?? reconnectDelay(policy, this.#attempt);
    this.#drainingRetryMs = undefined;
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #shutdown(reason: string): void {
    this.#closeReason = reason;
    clearTimeout(this.#retryTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    this.#session = undefined;
    this.#setState('closed');
    const error = new ClientError(ClientErrorCode.CLIENT_CLOSED, reason);
    const queue = this.#queue;
    this.#queue = [];
    for (const frame of queue) frame.fail(error);
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
    if (socket !== undefined) {
      try {
        socket.close(CLOSE_NORMAL, 'client closed');
      } catch {
        // Closing a socket that is still connecting may throw; it is going away either way.
      }
    }
  }

  #setState(state: ClientState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const listener of [...this.#stateListeners]) this.#call(listener, state);
  }

  #emit(type: string, payload: unknown): void {
    const listeners = this.#listeners.get(type);
    if (listeners === undefined) return;
    for (const listener of [...listeners]) this.#call(listener, payload);
  }

  #call<T>(listener: (value: T) => void, value: T): void {
    try {
      listener(value);
    } catch (error) {
      // One failing listener must not keep the others from hearing the event.
      this.#options.onError(error);
    }
  }
}

function typeOf(ref: string | { readonly type: string }): string {
  return typeof ref === 'string' ? ref : ref.type;
}

function noop(): void {}

function retryAfter(payload: unknown): number {
  const value = (payload as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}
