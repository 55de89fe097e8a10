import type { Logger } from 'pino';
import type { Identity } from '../commands/identity.js';
import type { Session } from '../commands/session.js';
import type { Socket } from './socket.js';

/** How a connection asks its hub to change room membership. */
export interface Membership {
  join(connection: Connection, room: string): Promise<void>;
  leave(connection: Connection, room: string): Promise<void>;
}

/**
 * One client connection on this node: its identity, its rooms, its socket.
 * The hub owns it; the bus sees it as a {@link Session}.
 */
export class Connection implements Session {
  readonly id: string;
  readonly user: Identity | undefined;
  readonly rooms = new Set<string>();
  #open = true;
  #log: Logger | undefined;
  readonly #baseLog: Logger;
  readonly #socket: Socket;
  readonly #membership: Membership;

  /** `log` is the transport's logger; the connection's child of it is made on first use. */
  constructor(id: string, user: Identity | undefined, socket: Socket, membership: Membership, log: Logger) {
    this.id = id;
    this.user = user;
    this.#socket = socket;
    this.#membership = membership;
    this.#baseLog = log;
  }

  /** This connection's logger, `child({ connectionId })`; made when first asked for, as most idle connections never log. */
  get log(): Logger {
    return (this.#log ??= this.#baseLog.child({ connectionId: this.id }));
  }

  get open(): boolean {
    return this.#open;
  }

  /** Sends a frame if the connection is still open; frames for a closed one are dropped. */
  send(data: string | Buffer): void {
    if (this.#open) this.#socket.send(data);
  }

  join(room: string): Promise<void> {
    return this.#membership.join(this, room);
  }

  leave(room: string): Promise<void> {
    return this.#membership.leave(this, room);
  }

  close(code: number, reason: string): void {
    if (!this.#open) return;
    this.#socket.close(code, reason);
  }

  /** Marks the connection gone; the hub calls it once the socket has closed. */
  markClosed(): void {
    this.#open = false;
  }
}
