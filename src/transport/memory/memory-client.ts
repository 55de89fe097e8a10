import { CommandError } from '../../commands/errors.js';
import type { AnyCommand, InputOf, ResultOf } from '../../commands/define-command.js';
import type { Identity } from '../../commands/identity.js';
import type { EventDefinition, EventPayloadOf } from '../../events/define-event.js';
import type { Connection } from '../connection.js';
import type { ConnectionHub } from '../connection-hub.js';
import type { Socket } from '../socket.js';

/** A frame as a client receives it, parsed. */
export type ServerFrame =
  | { kind: 'result'; id: string; payload: unknown }
  | { kind: 'error'; id?: string; error: { code: string; message: string; details: unknown[] } }
  | { kind: 'event'; type: string; payload: unknown };

interface Waiter {
  readonly match: (frame: ServerFrame) => boolean;
  readonly resolve: (frame: ServerFrame) => void;
}

/**
 * A fake client of the {@link MemoryTransport}: it sends frames through the
 * real codec and bus, and records every frame the server sends it.
 */
export class MemoryClient {
  /** Every frame received, oldest first. */
  readonly frames: ServerFrame[] = [];
  /** The close code and reason, once the server has closed this client. */
  closedWith: { code: number; reason: string } | undefined;
  readonly #hub: ConnectionHub;
  readonly #connection: Connection;
  readonly #onClose: () => void;
  #waiters: Waiter[] = [];
  #nextId = 0;

  constructor(hub: ConnectionHub, user: Identity | undefined, onClose: () => void) {
    this.#hub = hub;
    this.#onClose = onClose;
    const socket: Socket = {
      send: (data) => this.#receive(data),
      close: (code, reason) => this.#closedByServer(code, reason),
    };
    this.#connection = hub.open(socket, user);
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
    if (this.closedWith !== undefined) throw new Error('this client is closed');
    this.#hub.receive(this.#connection, text, false);
  }

  /** The payloads of the events of one type received so far. */
  events<E extends EventDefinition>(event: E): EventPayloadOf<E>[] {
    return this.frames.filter((frame) => frame.kind === 'event' && frame.type === event.type).map((frame) => (frame as { payload: EventPayloadOf<E> }).payload);
  }

  /** Resolves with the first frame, already received or still to come, that matches. */
  waitFor(match: (frame: ServerFrame) => boolean): Promise<ServerFrame> {
    const seen = this.frames.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  /** Resolves with the payload of the first event of this type. */
  async nextEvent<E extends EventDefinition>(event: E): Promise<EventPayloadOf<E>> {
    const frame = await this.waitFor((candidate) => candidate.kind === 'event' && candidate.type === event.type);
    return (frame as { payload: EventPayloadOf<E> }).payload;
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

  #receive(data: string | Buffer): void {
    const frame = JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) as ServerFrame;
    this.frames.push(frame);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (waiter.match(frame)) waiter.resolve(frame);
      else this.#waiters.push(waiter);
    }
  }
}

function settle(frame: ServerFrame): unknown {
  if (frame.kind === 'error') throw new CommandError(frame.error.code, frame.error.message, frame.error.details);
  return frame.kind === 'result' ? frame.payload : undefined;
}
