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
  #nextId = 0;

  constructor(hub: ConnectionHub, user: Identity | undefined, onClose: () => void, verifyToken?: TokenVerifier) {
    super();
    this.#hub = hub;
    this.#onClose = onClose;
    const socket: Socket = {
      send: (data) => this.push(JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) as ServerFrame),
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
