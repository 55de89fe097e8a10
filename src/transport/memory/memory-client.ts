import { CommandError, SetupError, SetupErrorCode } from '../../protocol/errors.js';
import type { AnyCommand, InputOf, ResultOf } from '../../protocol/define-command.js';
import type { Identity } from '../../protocol/identity.js';
import type { TokenVerifier } from '../../commands/session.js';
import type { Connection } from '../../session/connection.js';
import type { ConnectionHub } from '../../session/connection-hub.js';
import type { Socket } from '../../session/socket.js';
import type { ServerFrame } from '../../protocol/frames.js';
import { FrameInbox } from './frame-inbox.js';

/**
 * A fake client of the {@link MemoryTransport}: it sends frames through the
 * real codec and bus, and records every frame the server sends it.
 *
 * @example
 * const alice = memory.connect({ user: { id: 'alice' } });
 * await alice.request(RoomJoin, { room: 'lobby' });
 */
export class MemoryClient extends FrameInbox {
  /** The close code and reason, once the server has closed this client. */
  closedWith: { code: number; reason: string } | undefined;
  readonly #hub: ConnectionHub;
  readonly #connection: Connection;
  readonly #onClose: () => void;
  readonly #answerers = new Map<string, (payload: unknown) => unknown>();
  #nextId = 0;

  constructor(hub: ConnectionHub, user: Identity | undefined, onClose: () => void, verifyToken?: TokenVerifier) {
    super();
    this.#hub = hub;
    this.#onClose = onClose;
    const socket: Socket = {
      send: (data) => {
        const frame = JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) as ServerFrame;
        this.push(frame);
        if (frame.kind === 'request') this.#answer(frame.id, frame.type, frame.payload);
      },
      close: (code, reason) => this.#closedByServer(code, reason),
    };
    this.#connection = hub.open(socket, user, verifyToken);
  }

  /** This client's connection id, as `session.connected` told it. */
  get connectionId(): string {
    return this.#connection.id;
  }

  /** Sends a command and resolves with its result, or rejects with a `CommandError` carrying the server's code. */
  async request<C extends AnyCommand>(command: C, payload: InputOf<C>): Promise<ResultOf<C>> {
    const id = `m${++this.#nextId}`;
    const reply = this.waitFor((frame) => frame.kind !== 'event' && frame.id === id);
    this.sendRaw(JSON.stringify({ type: command.type, id, payload }));
    return settle(await reply) as ResultOf<C>;
  }

  /**
   * Answers the server's requests of this type (`ctx.ask`) with what
   * `answerer` returns, or refuses with what it throws (its `code`, else
   * `INTERNAL`). A request of a type without an answerer stays unanswered
   * (it is in {@link frames}): answer it with `sendRaw`, or let it time out.
   *
   * @example
   * bob.handle(RoomState, ({ room }) => ({ messages: [] }));
   */
  handle<C extends AnyCommand>(request: C, answerer: (payload: InputOf<C>) => ResultOf<C> | Promise<ResultOf<C>>): this {
    this.#answerers.set(request.type, answerer as (payload: unknown) => unknown);
    return this;
  }

  /** Sends a command without an id: fire-and-forget. */
  send<C extends AnyCommand>(command: C, payload: InputOf<C>): void {
    this.sendRaw(JSON.stringify({ type: command.type, payload }));
  }

  /** Sends a raw text frame, exactly as given. */
  sendRaw(text: string): void {
    if (this.closedWith !== undefined) throw new SetupError(SetupErrorCode.CLOSED, 'this client is closed');
    this.#hub.receive(this.#connection, text, false);
  }

  /** Disconnects, as a client closing its socket would. Idempotent. */
  close(): void {
    this.#hub.closed(this.#connection);
    this.#onClose();
  }

  #answer(id: string, type: string, payload: unknown): void {
    const answerer = this.#answerers.get(type);
    if (answerer === undefined) return;
    new Promise((resolve) => resolve(answerer(payload))).then(
      (result) => this.#reply({ kind: 'result', id, payload: result ?? null }),
      (error: unknown) => {
        const { code, message, details } = (error ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
        this.#reply({ kind: 'error', id, error: { code: typeof code === 'string' ? code : 'INTERNAL', message: typeof message === 'string' ? message : '', details: Array.isArray(details) ? details : [] } });
      },
    );
  }

  #reply(answer: object): void {
    if (this.closedWith === undefined && this.#connection.open) this.#hub.receive(this.#connection, JSON.stringify(answer), false);
  }

  #closedByServer(code: number, reason: string): void {
    this.closedWith ??= { code, reason };
    this.close();
  }
}

/**
 * Turns a reply frame into its result, or throws its error as a `CommandError`
 * (exported as `settleReply`, for test clients of your own).
 *
 * @example
 * const result = settleReply(await client.waitFor((frame) => frame.kind !== 'event' && frame.id === '7'));
 */
export function settle(frame: ServerFrame): unknown {
  if (frame.kind === 'error') throw new CommandError(frame.error.code, frame.error.message, frame.error.details);
  return frame.kind === 'result' ? frame.payload : undefined;
}
