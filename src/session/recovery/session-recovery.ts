import type { EventEnvelope } from '../../events/event-envelope.js';
import { FROM_START } from '../../events/history/event-history.js';
import type { Presence } from '../../events/presence.js';
import { CloseCode } from '../../protocol/errors.js';
import type { ResumeGrant, SessionResumeResult } from '../../protocol/session-resume.js';
import type { Session } from '../../commands/session.js';
import { Connection } from '../connection.js';
import type { ConnectionHub } from '../connection-hub.js';
import type { HubRecovery } from './hub-recovery.js';
import { plausibleToken, readResumePayload } from './read-resume-payload.js';
import type { RecoveryStore } from '../../events/recovery/recovery-store.js';
import type { ResolvedRecoveryOptions } from './recovery-options.js';
import { newOwnerMark, newResumeToken } from './resume-token.js';
import type { SessionRecord } from '../../events/recovery/session-store.js';
import type { CommandBus } from '../../commands/command-bus.js';
import type { InboundCommand } from '../../commands/inbound-command.js';
import type { Reply } from '../../protocol/frames.js';
import { dispatchOnce } from './once-only.js';

/** What recovery knows of one open connection on this node. */
interface Live {
  readonly hub: ConnectionHub;
  /** This connection's hold on its session record; changes when it resumes another session. */
  owner: string;
  grant: ResumeGrant;
  /** Per stream, where the session started listening. */
  bases: Map<string, string>;
  /** Its session was resumed on another connection: its close must not touch the record. */
  takenOver: boolean;
  resuming: boolean;
  /** The store writes of this session, one after the other, so a later one never lands first. */
  writes: Promise<void>;
}

/** What a {@link SessionRecovery} needs from the application. */
export interface SessionRecoveryDeps {
  readonly store: RecoveryStore;
  readonly options: ResolvedRecoveryOptions;
  readonly presence: Presence;
  readonly reportError: (error: unknown) => void;
  /** Told of each resume answered: recovered or not, and how many events it replayed (metrics). @default nothing is told */
  readonly resumed?: (recovered: boolean, replayed: number) => void;
}

/**
 * Sessions that survive a reconnect: issues and rotates resume tokens,
 * keeps each session's record (user, rooms, where it started listening to
 * each stream) in the store, and serves `session.resume`: restores the
 * session's identity, rooms and connection id on the new connection,
 * replays what it missed in order per stream, holds back the events
 * published meanwhile until after the replay, and closes the old connection
 * if it is still open. Anything it cannot vouch for answers
 * `recovered: false` and restores nothing.
 */
export class SessionRecovery implements HubRecovery {
  readonly #store: RecoveryStore;
  readonly #options: ResolvedRecoveryOptions;
  readonly #deps: SessionRecoveryDeps;
  readonly #live = new Map<Connection, Live>();
  readonly #bySession = new Map<string, Connection>();
  readonly #stopTakeovers: (() => void) | undefined;

  constructor(deps: SessionRecoveryDeps) {
    this.#deps = deps;
    this.#store = deps.store;
    this.#options = deps.options;
    this.#stopTakeovers = deps.store.takeovers?.listen((sessionId) => this.#closeLocal(sessionId));
  }

  dispatch(bus: CommandBus, inbound: InboundCommand): Reply | undefined | Promise<Reply | undefined> {
    return dispatchOnce(bus, this.#store.replies, inbound);
  }

  /** Whether `session` is a connection recovery follows (one that can send `session.resume`). */
  serves(session: Session): boolean {
    return session instanceof Connection && this.#live.has(session);
  }

  opened(connection: Connection, hub: ConnectionHub): ResumeGrant {
    const live: Live = {
      hub,
      owner: newOwnerMark(),
      grant: { token: newResumeToken(), ttlMs: this.#options.ttlMs },
      bases: new Map([[`connection:${connection.id}`, FROM_START]]),
      takenOver: false,
      resuming: false,
      writes: Promise.resolve(),
    };
    this.#live.set(connection, live);
    this.#bySession.set(connection.id, connection);
    const user = connection.user;
    const noted = user === undefined ? undefined : this.#noteBase(live, `user:${user.id}`);
    const token = live.grant.token;
    const owner = live.owner;
    this.#write(live, async () => {
      await noted;
      await this.#store.sessions.grant(this.#record(connection, live), owner, token);
    });
    connection.granted(live.grant);
    return live.grant;
  }

  beforeJoin(connection: Connection, room: string): void | Promise<void> {
    const live = this.#live.get(connection);
    if (live !== undefined) return this.#noteBase(live, `room:${room}`);
  }

  joined(connection: Connection): void {
    // A resume restoring the session's rooms writes the whole record once it is done.
    if (this.#live.get(connection)?.resuming !== true) this.#persist(connection);
  }

  left(connection: Connection, room: string): void {
    const live = this.#live.get(connection);
    live?.bases.delete(`room:${room}`);
    if (live?.resuming !== true) this.#persist(connection);
  }

  identified(connection: Connection): void {
    const live = this.#live.get(connection);
    const user = connection.user;
    if (live === undefined || user === undefined) return;
    const stream = `user:${user.id}`;
    if (live.bases.has(stream)) return this.#persist(connection);
    const noted = this.#noteBase(live, stream);
    this.#write(live, async () => {
      await noted;
      await this.#store.sessions.update(this.#record(connection, live), live.owner);
    });
  }

  closed(connection: Connection): boolean {
    const live = this.#live.get(connection);
    if (live === undefined) return false;
    this.#live.delete(connection);
    if (this.#bySession.get(connection.id) === connection) this.#bySession.delete(connection.id);
    if (live.takenOver) return true;
    const id = connection.id;
    const owner = live.owner;
    this.#write(live, () => this.#store.sessions.disconnected(id, owner, this.#options.ttlMs));
    return false;
  }

  /**
   * Serves `session.resume` on `session` (the new connection). Never
   * rejects for a session that merely cannot be resumed: that is
   * `recovered: false`, with this connection's own token to use next time.
   */
  async resume(payload: unknown, session: Session): Promise<SessionResumeResult> {
    const result = await this.#resume(payload, session);
    this.#deps.resumed?.(result.recovered, result.replayed);
    return result;
  }

  async #resume(payload: unknown, session: Session): Promise<SessionResumeResult> {
    const { token, positions } = readResumePayload(payload);
    const connection = session as Connection;
    const live = this.#live.get(connection);
    if (live === undefined) return { recovered: false, rooms: [], replayed: 0, resume: { token: '', ttlMs: this.#options.ttlMs } };
    // A session already in a room has started afresh: merging it with another would restore something no one can vouch for.
    if (live.resuming || connection.rooms.size > 0 || !plausibleToken(token)) return refused(live);
    live.resuming = true;
    try {
      const owner = newOwnerMark();
      const record = await this.#store.sessions.claim(token, connection.user?.id ?? null, owner);
      if (record === undefined) return refused(live);
      if (!connection.open || record.id === connection.id) {
        // Its own token, or a connection gone meanwhile: the claim spent the token, so this connection gets a new one.
        if (record.id === connection.id) this.#regrant(connection, live, owner);
        else await this.#store.sessions.discard(record.id);
        return refused(live);
      }
      return await this.#restore(connection, live, record, owner, positions);
    } finally {
      live.resuming = false;
    }
  }

  /** Stops listening for takeovers. The store is the application's to close. */
  close(): void {
    this.#stopTakeovers?.();
  }

  async #restore(connection: Connection, live: Live, record: SessionRecord, owner: string, positions: Readonly<Record<string, string>>): Promise<SessionResumeResult> {
    const history = this.#store.history;
    const ownId = connection.id;
    this.#closeLocal(record.id);
    this.#store.takeovers?.announce(record.id);
    // From here on, recorded events for the session's streams reach this connection but wait until the replay is sent.
    connection.hold();
    const renamed = live.hub.rename(connection, record.id);
    if (renamed === false) return this.#undo(connection, live, record, ownId, []);
    // Through the hub, so this node subscribes to the session's id and rooms; read the history only once they are
    // confirmed: an event published between the read and the subscription would otherwise be lost.
    const entered = record.rooms.map((room) => live.hub.enter(connection, room));
    await Promise.all([renamed, ...entered]);
    if (!connection.open) return this.#undo(connection, live, record, ownId, record.rooms);
    const starts = new Map<string, string>();
    for (const [stream, base] of Object.entries(record.bases)) starts.set(stream, startOf(history.compare.bind(history), positions[stream], base));
    let replays: Array<{ events: readonly EventEnvelope[] } | undefined>;
    try {
      replays = await Promise.all([...starts].map(([stream, start]) => history.after(stream, start)));
    } catch (error) {
      this.#deps.reportError(error);
      replays = [undefined];
    }
    if (!connection.open || replays.some((replay) => replay === undefined)) return this.#undo(connection, live, record, ownId, record.rooms);
    const last = new Map(starts);
    let replayed = 0;
    let index = 0;
    for (const stream of starts.keys()) {
      for (const event of (replays[index] as { events: readonly EventEnvelope[] }).events) {
        if (event.position !== undefined) last.set(stream, event.position.pos);
        if (event.audience.exclude === record.id) continue;
        live.hub.sendEvent(connection, event);
        replayed++;
      }
      index++;
    }
    this.#bySession.delete(ownId);
    this.#bySession.set(record.id, connection);
    live.bases = last;
    live.owner = owner;
    live.grant = { token: newResumeToken(), ttlMs: this.#options.ttlMs };
    connection.granted(live.grant);
    const token = live.grant.token;
    const resumed = this.#record(connection, live);
    this.#write(live, async () => {
      await this.#store.sessions.discard(ownId);
      await this.#store.sessions.grant(resumed, owner, token);
    });
    this.#movePresence(connection, ownId, record.rooms);
    live.hub.resumed(connection, record.rooms);
    // After the result frame has gone out: the events held back meanwhile, without those the replay already sent.
    setImmediate(() => this.#releaseHeld(connection, last));
    return { recovered: true, rooms: [...record.rooms], replayed, resume: live.grant };
  }

  /** A resume that cannot be vouched for: the connection is put back as it was, and the claimed session is forgotten. */
  #undo(connection: Connection, live: Live, record: SessionRecord, ownId: string, rooms: readonly string[]): SessionResumeResult {
    // A connection closed meanwhile was taken out of the registry, and its interests released, by the hub.
    if (connection.open) {
      for (const room of rooms) live.hub.exit(connection, room);
      void live.hub.rename(connection, ownId);
    }
    const keep = new Set([`connection:${ownId}`, connection.user === undefined ? '' : `user:${connection.user.id}`]);
    for (const frame of connection.release()) {
      if (keep.has((frame.event.position as { stream: string }).stream)) connection.send(frame.data, frame.options, frame.event);
    }
    const id = record.id;
    this.#write(live, () => this.#store.sessions.discard(id));
    return refused(live);
  }

  #releaseHeld(connection: Connection, last: ReadonlyMap<string, string>): void {
    const history = this.#store.history;
    for (const frame of connection.release()) {
      const position = frame.event.position as { stream: string; pos: string };
      const seen = last.get(position.stream);
      const order = seen === undefined ? undefined : history.compare(position.pos, seen);
      if (order !== undefined && order <= 0) continue;
      connection.send(frame.data, frame.options, frame.event);
    }
  }

  /** The old connection of a resumed session, if it is open on this node, goes (a half-open socket the client gave up on). */
  #closeLocal(sessionId: string): void {
    const old = this.#bySession.get(sessionId);
    const live = old === undefined ? undefined : this.#live.get(old);
    if (old === undefined || live === undefined) return;
    live.takenOver = true;
    old.close(CloseCode.SESSION_RESUMED, 'session resumed on another connection');
    live.hub.closed(old);
  }

  #movePresence(connection: Connection, ownId: string, rooms: readonly string[]): void {
    const presence = this.#deps.presence;
    const entry = { connectionId: connection.id, userId: connection.user?.id };
    (async () => {
      await presence.disconnected(ownId);
      await presence.connected(entry);
      for (const room of rooms) await presence.joined(room, entry);
    })().catch(this.#deps.reportError);
  }

  #regrant(connection: Connection, live: Live, owner: string): void {
    live.owner = owner;
    live.grant = { token: newResumeToken(), ttlMs: this.#options.ttlMs };
    connection.granted(live.grant);
    const record = this.#record(connection, live);
    const token = live.grant.token;
    this.#write(live, () => this.#store.sessions.grant(record, owner, token));
  }

  /** Notes where `stream` stands now, as the base of `live`'s session; a promise when the history is remote. */
  #noteBase(live: Live, stream: string): void | Promise<void> {
    let head: string | Promise<string>;
    try {
      head = this.#store.history.head(stream);
    } catch (error) {
      this.#deps.reportError(error);
      return;
    }
    if (typeof head === 'string') {
      live.bases.set(stream, head);
      return;
    }
    return head.then(
      (pos) => void live.bases.set(stream, pos),
      // Not knowing where the stream stood, no resume can vouch for it: the base stays unreadable and a resume answers recovered:false.
      (error: unknown) => {
        live.bases.set(stream, '?');
        this.#deps.reportError(error);
      },
    );
  }

  #persist(connection: Connection): void {
    const live = this.#live.get(connection);
    if (live === undefined) return;
    const record = this.#record(connection, live);
    const owner = live.owner;
    this.#write(live, () => this.#store.sessions.update(record, owner));
  }

  #record(connection: Connection, live: Live): SessionRecord {
    const bases: Record<string, string> = {};
    const rooms = [...connection.rooms];
    const streams = new Set([`connection:${connection.id}`, ...rooms.map((room) => `room:${room}`)]);
    if (connection.user !== undefined) streams.add(`user:${connection.user.id}`);
    for (const [stream, pos] of live.bases) if (streams.has(stream)) bases[stream] = pos;
    return { id: connection.id, userId: connection.user?.id ?? null, rooms, bases };
  }

  #write(live: Live, write: () => Promise<void>): void {
    live.writes = live.writes.then(write).catch(this.#deps.reportError);
  }
}

function refused(live: Live): SessionResumeResult {
  return { recovered: false, rooms: [], replayed: 0, resume: live.grant };
}

/** Replay starts at the client's position, unless the session's base is later (it left and re-joined since). */
function startOf(compare: (a: string, b: string) => number | undefined, pos: string | undefined, base: string): string {
  if (pos === undefined) return base;
  const order = compare(pos, base);
  return order !== undefined && order < 0 ? base : pos;
}
