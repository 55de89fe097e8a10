import type { Logger } from 'pino';
import type { Identity } from '../protocol/identity.js';
import type { Session, TokenVerifier } from '../commands/session.js';
import type { SendOptions, Socket } from './socket.js';
import type { PreparedFrame } from './prepared-frame.js';
import type { ClientLease } from './client-budgets.js';
import type { SlidingCount } from './sliding-count.js';
import type { TokenBucket } from './token-bucket.js';
import type { AskOptions } from '../commands/command-context.js';
import type { EventEnvelope } from '../events/event-envelope.js';
import type { EventPosition, ResumeGrant } from '../protocol/session-resume.js';

/** An event frame held back while a resume replays history (recovery). */
export interface HeldFrame {
  readonly data: string | Buffer;
  readonly options: SendOptions | undefined;
  readonly event: EventEnvelope;
}

/** The hub a connection belongs to: what it hands frames to, and asks to change membership or identity. */
export interface ConnectionOwner {
  readonly logger: Logger;
  receive(connection: Connection, data: Buffer | string, isBinary: boolean): void;
  closed(connection: Connection): void;
  join(connection: Connection, room: string): Promise<void>;
  leave(connection: Connection, room: string): Promise<void>;
  identify(connection: Connection, user: Identity): Promise<void>;
  chargePublish(connection: Connection): void;
  ask(connection: Connection, to: string, type: string, payload: unknown, options?: AskOptions): Promise<unknown>;
}

const noRooms: ReadonlySet<string> = new Set();

/**
 * One client connection on this node: its identity, its rooms, its socket.
 * The hub owns it; the bus sees it as a {@link Session}. Its identity
 * changes only through the hub, so the user index and presence follow.
 */
export class Connection implements Session {
  /** Its id; it changes only when `session.resume` gives it the id of the session it resumes. */
  id: string;
  /** Verifies tokens as the endpoint this connection came in on does; `undefined` when it verifies none. */
  readonly verifyToken: TokenVerifier | undefined;
  /** The rate limit's bucket, made by the hub at the first frame: an idle connection needs none. */
  bucket: TokenBucket | undefined;
  /** Commands refused `RATE_LIMITED` lately, made by the hub at the first refusal. */
  refusals: SlidingCount | undefined;
  /** The events its commands may still publish, made by the hub at the first `ctx.publish`. */
  publishes: TokenBucket | undefined;
  /** What it holds of its address's and user's budgets; set by the transport that admitted it. */
  lease: ClientLease | undefined;
  /** Its commands still running. */
  pending = 0;
  #user: Identity | undefined;
  // Made at the first join: most connections of a large server are in no room, and an empty Set is not free.
  #rooms: Set<string> | undefined;
  #open = true;
  #log: Logger | undefined;
  // Set only while a resume replays history: recorded events wait here so they follow the replay.
  #held: HeldFrame[] | undefined;
  readonly #socket: Socket;
  readonly #owner: ConnectionOwner;

  constructor(id: string, user: Identity | undefined, socket: Socket, owner: ConnectionOwner, verifyToken?: TokenVerifier) {
    this.id = id;
    this.verifyToken = verifyToken;
    this.#user = user;
    this.#socket = socket;
    this.#owner = owner;
  }

  /** The rooms this connection is in. */
  get rooms(): ReadonlySet<string> {
    return this.#rooms ?? noRooms;
  }

  /** This connection's logger, `child({ connectionId })`; made when first asked for, as most idle connections never log. */
  get log(): Logger {
    return (this.#log ??= this.#owner.logger.child({ connectionId: this.id }));
  }

  get user(): Identity | undefined {
    return this.#user;
  }

  get open(): boolean {
    return this.#open;
  }

  /**
   * Sends a frame if the connection is still open; frames for a closed one
   * are dropped. `event` is the recorded event the frame carries, if any:
   * while a resume replays history it is held back instead (see {@link hold}).
   */
  send(data: string | Buffer, options?: SendOptions, event?: EventEnvelope): void {
    if (this.#held !== undefined && event?.position !== undefined) this.#held.push({ data, options, event });
    else if (this.#open) this.#socket.send(data, options, event?.position);
  }

  /** Sends an event a resume replays from history, at once: past the hold that keeps live events behind the replay. */
  replay(data: string, position: EventPosition | undefined): void {
    if (this.#open) this.#socket.send(data, undefined, position);
  }

  /** Passes the session's resume grant to the socket; only recovery calls it, when it issues or rotates one. */
  granted(grant: ResumeGrant): void {
    this.#socket.resumeGranted?.(grant);
  }

  /** Holds back recorded events until {@link release}; only recovery calls it. */
  hold(): void {
    this.#held ??= [];
  }

  /** Stops holding back events and returns those held, in order; only recovery calls it. */
  release(): HeldFrame[] {
    const held = this.#held ?? [];
    this.#held = undefined;
    return held;
  }

  /** Takes the id of the session it resumes; only the registry calls it. */
  rename(id: string): void {
    this.id = id;
    this.#log = undefined;
  }

  /**
   * Sends a frame prepared once for many connections: the socket's wire form of it where it has one, its bytes
   * otherwise. A recorded `event` is held back while a resume replays history, as {@link send} does.
   */
  sendPrepared(frame: PreparedFrame, options?: SendOptions, event?: EventEnvelope): void {
    if (this.#held !== undefined && event?.position !== undefined) return void this.#held.push({ data: frame.data, options, event });
    if (!this.#open) return;
    const socket = this.#socket;
    if (socket.sendPrepared === undefined) socket.send(frame.data, options, event?.position);
    else socket.sendPrepared(frame, options, event?.position);
  }

  /** Hands an inbound frame to the hub. */
  receive(data: Buffer | string, isBinary: boolean): void {
    this.#owner.receive(this, data, isBinary);
  }

  /** Tells the hub the socket has closed. */
  closed(): void {
    this.#owner.closed(this);
  }

  join(room: string): Promise<void> {
    return this.#owner.join(this, room);
  }

  leave(room: string): Promise<void> {
    return this.#owner.leave(this, room);
  }

  identify(user: Identity): Promise<void> {
    return this.#owner.identify(this, user);
  }

  /** Sends a request to connection `to` on this connection's behalf, and resolves with the answer. */
  ask(to: string, type: string, payload: unknown, options?: AskOptions): Promise<unknown> {
    return this.#owner.ask(this, to, type, payload, options);
  }

  /** Counts one event its command publishes; throws `RATE_LIMITED` past the publish budget. */
  chargePublish(): void {
    this.#owner.chargePublish(this);
  }

  /** Records a room; only the registry calls it. Returns whether it is new. */
  addRoom(room: string): boolean {
    const rooms = (this.#rooms ??= new Set());
    if (rooms.has(room)) return false;
    rooms.add(room);
    return true;
  }

  /** Forgets a room; only the registry calls it. Returns whether it was there. */
  removeRoom(room: string): boolean {
    return this.#rooms?.delete(room) ?? false;
  }

  /** Forgets every room; only the registry calls it. Returns the rooms it was in. */
  clearRooms(): string[] {
    const rooms = this.#rooms === undefined ? [] : [...this.#rooms];
    this.#rooms = undefined;
    return rooms;
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
