import { randomBytes, randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import type { Identity } from '../protocol/identity.js';
import type { TokenVerifier } from '../commands/session.js';
import { CloseCode, CommandError, ErrorCode } from '../protocol/errors.js';
import type { Reply } from '../protocol/frames.js';
import type { DecodedAnswer, DecodedCommand, RejectedFrame } from '../protocol/codec.js';
import type { EventEnvelope } from '../events/event-envelope.js';
import { SessionConnected, SessionDraining } from '../protocol/session-events.js';
import { Connection, type ConnectionOwner } from './connection.js';
import { ConnectionRegistry } from './connection-registry.js';
import { resolveHubOptions, type ResolvedHubOptions } from './hub-options.js';
import { InFlight } from './in-flight.js';
import { inspectPayload } from './inspect-payload.js';
import type { Socket } from './socket.js';
import { PreparedFrame } from './prepared-frame.js';
import type { HubContext } from './hub-context.js';
import type { ClientBudgets } from './client-budgets.js';
import { RateGate } from './rate-gate.js';
import { runCommand } from './run-command.js';
import { LocalInterest } from './local-interest.js';
import { noTelemetry } from '../observability/no-telemetry.js';
import { RequestRelay } from './requests/request-relay.js';
import { matchesIdentity } from '../events/identity-filter.js';
import type { AskOptions } from '../commands/command-context.js';
import type { TransportTelemetry } from '../observability/telemetry.js';

const VOLATILE = Object.freeze({ volatile: true });

/** Largest delay Node's timers accept. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * How long an identity lasts at most, in ms, unless the application says
 * otherwise: a day after it was established (connect, or the last
 * successful `session.reauth`), whatever its token's `exp` says.
 *
 * @example
 * new Switchyard({ maxSessionLifetimeMs: DEFAULT_MAX_SESSION_LIFETIME_MS / 2 });
 */
export const DEFAULT_MAX_SESSION_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * A frame refused before decoding is decoded after all only when it is this
 * small, to answer with its id; a larger one is answered without one.
 */
const PEEK_ID_MAX_BYTES = 4096;

/**
 * What every transport shares once a socket is open: it registers the
 * connection, hands decoded frames to the bus and sends back the one reply,
 * keeps room membership and identity, enforces the per-connection limits,
 * and delivers events to the local audience, encoding each event once
 * however many recipients it has. Transports only adapt their sockets to it.
 */
export class ConnectionHub implements ConnectionOwner {
  readonly registry = new ConnectionRegistry();
  /** The transport's logger; each connection derives its child from it. */
  readonly logger: Logger;
  readonly #context: HubContext;
  readonly #limits: ResolvedHubOptions;
  readonly #subscription: Subscription;
  readonly #inFlight = new InFlight();
  readonly #gate: RateGate;
  // Only connections whose identity expires have a timer; most have none, so it is not a field of each.
  readonly #expiries = new Map<Connection, NodeJS.Timeout>();
  readonly #maxLifetimeMs: number | false;
  readonly #telemetry: TransportTelemetry;
  readonly #transport: string | undefined;
  readonly #interest: LocalInterest | undefined;
  // A random node prefix keeps connection ids unique across nodes without coordination.
  readonly #prefix = randomBytes(4).toString('hex');
  #sequence = 0;
  #draining = false;
  readonly #relay: RequestRelay | undefined;

  constructor(context: HubContext) {
    this.#context = context;
    this.logger = context.logger;
    this.#limits = context.limits ?? resolveHubOptions();
    this.#maxLifetimeMs = context.maxSessionLifetimeMs ?? DEFAULT_MAX_SESSION_LIFETIME_MS;
    this.#gate = new RateGate(this.#limits);
    this.#transport = context.transport;
    this.#interest = LocalInterest.of(context.interest);
    this.#telemetry = context.telemetry ?? noTelemetry.forTransport(context.transport ?? 'custom');
    this.#relay = context.requests === undefined ? undefined : new RequestRelay(this.registry, context.codec, context.requests.post);
    this.#subscription = context.deliveries.subscribe({ next: (envelope) => this.#deliver(envelope) });
  }

  /** The budgets of each address and user: a transport asks them before it opens a connection, and hands the lease to it. */
  get budgets(): ClientBudgets {
    return this.#gate.budgets;
  }

  /** Whether the hub is draining: new commands are refused with `UNAVAILABLE`. */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Registers a new connection and greets it with `session.connected`.
   * `verifyToken` checks tokens as the connection's endpoint does, for `session.reauth`.
   */
  open(socket: Socket, user: Identity | undefined, verifyToken?: TokenVerifier, options?: OpenOptions): Connection {
    const id = `${this.#prefix}-${(++this.#sequence).toString(36)}`;
    const connection = new Connection(id, user, socket, this, verifyToken);
    this.registry.add(connection);
    this.#telemetry.connectionOpened();
    this.#scheduleExpiry(connection);
    this.#context.presence.connected({ connectionId: id, userId: user?.id }).catch(this.#context.reportError);
    const resume = this.#context.recovery?.opened(connection, this);
    const greeting = options?.greeting;
    const hello = this.#context.codec.encodeEvent(SessionConnected.type, resume === undefined ? { connectionId: id, user: user ?? null, ...greeting } : { connectionId: id, user: user ?? null, ...greeting, resume });
    if (this.#interest === undefined) greet(connection, hello, options?.greeted);
    // Greeted once events for it and its user reach this node, so none published after the greeting is missed.
    else this.#interest.opened(id, user?.id).then(() => greet(connection, hello, options?.greeted), this.#context.reportError);
    return connection;
  }

  /**
   * Handles one inbound frame: the rates first (a refused frame is not
   * decoded), then a coded error for a bad or refused command, the bus for a good one.
   */
  receive(connection: Connection, data: Buffer | string, isBinary: boolean): void {
    if (!connection.open) return;
    const now = performance.now();
    const refused = this.#gate.admit(connection, now);
    if (refused !== undefined) return this.#refuseRate(connection, data, isBinary, refused, now);
    const codec = this.#context.codec;
    const batch = codec.decodeBatch?.(data, isBinary);
    if (batch !== undefined) return this.#batch(connection, batch);
    this.#run(connection, codec.decode(data, isBinary), undefined);
  }

  /**
   * Runs the commands of one batch frame, each charged to the rates as a
   * frame of its own (the frame itself was charged as the first), and sends
   * their replies together once all are in, in the batch's order; nothing
   * when none has one to send (a batch of notifications).
   */
  #batch(connection: Connection, commands: ReadonlyArray<DecodedCommand | RejectedFrame>): void {
    const codec = this.#context.codec;
    const replies: Array<string | undefined> = new Array(commands.length);
    let left = commands.length;
    commands.forEach((command, index) => {
      const id = command.id;
      const respond = (reply: Reply | undefined): void => {
        // A request refused by the rates before it was decoded is answered without an id; in a batch its id is known.
        if (reply?.kind === 'error' && reply.id === undefined && id !== undefined) reply = { ...reply, id };
        replies[index] = reply === undefined ? undefined : this.#encode(connection, reply);
        if (--left > 0 || !connection.open) return;
        const sent = replies.filter((encoded): encoded is string => encoded !== undefined);
        if (sent.length > 0) connection.send(codec.encodeBatch?.(sent) ?? `[${sent.join(',')}]`);
      };
      if (index === 0) this.#run(connection, command, respond);
      else this.request(connection, () => command, respond);
    });
  }

  /**
   * Runs one command that brought its own way back (an HTTP request acting
   * as this connection): the same rates, checks and bus as `receive()`, but
   * `decode` runs only once the rates admit it, and the one reply goes to
   * `respond` rather than down the connection's socket. Every command gets
   * its reply, so it should carry an id.
   */
  request(connection: Connection, decode: () => DecodedCommand | RejectedFrame, respond: (reply: Reply | undefined) => void): void {
    if (!connection.open) return respond({ kind: 'error', id: undefined, error: toWire(new CommandError(ErrorCode.UNAVAILABLE, 'the session has closed')) });
    const now = performance.now();
    const refused = this.#gate.admit(connection, now);
    if (refused === undefined) return this.#run(connection, decode(), respond);
    if (this.#gate.strike(connection, now) === 'close') connection.close(CloseCode.POLICY_VIOLATION, 'rate limit exceeded');
    this.#refuse(connection, undefined, new CommandError(ErrorCode.RATE_LIMITED, refused), respond);
  }

  #run(connection: Connection, decoded: DecodedCommand | DecodedAnswer | RejectedFrame, respond: ((reply: Reply | undefined) => void) | undefined): void {
    if (!decoded.ok) return this.#refuse(connection, decoded.id, decoded.error, respond);
    const problem = inspectPayload(decoded.payload, this.#limits.maxPayloadDepth);
    if (problem !== undefined) return this.#refuse(connection, decoded.id, new CommandError(ErrorCode.BAD_FRAME, problem), respond);
    if (decoded.kind === 'answer') {
      this.#answered(connection, decoded);
      return respond?.(undefined);
    }
    if (this.#draining) {
      return this.#refuse(connection, decoded.id, new CommandError(ErrorCode.UNAVAILABLE, 'the server is draining; send it again on a new connection'), respond);
    }
    const maxPending = this.#limits.maxPendingCommands;
    if (connection.pending >= maxPending) {
      return this.#refuse(connection, decoded.id, new CommandError(ErrorCode.RATE_LIMITED, `too many commands in flight (at most ${maxPending}); wait for their replies`), respond);
    }
    connection.pending++;
    this.#inFlight.begin();
    const inbound = { type: decoded.type, id: decoded.id, payload: decoded.payload, session: connection, meta: decoded.meta, transport: this.#transport };
    const recovery = this.#context.recovery;
    // With recovery, a retried id runs once.
    const outcome = recovery === undefined ? runCommand(this.#context.bus, inbound) : recovery.dispatch(this.#context.bus, inbound);
    if (outcome instanceof Promise) {
      // Something in the command was asynchronous: one continuation for it (no .finally).
      outcome.then(
        (reply) => this.#settled(connection, reply, respond),
        (error: unknown) => this.#failed(connection, error, decoded.id, respond),
      );
    } else {
      this.#settled(connection, outcome, respond);
    }
  }

  /** Sends a command's reply (down the socket, or to the request that brought it) and counts the command as finished. */
  #settled(connection: Connection, reply: Reply | undefined, respond: ((reply: Reply | undefined) => void) | undefined): void {
    connection.pending--;
    try {
      if (respond === undefined) this.#reply(connection, reply);
      else respond(reply);
    } catch (error) {
      // A throw here would be an unhandled rejection, which ends a Node process.
      this.#context.reportError(error);
    } finally {
      this.#inFlight.end();
    }
  }

  /**
   * Reports what kept a command from having a reply (the bus never rejects; this is the last net) and counts it
   * as finished; a request that brought its own way back still gets an answer.
   */
  #failed(connection: Connection, error: unknown, id: string | undefined, respond: ((reply: Reply | undefined) => void) | undefined): void {
    connection.pending--;
    this.#context.reportError(error);
    respond?.({ kind: 'error', id, error: toWire(new CommandError(ErrorCode.INTERNAL, 'internal error')) });
    this.#inFlight.end();
  }

  /** Charges one event a connection's command publishes to its publish budget; throws `RATE_LIMITED` past it. */
  chargePublish(connection: Connection): void {
    this.#gate.chargePublish(connection, performance.now());
  }

  /** Forgets a connection whose socket has closed: indexes, rooms, presence, timers. Idempotent. */
  closed(connection: Connection): void {
    if (!connection.open) return;
    connection.markClosed();
    this.#telemetry.connectionClosed();
    this.#cancelExpiry(connection);
    const resumed = this.#context.recovery?.closed(connection) === true;
    this.#relay?.closed(connection);
    const rooms = this.registry.remove(connection);
    this.#interest?.closed(connection.id, connection.user?.id, rooms);
    this.#context.presence.disconnected(connection.id).catch(this.#context.reportError);
    this.#context.sessionClosed?.(resumed ? { connectionId: connection.id, user: connection.user, rooms, resumed } : { connectionId: connection.id, user: connection.user, rooms });
  }

  /** A resume restored `connection`'s session in `rooms` (recovery): the rooms' policies announce it back. */
  resumed(connection: Connection, rooms: readonly string[]): void {
    this.#context.rooms?.resumed(connection, rooms);
  }

  async join(connection: Connection, room: string): Promise<void> {
    const maxName = this.#limits.maxRoomNameLength;
    if (typeof room !== 'string' || room.length > maxName) {
      throw new CommandError(ErrorCode.INVALID_PAYLOAD, `a room name must be a string of at most ${maxName} characters`);
    }
    if (!connection.open || connection.rooms.has(room)) return;
    const max = this.#limits.maxRoomsPerConnection;
    if (connection.rooms.size >= max) throw new CommandError(ErrorCode.TOO_MANY_ROOMS, `a connection may be in at most ${max} rooms`);
    const recovery = this.#context.recovery;
    // Recovery notes where the room's stream stands first, so a resume replays from there.
    const noted = recovery?.beforeJoin(connection, room);
    if (noted !== undefined) {
      await noted;
      if (!connection.open || connection.rooms.has(room)) return;
    }
    const policy = this.#context.rooms?.policyFor(room);
    if (policy !== undefined) return this.#context.rooms!.join(this, connection, room, policy);
    const subscribed = this.enter(connection, room);
    await this.#context.presence.joined(room, { connectionId: connection.id, userId: connection.user?.id });
    // Resolves once events for the room reach this node: none published after the join resolved is missed.
    await subscribed;
  }

  /**
   * Puts a connection in a room on this node: the registry, recovery's note of
   * where the room's stream stood, and this node's interest in the room.
   * Resolves once events for the room reach this node. Presence is the caller's.
   */
  enter(connection: Connection, room: string): Promise<void> | undefined {
    this.registry.join(connection, room);
    this.#context.recovery?.joined(connection, room);
    return this.#interest?.joined(room);
  }

  /**
   * Gives an open connection another id on this node (the id of the session
   * it resumes): the registry, and this node's interest in the events of
   * that id instead of its own. `false` when the id is held by another
   * connection here or this one is closed; otherwise resolves once events
   * for the new id reach this node. Presence is the caller's.
   */
  rename(connection: Connection, id: string): Promise<void> | false {
    const before = connection.id;
    if (!connection.open || !this.registry.rename(connection, id)) return false;
    return this.#interest?.renamed(before, id) ?? Promise.resolve();
  }

  /** Takes a connection out of a room on this node, undoing {@link enter}; `false` when it was not in it. Presence is the caller's. */
  exit(connection: Connection, room: string): boolean {
    if (!this.registry.leave(connection, room)) return false;
    this.#context.recovery?.left(connection, room);
    this.#interest?.left(room);
    return true;
  }

  /** Sends request `type` to connection `to`, wherever it is, and resolves with its answer (`ctx.ask`). */
  async ask(connection: Connection, to: string, type: string, payload: unknown, options?: AskOptions): Promise<unknown> {
    const requests = this.#context.requests;
    if (requests === undefined) throw new CommandError(ErrorCode.UNAVAILABLE, 'this application sends no requests to clients');
    return requests.ask(connection.id, to, type, payload, options);
  }

  async leave(connection: Connection, room: string): Promise<void> {
    if (!this.exit(connection, room)) return;
    await this.#context.presence.left(room, connection.id);
    this.#context.rooms?.left(connection, room);
  }

  /**
   * Replaces a connection's identity: user index, presence and expiry follow.
   * The connection may close while presence is being rewritten; `closed()`
   * has then already removed it, so each step checks first, and the last
   * write is undone if the close came while it was on its way.
   */
  async identify(connection: Connection, user: Identity): Promise<void> {
    if (!connection.open) return;
    const before = connection.user?.id;
    this.registry.identify(connection, user);
    this.#context.recovery?.identified(connection);
    const subscribed = this.#interest?.identified(before, user.id);
    this.#cancelExpiry(connection);
    this.#scheduleExpiry(connection);
    if (before === user.id) return;
    const presence = this.#context.presence;
    const entry = { connectionId: connection.id, userId: user.id };
    await Promise.all([subscribed, presence.disconnected(connection.id)]);
    if (!connection.open) return;
    await presence.connected(entry);
    // A snapshot: closing clears the connection's rooms, and the loop must not outlive it anyway.
    for (const room of [...connection.rooms]) {
      if (!connection.open) break;
      await presence.joined(room, entry);
    }
    if (!connection.open) await presence.disconnected(connection.id);
  }

  /**
   * Starts draining: new commands are refused with `UNAVAILABLE`, every
   * connection is told `session.draining`, and the returned promise settles
   * once the commands already running have replied, or at the deadline.
   * Resolves whether every command finished in time.
   */
  drain(deadlineMs: number): Promise<boolean> {
    if (!this.#draining) {
      this.#draining = true;
      const codec = this.#context.codec;
      const window = Math.max(1, Math.min(deadlineMs, MAX_TIMER_MS));
      for (const connection of this.registry.all()) {
        connection.send(codec.encodeEvent(SessionDraining.type, { retryAfterMs: randomInt(window) }));
      }
    }
    return this.#inFlight.idle(deadlineMs);
  }

  /** Sends one recorded event to one connection now, as delivery encodes it: what a resume replays. */
  sendEvent(connection: Connection, envelope: EventEnvelope): void {
    connection.replay(this.#context.codec.encodeEvent(envelope.type, envelope.payload, envelope.position), envelope.position);
  }

  /** Stops delivering and closes every connection with 1001. */
  close(reason = 'server closing'): void {
    this.#draining = true;
    this.#subscription.unsubscribe();
    for (const connection of [...this.registry.all()]) connection.close(CloseCode.GOING_AWAY, reason);
  }

  /**
   * An identity ends the connection (4001) at its deadline: its numeric
   * `exp` claim (seconds, as in a JWT), and at most `maxSessionLifetimeMs`
   * after it was established. Anonymous connections have none.
   */
  #scheduleExpiry(connection: Connection): void {
    const user = connection.user;
    if (user === undefined) return;
    const exp = user['exp'];
    let deadline = typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : Infinity;
    if (this.#maxLifetimeMs !== false) deadline = Math.min(deadline, Date.now() + this.#maxLifetimeMs);
    if (deadline !== Infinity) this.#armExpiry(connection, deadline);
  }

  #armExpiry(connection: Connection, deadline: number): void {
    // Node fires a longer timer at once, so a far deadline is reached in steps.
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, deadline - Date.now()));
    const timer = setTimeout(this.#onExpiryTimer, delay, connection, deadline);
    timer.unref();
    this.#expiries.set(connection, timer);
  }

  readonly #onExpiryTimer = (connection: Connection, deadline: number): void => {
    if (Date.now() < deadline) return this.#armExpiry(connection, deadline);
    this.#expiries.delete(connection);
    expire(connection);
  };

  #cancelExpiry(connection: Connection): void {
    const timer = this.#expiries.get(connection);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#expiries.delete(connection);
  }

  #refuseRate(connection: Connection, data: Buffer | string, isBinary: boolean, message: string, now: number): void {
    if (this.#gate.strike(connection, now) === 'close') return connection.close(CloseCode.POLICY_VIOLATION, 'rate limit exceeded');
    // Decoding a refused frame is the work the limit is there to spare: only a small one is, for its id.
    const id = data.length <= PEEK_ID_MAX_BYTES ? this.#context.codec.decode(data, isBinary).id : undefined;
    this.#refuse(connection, id, new CommandError(ErrorCode.RATE_LIMITED, message));
  }

  #answered(connection: Connection, answer: DecodedAnswer): void {
    // An id this hub did not send to this connection, or a second answer: nobody is waiting for it.
    if (!this.#relay?.answered(connection, answer)) connection.log.debug({ requestId: answer.id }, 'an answer to no pending request was ignored');
  }

  #refuse(connection: Connection, id: string | undefined, error: CommandError, respond?: (reply: Reply | undefined) => void): void {
    this.#telemetry.frameRefused(error.code);
    connection.log.debug({ code: error.code, commandId: id }, error.message);
    const reply: Reply = { kind: 'error', id, error: toWire(error) };
    if (respond === undefined) this.#reply(connection, reply);
    else respond(reply);
  }

  #reply(connection: Connection, reply: Reply | undefined): void {
    if (reply === undefined || !connection.open) return;
    const data = this.#encode(connection, reply);
    if (data !== undefined) connection.send(data);
  }

  #encode(connection: Connection, reply: Reply): string | undefined {
    try {
      return this.#context.codec.encodeReply(reply);
    } catch (error) {
      // A result that cannot be encoded (a BigInt, a cycle) is the handler's bug, not the client's.
      connection.log.error({ err: error, commandId: reply.id }, 'reply could not be encoded');
      return this.#context.codec.encodeReply({ kind: 'error', id: reply.id, error: toWire(new CommandError(ErrorCode.INTERNAL, 'internal error')) });
    }
  }

  #deliver(envelope: EventEnvelope): void {
    if (envelope.control !== undefined) return this.#relay?.deliver(envelope);
    const probe = this.#telemetry.deliveryStarted(envelope);
    try {
      const exclude = envelope.audience.exclude;
      const options = envelope.volatile === true ? VOLATILE : undefined;
      let frame: PreparedFrame | undefined;
      let recipients = 0;
      const filter = envelope.audience.filter;
      for (const connection of this.registry.resolve(envelope.audience)) {
        if (connection.id === exclude) continue;
        if (filter !== undefined && !matchesIdentity(connection.user, filter)) continue;
        frame ??= new PreparedFrame(Buffer.from(this.#context.codec.encodeEvent(envelope.type, envelope.payload, envelope.position)));
        connection.sendPrepared(frame, options, envelope);
        recipients++;
      }
      probe?.end(recipients);
    } catch (error) {
      this.#context.reportError(error);
    }
  }
}

/** What a transport adds to a connection's opening. */
export interface OpenOptions {
  /** A transport's own fields of `session.connected` (the HTTP transport's session token). */
  readonly greeting?: Readonly<Record<string, unknown>>;
  /**
   * Called once `session.connected` has been sent, which may be after `open()`
   * returned (with interest routing, once the node hears the connection's events):
   * what a transport does first on the client's behalf goes here (an event stream's resume).
   */
  readonly greeted?: (connection: Connection) => void;
}

function greet(connection: Connection, hello: string, greeted: ((connection: Connection) => void) | undefined): void {
  if (!connection.open) return;
  connection.send(hello);
  greeted?.(connection);
}

function expire(connection: Connection): void {
  connection.log.debug('closing: the identity expired');
  connection.close(CloseCode.SESSION_EXPIRED, 'session expired');
}

function toWire(error: CommandError): { code: string; message: string; details: readonly unknown[] } {
  return { code: error.code, message: error.message, details: error.details };
}
