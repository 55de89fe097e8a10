import type { RequestFrame, ServerFrame } from '../protocol/frames.js';
import { ClientError, ClientErrorCode, ServerError } from './client-errors.js';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from './client-options.js';
import type { Answerer, ClientSession, ClientState, ListenerOptions, RequestArgs, RequestOptions, SendArgs, StateChange } from './client-types.js';
import { ConnectAttempts, type ConnectAttempt } from './connect-attempts.js';
import { connectionFailure, handshakeStatus } from './connection-failure.js';
import { Outbox } from './outbox.js';
import type { CommandRef, EventPayloadFor, EventRef, InputFor, ResultFor } from './contract-types.js';
import { reconnectDelay, type ReconnectPolicy } from './reconnect-policy.js';
import { OPEN, type WebSocketLike } from './web-socket-like.js';

// The protocol's events, by name: a browser loads only this folder, so the client imports no values from src/protocol.
const SESSION_CONNECTED = 'session.connected';
const SESSION_DRAINING = 'session.draining';
const SESSION_RESUME = 'session.resume';
const CLOSE_NORMAL = 1000;

/**
 * A typed client of a Switchyard server, for browsers (native `WebSocket`)
 * and Node (pass `ws`'s `WebSocket`). Command and event types come from the
 * definitions the server registers; pass the contract module's type as `M`
 * to also name them by wire type. It reconnects with backoff, asking the
 * `token` provider for a fresh token before every attempt, queues commands
 * issued while disconnected (up to `queueLimit`), and fails pending requests
 * with `CONNECTION_LOST` when their connection drops. A token the server
 * refused (HTTP 401, or a 4001 close when it expired) is not offered again:
 * if the provider gives it back, the client closes with that error's code.
 *
 * @example
 * import type * as Contract from './contract.js';
 * const client = new SwitchyardClient<typeof Contract>({
 *   url: 'wss://chat.example.com/ws',
 *   token: () => auth.getAccessToken(),
 *   onReconnect: (c) => c.request('room.join', { room: 'lobby' }),
 *   onError: (error) => console.warn(error),
 * });
 * await client.request('room.join', { room: 'lobby' });
 * client.on('chat.message', (m) => console.log(m.from, m.text));
 * const { messageId } = await client.request('chat.say', { room: 'lobby', text: 'hi' });
 */
export class SwitchyardClient<M = {}> {
  readonly #options: ResolvedClientOptions<SwitchyardClient<M>>;
  readonly #outbox: Outbox;
  readonly #listeners = new Map<string, Set<(payload: unknown) => void>>();
  readonly #answerers = new Map<string, (payload: unknown) => unknown>();
  readonly #stateListeners = new Set<(state: ClientState, change: StateChange) => void>();
  readonly #attempts: ConnectAttempts;
  #state: ClientState = 'connecting';
  #socket: WebSocketLike | undefined;
  #session: ClientSession | undefined;
  #everOpened = false;
  /** Set by `session.draining`: how long to wait before reconnecting once this connection closes. */
  #drainingRetryMs: number | undefined;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #nextId = 0;
  #closeError: ClientError | undefined;
  #lastError: ClientError | undefined;
  #socketClosed: Promise<void> = Promise.resolve();
  /** The token that resumes the session to come back to (protocol v1.1); undefined when the server has no recovery. */
  #resumeToken: string | undefined;
  /** The last position seen per stream, sent with `session.resume`. */
  #positions: Record<string, string> = {};
  /** Set while `session.resume` is on its way: nothing else is written until it is answered. */
  #resuming = false;
  /** The connection id of the session {@link #resumeToken} resumes. */
  #sessionId: string | undefined;

  constructor(options: ClientOptions<SwitchyardClient<M>>) {
    this.#options = resolveClientOptions(options);
    this.#attempts = new ConnectAttempts(this.#options.url, this.#options.token);
    this.#outbox = new Outbox(this.#options.queueLimit);
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

  /**
   * Why the last connection or attempt failed, when the client knows
   * (`UNAUTHORIZED`, `SESSION_EXPIRED`, `TOKEN_UNAVAILABLE`,
   * `POLICY_VIOLATION`, `TRY_AGAIN_LATER`), or why the client closed; cleared
   * when a connection opens.
   *
   * @example
   * if (client.state === 'reconnecting' && client.lastError?.code === 'TOKEN_UNAVAILABLE') showOffline();
   */
  get lastError(): ClientError | undefined {
    return this.#lastError;
  }

  /** Commands waiting for a connection. */
  get queued(): number {
    return this.#outbox.queued;
  }

  /**
   * Resolves once a connection is open (at once if one is), with the session
   * the server announced in `session.connected`. Rejects if the client
   * closes first, with the error that closed it: `UNAUTHORIZED` or
   * `SESSION_EXPIRED` when the server refused the only token there was,
   * `CLIENT_CLOSED` after `close()` or when reconnection gave up. A dropped
   * connection that is being retried does not reject it. Requests need not
   * wait for it: they are queued until the connection opens.
   *
   * @example
   * const client = new SwitchyardClient({ url, token });
   * try {
   *   const { connectionId, user } = await client.ready();
   *   console.log(`connected as ${user?.id ?? 'a guest'} (${connectionId})`);
   * } catch (error) {
   *   if (error instanceof ClientError && error.code === ClientErrorCode.UNAUTHORIZED) showSignIn();
   * }
   */
  async ready(): Promise<ClientSession> {
    if (this.#state === 'open' && this.#session !== undefined) return this.#session;
    if (this.#state === 'closed') throw this.#closeError as ClientError;
    return new Promise((resolve, reject) => {
      const off = this.onStateChange((state) => {
        if (state === 'open' && this.#session !== undefined) {
          off();
          resolve(this.#session);
        } else if (state === 'closed') {
          off();
          reject(this.#closeError as ClientError);
        }
      });
    });
  }

  /**
   * Sends a command and resolves with its result. The payload may be left
   * out for a command whose input accepts `undefined`. Rejects with a
   * {@link ServerError} carrying the server's code, or a {@link ClientError}:
   * `REQUEST_TIMEOUT`, `CONNECTION_LOST`, `QUEUE_FULL`, `CLIENT_CLOSED`, or
   * the error that closed the client.
   *
   * @example
   * const { messageId } = await client.request(ChatSay, { room: 'lobby', text: 'hi' });
   * const cart = await client.request(CartGet);            // a command that takes no payload
   * await client.request(Search, { q }, { timeoutMs: 2000 });
   */
  async request<R extends CommandRef<M>>(command: R, ...args: RequestArgs<InputFor<M, R>>): Promise<ResultFor<M, R>> {
    const [payload, options] = args as [unknown, RequestOptions | undefined];
    const type = typeOf(command);
    const id = (++this.#nextId).toString(36);
    const timeoutMs = options?.timeoutMs ?? this.#options.requestTimeoutMs;
    if (this.#state === 'closed') throw this.#closeError as ClientError;
    return this.#outbox.request(type, id, JSON.stringify({ type, id, payload }), timeoutMs, this.#writable()) as Promise<ResultFor<M, R>>;
  }

  /**
   * Sends a command without waiting for its result (fire-and-forget).
   * Resolves once the frame is handed to the socket; while disconnected it
   * waits in the queue, and rejects with `QUEUE_FULL` or `CLIENT_CLOSED`
   * rather than being dropped silently. The payload may be left out as for
   * {@link request}.
   *
   * @example
   * await client.send('chat.typing', { room: 'lobby' });
   */
  async send<R extends CommandRef<M>>(command: R, ...args: SendArgs<InputFor<M, R>>): Promise<void> {
    const [payload] = args as [unknown];
    if (this.#state === 'closed') throw this.#closeError as ClientError;
    const data = JSON.stringify({ type: typeOf(command), payload });
    return new Promise<void>((resolve, reject) => this.#outbox.send({ data, requestId: undefined, sent: resolve, fail: reject }, this.#writable()));
  }

  /**
   * Calls `listener` with the payload of every event of this type. Returns
   * the function that removes it; an aborted `signal` removes it too.
   *
   * @example
   * const off = client.on('chat.message', ({ from, text }) => show(from, text), { signal });
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

  /**
   * Answers the server's requests of this type (`ctx.ask` on the server):
   * `answerer` gets the request's payload and returns (or resolves with) the
   * result, typed from the definition; what it throws or rejects with is
   * sent as a refusal, with the error's `code` when it has a string one
   * (`INTERNAL` otherwise), its message and `details`. A request of a type
   * nobody answers is refused `UNKNOWN_COMMAND`. One answerer per type: a
   * second is a `TypeError`. Returns the function that removes it; an
   * aborted `signal` removes it too.
   *
   * @example
   * client.handle(RoomState, ({ room }) => ({ messages: recent.get(room) ?? [] }));
   * client.handle('confirm', async ({ text }) => ({ ok: await dialog.confirm(text) }), { signal });
   */
  handle<R extends CommandRef<M>>(request: R, answerer: Answerer<InputFor<M, R>, ResultFor<M, R>>, options: ListenerOptions = {}): () => void {
    const type = typeOf(request);
    if (typeof answerer !== 'function') throw new TypeError('handle() takes a function that answers');
    if (this.#answerers.has(type)) throw new TypeError(`requests "${type}" already have an answerer`);
    if (options.signal?.aborted) return noop;
    const entry = answerer as (payload: unknown) => unknown;
    this.#answerers.set(type, entry);
    const off = (): void => {
      if (this.#answerers.get(type) === entry) this.#answerers.delete(type);
      options.signal?.removeEventListener('abort', off);
    };
    options.signal?.addEventListener('abort', off, { once: true });
    return off;
  }

  /**
   * Calls `listener` on every change of {@link state}, with the state before
   * it and, when something went wrong, the coded error that caused it.
   * Returns the function that removes the listener. The current state is
   * not replayed: read {@link state} for it.
   *
   * @example
   * const off = client.onStateChange((state, { previous, error }) => {
   *   banner.textContent = state === 'open' ? '' : state;
   *   if (previous === 'open' && state === 'reconnecting') console.info('connection lost, retrying', error?.code);
   *   if (state === 'closed' && error !== undefined) console.error('gave up:', error.code, error.message);
   * });
   */
  onStateChange(listener: (state: ClientState, change: StateChange) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /**
   * Closes the connection for good: pending requests and queued commands
   * fail with `CLIENT_CLOSED`. Resolves when the socket has closed. Idempotent.
   *
   * @example
   * window.addEventListener('pagehide', () => void client.close());
   */
  async close(): Promise<void> {
    if (this.#state !== 'closed') this.#shutdown(new ClientError(ClientErrorCode.CLIENT_CLOSED, 'the client was closed'), true);
    return this.#socketClosed;
  }

  #connect(): void {
    this.#attempts.next().then(
      (attempt) => this.#open(attempt),
      (error: unknown) => this.#attemptFailed(error),
    );
  }

  #attemptFailed(error: unknown): void {
    if (this.#state === 'closed') return;
    if (!(error instanceof ClientError)) {
      // A "url" function that throws is a bug to fix, not a failure to retry.
      this.#report(error);
      return this.#shutdown(new ClientError(ClientErrorCode.CLIENT_CLOSED, 'the "url" function threw', [], { cause: error }));
    }
    // Only TOKEN_UNAVAILABLE is worth another try; any other error is the refused credential coming back.
    if (error.code !== ClientErrorCode.TOKEN_UNAVAILABLE) return this.#shutdown(error);
    this.#report(error);
    this.#retry(error);
  }

  #open(attempt: ConnectAttempt): void {
    if (this.#state === 'closed') return;
    let socket: WebSocketLike;
    try {
      socket = new this.#options.WebSocket(attempt.url, [...attempt.protocols]);
    } catch (error) {
      this.#report(error);
      return this.#shutdown(new ClientError(ClientErrorCode.CLIENT_CLOSED, 'could not open a WebSocket', [], { cause: error }));
    }
    this.#socket = socket;
    let status: number | undefined;
    this.#socketClosed = new Promise((resolve) => {
      socket.onclose = (event) => {
        resolve();
        this.#dropped(socket, attempt, connectionFailure(status, event));
      };
    });
    socket.onmessage = (event) => {
      if (socket === this.#socket) this.#receive(event.data);
    };
    // A close event always follows an error, and that is where the client reacts; the error only
    // tells, where the WebSocket implementation reveals it (ws does, browsers do not), the HTTP status of a refused handshake.
    socket.onerror = (event) => {
      status ??= handshakeStatus(event);
    };
  }

  #receive(data: unknown): void {
    let frame: ServerFrame;
    try {
      if (typeof data !== 'string') throw new TypeError('binary frame');
      frame = JSON.parse(data) as ServerFrame;
      if (typeof frame !== 'object' || frame === null) throw new TypeError('not an object');
      if (frame.kind === 'error' && (typeof frame.error !== 'object' || frame.error === null)) throw new TypeError('an error frame without its error');
    } catch (error) {
      return this.#report(new ClientError('BAD_FRAME', 'the server sent a frame that is not a JSON object in a text frame, or an error frame without its error', [], { cause: error }));
    }
    if (frame.kind === 'request') return this.#answer(frame);
    if (frame.kind === 'event') {
      if (typeof frame.stream === 'string' && typeof frame.pos === 'string') this.#positions[frame.stream] = frame.pos;
      if (frame.type === SESSION_CONNECTED) this.#opened(frame.payload as ClientSession);
      if (frame.type === SESSION_DRAINING) this.#drainingRetryMs = retryAfter(frame.payload);
      return this.#emit(frame.type, frame.payload);
    }
    const error = frame.kind === 'error' ? new ServerError(frame.error.code, frame.error.message, frame.error.details ?? []) : undefined;
    const payload = frame.kind === 'result' ? frame.payload : undefined;
    if (!this.#outbox.settle(frame.id, error, payload) && error !== undefined) this.#report(error);
  }

  /** Runs the answerer of a server request and sends its result or refusal back on the socket the request came on. */
  #answer(frame: RequestFrame): void {
    const socket = this.#socket;
    const { id, type } = frame;
    if (typeof id !== 'string' || typeof type !== 'string') return this.#report(new ClientError('BAD_FRAME', 'the server sent a request without a string id and type'));
    const reply = (answer: object): void => {
      // An answer for a connection that has since dropped would reach nobody who asked.
      if (socket !== undefined && socket === this.#socket && socket.readyState === OPEN) socket.send(JSON.stringify(answer));
    };
    const answerer = this.#answerers.get(type);
    if (answerer === undefined) {
      return reply({ kind: 'error', id, error: { code: 'UNKNOWN_COMMAND', message: `no answerer for requests "${type}"`, details: [] } });
    }
    new Promise((resolve) => resolve(answerer(frame.payload))).then(
      (payload) => reply({ kind: 'result', id, payload: payload ?? null }),
      (error: unknown) => reply({ kind: 'error', id, error: refusalOf(error) }),
    );
  }

  #opened(session: ClientSession): void {
    this.#drainingRetryMs = undefined;
    this.#lastError = undefined;
    this.#session = session;
    this.#attempt = 0;
    const reconnected = this.#everOpened;
    this.#everOpened = true;
    const grant = resumeTokenOf(session);
    const previous = this.#resumeToken;
    if (!reconnected || previous === undefined || grant === undefined) {
      this.#resumeToken = grant;
      this.#sessionId = session.connectionId;
    }
    // A session to come back to, on a server that resumes sessions: resume it before anything else is sent.
    if (reconnected && previous !== undefined && grant !== undefined) this.#resuming = true;
    this.#setState('open');
    if (!reconnected) return this.#flush();
    if (this.#resuming) return this.#resume(previous as string, grant as string);
    this.#outbox.failSent();
    this.#restore();
  }

  /**
   * Sends `session.resume` first on the new connection. Recovered: the
   * commands that were sent but not answered go again with their ids (the
   * server runs each at most once), then the queue. Not recovered: they
   * fail with `CONNECTION_LOST`, `onReconnect` restores state, then the queue.
   */
  #resume(token: string, ownToken: string): void {
    const socket = this.#socket;
    const id = `${SESSION_RESUME}.${(++this.#nextId).toString(36)}`;
    const data = JSON.stringify({ type: SESSION_RESUME, id, payload: { token, positions: { ...this.#positions } } });
    this.#outbox.request(SESSION_RESUME, id, data, this.#options.requestTimeoutMs, socket, false).then(
      (result) => {
        if (socket !== this.#socket) return;
        this.#resuming = false;
        const answer = result as { recovered?: unknown; resume?: { token?: unknown } } | null;
        const next = answer?.resume?.token;
        this.#resumeToken = typeof next === 'string' ? next : ownToken;
        if (answer?.recovered === true && socket !== undefined) {
          // The server gave this connection the resumed session's id.
          if (this.#session !== undefined && this.#sessionId !== undefined) this.#session = { ...this.#session, connectionId: this.#sessionId };
          this.#outbox.resend(socket);
          return this.#flush();
        }
        this.#positions = {};
        this.#sessionId = this.#session?.connectionId;
        this.#outbox.failSent();
        this.#restore();
      },
      (error: unknown) => {
        if (socket !== this.#socket) return;
        // The connection dropped again, or the server refused: the next connection tries again with the same token.
        this.#resuming = false;
        this.#report(error);
        if (error instanceof ServerError) {
          this.#resumeToken = ownToken;
          this.#sessionId = this.#session?.connectionId;
          this.#positions = {};
          this.#outbox.failSent();
          this.#restore();
        }
      },
    );
  }

  /** Runs `onReconnect` (re-join rooms), then sends the queue, so queued commands find the state they expect. */
  #restore(): void {
    Promise.resolve()
      .then(() => this.#options.onReconnect(this))
      .catch((error: unknown) => this.#report(error))
      .finally(() => this.#flush());
  }

  /** The socket to write to now, or `undefined` to queue: a draining server refuses new commands, so they wait for the next node. */
  #writable(): WebSocketLike | undefined {
    const socket = this.#socket;
    return this.#state === 'open' && !this.#resuming && this.#drainingRetryMs === undefined && socket?.readyState === OPEN ? socket : undefined;
  }

  #flush(): void {
    this.#outbox.flush(() => this.#writable());
  }

  #dropped(socket: WebSocketLike, attempt: ConnectAttempt, failure: ClientError | undefined): void {
    if (socket !== this.#socket) return;
    this.#socket = undefined;
    this.#session = undefined;
    // With a session to resume, commands sent but not answered wait to be sent again with their ids.
    this.#outbox.lost(this.#resumeToken !== undefined);
    if (this.#state === 'closed') return;
    if (failure !== undefined) {
      this.#report(failure);
      if (failure.code === ClientErrorCode.UNAUTHORIZED || failure.code === ClientErrorCode.SESSION_EXPIRED) this.#attempts.refused(attempt, failure);
    }
    this.#retry(failure);
  }

  #retry(failure: ClientError | undefined): void {
    if (failure !== undefined) this.#lastError = failure;
    const policy = this.#options.reconnect;
    if (policy === false) return this.#shutdown(failure ?? new ClientError(ClientErrorCode.CLIENT_CLOSED, 'the connection closed and reconnection is off'));
    this.#attempt += 1;
    if (this.#attempt > policy.maxAttempts) {
      return this.#shutdown(new ClientError(ClientErrorCode.CLIENT_CLOSED, `gave up reconnecting after ${policy.maxAttempts} attempts`, [], { cause: this.#lastError }));
    }
    this.#setState('reconnecting', failure);
    // After session.draining the server chose when this client comes back, spreading a rolling deploy's reconnects.
    const delay = this.#drainingRetryMs ?? retryDelay(policy, this.#attempt, failure);
    this.#drainingRetryMs = undefined;
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #shutdown(error: ClientError, byCaller = false): void {
    this.#closeError = error;
    if (!byCaller) this.#lastError = error;
    clearTimeout(this.#retryTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    this.#session = undefined;
    this.#setState('closed', byCaller ? undefined : error);
    this.#outbox.fail(error);
    if (socket !== undefined) {
      try {
        socket.close(CLOSE_NORMAL, 'client closed');
      } catch {
        // Closing a socket that is still connecting may throw; it is going away either way.
      }
    }
  }

  #setState(state: ClientState, error?: ClientError): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    const change: StateChange = { previous, error };
    for (const listener of [...this.#stateListeners]) this.#call(listener, state, change);
  }

  #emit(type: string, payload: unknown): void {
    const listeners = this.#listeners.get(type);
    if (listeners === undefined) return;
    for (const listener of [...listeners]) this.#call(listener, payload);
  }

  #call<T, U>(listener: (value: T, detail: U) => void, value: T, detail?: U): void {
    try {
      listener(value, detail as U);
    } catch (error) {
      // One failing listener must not keep the others from hearing the event.
      this.#report(error);
    }
  }

  #report(error: unknown): void {
    try {
      this.#options.onError(error);
    } catch (thrown) {
      // A throwing onError must not leave the client half-way through a state change; surface it on its own.
      queueMicrotask(() => {
        throw thrown;
      });
    }
  }
}

function typeOf(ref: string | { readonly type: string }): string {
  return typeof ref === 'string' ? ref : ref.type;
}

function noop(): void {}

/** The resume token in a `session.connected` payload, when the server has recovery on. */
function resumeTokenOf(session: ClientSession): string | undefined {
  const token = (session as { resume?: { token?: unknown } } | undefined)?.resume?.token;
  return typeof token === 'string' && token.length > 0 ? token : undefined;
}

/** What an answerer threw, as the error of a refusal: its string `code` (else `INTERNAL`), message and details. */
function refusalOf(error: unknown): { code: string; message: string; details: readonly unknown[] } {
  const { code, message, details } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown; details?: unknown };
  return {
    code: typeof code === 'string' && code.length > 0 ? code : 'INTERNAL',
    message: typeof message === 'string' ? message : String(error),
    details: Array.isArray(details) ? details : [],
  };
}

/**
 * How long to wait before attempt `attempt`. After a 1008 close the client
 * was sending past the server's limit: coming back at once would likely do
 * it again, so it waits the policy's longest delay (less jitter).
 */
function retryDelay(policy: Readonly<ReconnectPolicy>, attempt: number, failure: ClientError | undefined): number {
  if (failure?.code !== ClientErrorCode.POLICY_VIOLATION) return reconnectDelay(policy, attempt);
  return Math.round(policy.maxDelayMs * (1 - policy.jitter * Math.random()));
}

function retryAfter(payload: unknown): number {
  const value = (payload as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}
