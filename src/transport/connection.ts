import type { Logger } from 'pino';
import type { Identity } from '../commands/identity.js';
import type { Session } from '../commands/session.js';
import type { SendOptions, Socket } from './socket.js';

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
  readonly log: Logger;
  #open = true;
  readonly #socket: Socket;
  readonly #membership: Membership;

  constructor(id: string, user: Identity | undefined, socket: Socket, membership: Membership, log: Logger) {
    this.id = id;
    this.user = user;
    this.#socket = socket;
    this.#membership = membership;
    this.log = log;
  }

  get open(): boolean {
    return this.#open;
  }

  /** Sends a frame if the connection is still open; frames for a closed one are dropped. */
  send(data: string | Buffer, options?: SendOptions): void {
    if (this.#open) this.#socket.send(data, options);
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
