import type { Logger } from 'pino';
import type { Identity } from '../commands/identity.js';
import type { Session } from '../commands/session.js';
import type { SendOptions, Socket } from './socket.js';
import type { TokenBucket } from './token-bucket.js';

/** How a connection asks its hub to change room membership or identity. */
export interface Membership {
  join(connection: Connection, room: string): Promise<void>;
  leave(connection: Connection, room: string): Promise<void>;
  identify(connection: Connection, user: Identity): Promise<void>;
}

/**
 * One client connection on this node: its identity, its rooms, its socket.
 * The hub owns it; the bus sees it as a {@link Session}. Its identity
 * changes only through the hub, so the user index and presence follow.
 */
export class Connection implements Session {
  readonly id: string;
  readonly rooms = new Set<string>();
  /** The rate limit's bucket, when there is a rate limit. */
  readonly bucket: TokenBucket | undefined;
  /** Closes the connection when its identity expires; the hub sets and clears it. */
  expiry: NodeJS.Timeout | undefined;
  #user: Identity | undefined;
  #open = true;
  #log: Logger | undefined;
  readonly #baseLog: Logger;
  readonly #socket: Socket;
  readonly #membership: Membership;

  /** `log` is the transport's logger; the connection's child of it is made on first use. */
  constructor(id: string, user: Identity | undefined, socket: Socket, membership: Membership, log: Logger, bucket?: TokenBucket) {
    this.id = id;
    this.#user = user;
    this.#socket = socket;
    this.#membership = membership;
    this.#baseLog = log;
    this.bucket = bucket;
  }

  /** This connection's logger, `child({ connectionId })`; made when first asked for, as most idle connections never log. */
  get log(): Logger {
    return (this.#log ??= this.#baseLog.child({ connectionId: this.id }));
  }

  get user(): Identity | undefined {
    return this.#user;
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

  identify(user: Identity): Promise<void> {
    return this.#membership.identify(this, user);
  }

  close(code: number, reason: string): void {
    if (!this.#open) return;
    this.#socket.close(code, reason);
  }

  /** Replaces the identity; only the hub calls it, after updating its indexes. */
  setUser(user: Identity | undefined): void {
    this.#user = user;
  }

  /** Marks the connection gone; the hub calls it once the socket has closed. */
  markClosed(): void {
    this.#open = false;
  }
}
