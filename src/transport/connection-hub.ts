import { randomBytes } from 'node:crypto';
import type { Subscription } from 'rxjs';
import type { Identity } from '../commands/identity.js';
import { CommandError, ErrorCode } from '../commands/errors.js';
import type { Reply } from '../commands/reply.js';
import type { EventEnvelope } from '../events/event-envelope.js';
import { SessionConnected } from '../events/session-events.js';
import { Connection, type Membership } from './connection.js';
import { ConnectionRegistry } from './connection-registry.js';
import type { Socket } from './socket.js';
import type { TransportContext } from './transport.js';

/** Close code sent to every connection when the server shuts down. */
export const CLOSE_GOING_AWAY = 1001;

/**
 * What every transport shares once a socket is open: it registers the
 * connection, hands decoded frames to the bus and sends back the one reply,
 * keeps room membership, and delivers events to the local audience, encoding
 * each event once however many recipients it has. Transports only adapt
 * their sockets to it.
 */
export class ConnectionHub implements Membership {
  readonly registry = new ConnectionRegistry();
  readonly #context: TransportContext;
  readonly #subscription: Subscription;
  // A random node prefix keeps connection ids unique across nodes without coordination.
  readonly #prefix = randomBytes(4).toString('hex');
  #sequence = 0;

  constructor(context: TransportContext) {
    this.#context = context;
    this.#subscription = context.deliveries.subscribe({ next: (envelope) => this.#deliver(envelope) });
  }

  /** Registers a new connection and greets it with `session.connected`. */
  open(socket: Socket, user: Identity | undefined): Connection {
    const id = `${this.#prefix}-${(++this.#sequence).toString(36)}`;
    const connection = new Connection(id, user, socket, this, this.#context.logger);
    this.registry.add(connection);
    this.#context.presence.connected({ connectionId: id, userId: user?.id }).catch(this.#context.reportError);
    connection.send(this.#context.codec.encodeEvent(SessionConnected.type, { connectionId: id, user: user ?? null }));
    return connection;
  }

  /** Handles one inbound frame: a coded error for a bad one, the bus for a good one. */
  receive(connection: Connection, data: Buffer | string, isBinary: boolean): void {
    const decoded = this.#context.codec.decode(data, isBinary);
    if (!decoded.ok) {
      connection.log.debug({ code: decoded.error.code }, decoded.error.message);
      this.#reply(connection, { kind: 'error', id: decoded.id, error: toWire(decoded.error) });
      return;
    }
    this.#context.bus
      .dispatch({ type: decoded.type, id: decoded.id, payload: decoded.payload, session: connection })
      .then((reply) => this.#reply(connection, reply), this.#context.reportError);
  }

  /** Forgets a connection whose socket has closed: indexes, rooms, presence. Idempotent. */
  closed(connection: Connection): void {
    if (!connection.open) return;
    connection.markClosed();
    this.registry.remove(connection);
    this.#context.presence.disconnected(connection.id).catch(this.#context.reportError);
  }

  async join(connection: Connection, room: string): Promise<void> {
    if (!connection.open || !this.registry.join(connection, room)) return;
    await this.#context.presence.joined(room, { connectionId: connection.id, userId: connection.user?.id });
  }

  async leave(connection: Connection, room: string): Promise<void> {
    if (!this.registry.leave(connection, room)) return;
    await this.#context.presence.left(room, connection.id);
  }

  /** Stops delivering and closes every connection with 1001. */
  close(reason = 'server closing'): void {
    this.#subscription.unsubscribe();
    for (const connection of [...this.registry.all()]) connection.close(CLOSE_GOING_AWAY, reason);
  }

  #reply(connection: Connection, reply: Reply | undefined): void {
    if (reply === undefined || !connection.open) return;
    let data: string | undefined;
    try {
      data = this.#context.codec.encodeReply(reply);
    } catch (error) {
      // A result that cannot be encoded (a BigInt, a cycle) is the handler's bug, not the client's.
      connection.log.error({ err: error }, 'reply could not be encoded');
      data = this.#context.codec.encodeReply({ kind: 'error', id: reply.id, error: toWire(new CommandError(ErrorCode.INTERNAL, 'internal error')) });
    }
    if (data !== undefined) connection.send(data);
  }

  #deliver(envelope: EventEnvelope): void {
    try {
      const exclude = envelope.audience.exclude;
      let data: Buffer | undefined;
      for (const connection of this.registry.resolve(envelope.audience)) {
        if (connection.id === exclude) continue;
        data ??= Buffer.from(this.#context.codec.encodeEvent(envelope.type, envelope.payload));
        connection.send(data);
      }
    } catch (error) {
      this.#context.reportError(error);
    }
  }
}

function toWire(error: CommandError): { code: string; message: string; details: readonly unknown[] } {
  return { code: error.code, message: error.message, details: error.details };
}
