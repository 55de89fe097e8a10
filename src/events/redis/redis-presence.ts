import { randomBytes } from 'node:crypto';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { BehaviorSubject, filter, firstValueFrom } from 'rxjs';
import { CommandError, ErrorCode, SetupError, SetupErrorCode } from '../../protocol/errors.js';
import { Presence, type PresenceEntry } from '../presence.js';
import { decodeEntry, encodeEntry } from './presence-entry-codec.js';
import { readPresence } from './presence-read-script.js';
import { readPresenceSharded } from './presence-read-sharded.js';
import { hashTagFor } from './channel-for.js';
import { closeRedis, openRedisLink } from './redis-connection.js';
import { claimSeat, type SeatClaim } from './redis-room-capacity.js';
import { claimSeatSharded } from './redis-room-capacity-sharded.js';
import { removeOwnEntry } from './presence-remove-own.js';
import { RedisLinkState } from './redis-link-state.js';
import { resolveRedisOptions, type RedisScaleOutOptions, type ResolvedRedisOptions } from './redis-options.js';

interface LocalSession {
  readonly userId: string | undefined;
  readonly rooms: Set<string>;
}

/** Adds one key's commands to a transaction. */
type Group = (batch: ChainableCommander) => unknown;

/** What a transaction's `exec()` resolves with: `[error, result]` per command, `null` when it was discarded. */
type ExecResults = Array<[Error | null, unknown]> | null;

/**
 * Presence across nodes, in Redis: one hash per room and one per user,
 * field = connection id, value = owning node, epoch and user.
 *
 * This node's own state, kept in memory, is the truth; Redis holds a copy
 * that other nodes read. Changes go straight to Redis, in order, over one
 * connection. Whenever the copy may have drifted (a write failed, the
 * connection closed, Redis restarted empty, this node's liveness key was
 * found gone), the node writes its whole state back under a new epoch in
 * one transaction that also points its liveness key at that epoch: every
 * entry it may have left behind, from a removal that never reached Redis,
 * belongs to an older epoch and is dead at once. One write-back at a time;
 * if the state was marked as drifted again meanwhile, another follows.
 *
 * The liveness key (`<prefix>node:<id>`, holding the epoch) expires
 * `presenceTtlMs` after the last heartbeat. Readers keep the entries whose
 * node's key holds their epoch and, in the same atomic step, delete the
 * others, so a node that dies without cleanup vanishes from `members()` and
 * `sessions()` within `presenceTtlMs`, and a node coming back never loses
 * fresh entries to a reader that judged it dead a moment before.
 *
 * Writes never fail the caller: while Redis is away they are kept locally
 * and written back once it returns. Reads need Redis and reject with
 * `UNAVAILABLE` while it is unreachable.
 *
 * @example
 * const presence = new RedisPresence({ url: process.env.REDIS_URL });
 * const app = new Switchyard({ backplane, presence });
 * const members = await presence.members('lobby');
 */
export class RedisPresence extends Presence {
  readonly #options: ResolvedRedisOptions;
  readonly #redis: Redis | Cluster;
  readonly #link: RedisLinkState;
  /** Prefix of every key this presence stores (an ioredis `keyPrefix` of the user's client comes first). */
  readonly #prefix: string;
  readonly #nodeKey: string;
  readonly #sessions = new Map<string, LocalSession>();
  readonly #roomMembers = new Map<string, Set<string>>();
  readonly #userSessions = new Map<string, Set<string>>();
  readonly #incarnation = randomBytes(6).toString('hex');
  #epochs = 0;
  #epoch: string;
  /** Moves whenever Redis may no longer match the local state. */
  #generation = 1;
  /** The generation the last successful write-back covered; behind `#generation` means a write-back is due. */
  #writtenGeneration = 0;
  /** A write-back or a liveness check is in flight: never more than one. */
  #busy = false;
  /** The last write-back failed: the next waits for the heartbeat, so a Redis that refuses writes is not hammered. */
  #backingOff = false;
  readonly #synced = new BehaviorSubject(false);
  /**
   * Callers waiting on a write or read, answered when the connection closes.
   * ioredis resends what a closed connection left unanswered once it
   * reconnects, so a write or read in flight at a crash would otherwise keep
   * its caller waiting for the whole outage.
   */
  readonly #waiting = new Set<() => void>();
  readonly #timer: NodeJS.Timeout;
  #closing: Promise<void> | undefined;

  constructor(options: RedisScaleOutOptions) {
    super();
    this.#options = resolveRedisOptions(options);
    const clientPrefix = this.#options.cluster ? '' : ((this.#options.client as Redis | undefined)?.options.keyPrefix ?? '');
    this.#prefix = clientPrefix + this.#options.keyPrefix;
    this.#nodeKey = `${this.#prefix}node:${this.#options.nodeId}`;
    this.#epoch = this.#nextEpoch();
    this.#link = new RedisLinkState(this.#options.logger, 'presence', 'presence changes are kept locally and written back when it returns');
    this.#redis = openRedisLink(this.#options, 'presence');
    this.#redis.on('error', this.#onError);
    this.#redis.on('ready', this.#onReady);
    this.#redis.on('close', this.#onClose);
    this.#timer = setInterval(this.#onHeartbeat, this.#options.heartbeatMs);
    this.#timer.unref();
  }

  /** This node's id, stored with each of its entries. */
  get nodeId(): string {
    return this.#options.nodeId;
  }

  /** Resolves once this node's presence has been written to Redis; rejects with `SetupError` `CLOSED` after `close()`. */
  async ready(): Promise<void> {
    const synced = await firstValueFrom(this.#synced.pipe(filter(Boolean)), { defaultValue: false });
    if (!synced) throw new SetupError(SetupErrorCode.CLOSED, 'the Redis presence is closed');
  }

  async connected(entry: PresenceEntry): Promise<void> {
    // Every change is recorded and sent before the first await, so changes reach Redis in the order they were made.
    const forgotten = this.#forget(entry.connectionId);
    this.#sessions.set(entry.connectionId, { userId: entry.userId, rooms: new Set() });
    if (entry.userId === undefined) return forgotten;
    add(this.#userSessions, entry.userId, entry.connectionId);
    await Promise.all([forgotten, this.#put([this.#userKey(entry.userId)], entry.connectionId, entry.userId)]);
  }

  async disconnected(connectionId: string): Promise<void> {
    await this.#forget(connectionId);
  }

  async joined(room: string, entry: PresenceEntry): Promise<void> {
    const session = this.#record(room, entry);
    await this.#put([this.#roomKey(room)], entry.connectionId, session.userId);
  }

  /**
   * Joins only while the room holds fewer than `capacity` sessions on every
   * node, decided in one atomic step of Redis (`redis-room-capacity`).
   * Rejects with `UNAVAILABLE` while Redis is unreachable: the count cannot be checked.
   */
  override async joinedWithin(room: string, entry: PresenceEntry, capacity: number): Promise<boolean> {
    const { connectionId } = entry;
    if (this.#roomMembers.get(room)?.has(connectionId) === true) return true;
    if (this.#closing !== undefined || this.#redis.status !== 'ready') throw unreachable();
    // Recorded before the script runs, so that two joins of this node at once each count the other.
    const session = this.#record(room, entry);
    const claim: SeatClaim = {
      key: this.#roomKey(room),
      nodeKeyPrefix: `${this.#prefix}node:`,
      nodeId: this.#options.nodeId,
      capacity,
      localMembers: this.#roomMembers.get(room)?.size ?? 1,
      connectionId,
      value: this.#value(session.userId),
      ttlMs: this.#options.presenceTtlMs,
    };
    let outcome: boolean | typeof CONNECTION_CLOSED | Error;
    try {
      // A Cluster refuses the liveness keys (other slots) in a script: there they are read before it.
      outcome = await this.#untilClosed(this.#options.cluster ? claimSeatSharded(this.#redis as Cluster, claim) : claimSeat(this.#redis, claim));
    } catch (error) {
      outcome = error instanceof Error ? error : new Error(String(error));
    }
    if (outcome === true) return true;
    this.#sessions.get(connectionId)?.rooms.delete(room);
    remove(this.#roomMembers, room, connectionId);
    // A write-back running meanwhile may have carried the reservation to Redis.
    void this.#remove([this.#roomKey(room)], connectionId);
    if (outcome === false) return false;
    throw unreachable(outcome === CONNECTION_CLOSED ? undefined : outcome);
  }

  #record(room: string, entry: PresenceEntry): LocalSession {
    let session = this.#sessions.get(entry.connectionId);
    if (session === undefined) {
      this.#sessions.set(entry.connectionId, (session = { userId: entry.userId, rooms: new Set() }));
      if (entry.userId !== undefined) add(this.#userSessions, entry.userId, entry.connectionId);
    }
    session.rooms.add(room);
    add(this.#roomMembers, room, entry.connectionId);
    return session;
  }

  async left(room: string, connectionId: string): Promise<void> {
    this.#sessions.get(connectionId)?.rooms.delete(room);
    remove(this.#roomMembers, room, connectionId);
    await this.#remove([this.#roomKey(room)], connectionId);
  }

  /** The sessions in a room, on every node. Rejects with `UNAVAILABLE` while Redis is unreachable. */
  async members(room: string): Promise<PresenceEntry[]> {
    const entries = await this.#read(this.#roomKey(room));
    for (const connectionId of this.#roomMembers.get(room) ?? []) {
      entries.push({ connectionId, userId: this.#sessions.get(connectionId)?.userId });
    }
    return entries;
  }

  /** The sessions of a user, on every node. Rejects with `UNAVAILABLE` while Redis is unreachable. */
  async sessions(userId: string): Promise<PresenceEntry[]> {
    const entries = await this.#read(this.#userKey(userId));
    for (const connectionId of this.#userSessions.get(userId) ?? []) entries.push({ connectionId, userId });
    return entries;
  }

  /** Stops the heartbeat, removes this node's entries, and closes the connection. Idempotent. */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  async #close(): Promise<void> {
    clearInterval(this.#timer);
    this.#synced.complete();
    this.#redis.off('close', this.#onClose);
    if (this.#redis.status === 'ready') {
      // Deleting the liveness key is what makes the entries dead for every reader; the HDELs only tidy up.
      const fields = new Map<string, string[]>();
      for (const [connectionId, session] of this.#sessions) {
        for (const key of this.#keysOf(session)) append(fields, key, connectionId);
      }
      const groups: Group[] = [(batch) => batch.del(this.#nodeKey)];
      for (const [key, connectionIds] of fields) groups.push((batch) => batch.hdel(key, ...connectionIds));
      await this.#transaction(groups).catch(this.#onError);
    }
    this.#sessions.clear();
    this.#roomMembers.clear();
    this.#userSessions.clear();
    await closeRedis(this.#redis);
  }

  #forget(connectionId: string): Promise<void> {
    const session = this.#sessions.get(connectionId);
    if (session === undefined) return Promise.resolve();
    this.#sessions.delete(connectionId);
    for (const room of session.rooms) remove(this.#roomMembers, room, connectionId);
    if (session.userId !== undefined) remove(this.#userSessions, session.userId, connectionId);
    return this.#remove(this.#keysOf(session), connectionId);
  }

  async #put(keys: string[], connectionId: string, userId: string | undefined): Promise<void> {
    if (!this.#writable()) return;
    const value = this.#value(userId);
    await this.#send(keys.map((key) => (batch: ChainableCommander) => batch.hset(key, connectionId, value).pexpire(key, this.#options.presenceTtlMs)));
  }

  async #remove(keys: string[], connectionId: string): Promise<void> {
    if (keys.length === 0 || !this.#writable()) return;
    // Only this node's own entries: a session resumed on another node keeps the connection id and writes its own.
    await this.#send(keys.map((key) => (batch: ChainableCommander) => removeOwnEntry(batch, key, connectionId, this.#options.nodeId)));
  }

  /** Whether a change can go to Redis now; if not, the state is marked for a write-back instead. */
  #writable(): boolean {
    if (this.#closing !== undefined) return false;
    if (this.#redis.status === 'ready') return true;
    this.#drifted();
    this.#link.lost();
    return false;
  }

  /** Sends one change. A failure never reaches the caller: the state is written back instead. */
  async #send(groups: Group[]): Promise<void> {
    const failure = await this.#untilClosed(this.#transaction(groups).then(failureOf, identity));
    if (failure === undefined) return;
    this.#link.lost();
    this.#link.down(failure);
    this.#drifted();
    this.#maintain();
  }

  async #read(key: string): Promise<PresenceEntry[]> {
    if (this.#redis.status !== 'ready') throw unreachable();
    let flat: unknown;
    try {
      const nodeKeys = `${this.#prefix}node:`;
      const reading = this.#options.cluster
        ? readPresenceSharded(this.#redis as Cluster, key, nodeKeys, this.#options.nodeId)
        : readPresence(this.#redis, key, nodeKeys, this.#options.nodeId);
      flat = await this.#untilClosed(reading);
    } catch (error) {
      // An error Redis answered with (a script refused by an ACL, a key of the wrong type) says more than "unreachable".
      if (error instanceof Error && error.name === 'ReplyError') throw new CommandError(ErrorCode.UNAVAILABLE, 'presence is unavailable: Redis refused the read', [], { cause: error });
      throw unreachable(error);
    }
    if (flat === CONNECTION_CLOSED) throw unreachable();
    const entries: PresenceEntry[] = [];
    if (!Array.isArray(flat)) return entries;
    for (let index = 0; index + 1 < flat.length; index += 2) {
      const connectionId: unknown = flat[index];
      const stored = decodeEntry(flat[index + 1]);
      if (typeof connectionId === 'string' && stored !== undefined) entries.push({ connectionId, userId: stored.u ?? undefined });
    }
    return entries;
  }

  /** Starts a write-back if one is due, or else checks that Redis still holds this node's state. One at a time. */
  #maintain(): void {
    if (this.#closing !== undefined || this.#busy || this.#redis.status !== 'ready') return;
    if (this.#generation !== this.#writtenGeneration) {
      if (!this.#backingOff) this.#writeBack();
    } else {
      this.#checkLiveness();
    }
  }

  /** Writes the whole local state under a new epoch, with the liveness key pointing at it, in one transaction. */
  #writeBack(): void {
    const generation = this.#generation;
    this.#epoch = this.#nextEpoch();
    const ttl = this.#options.presenceTtlMs;
    const epoch = this.#epoch;
    const entries = new Map<string, string[]>();
    for (const [connectionId, session] of this.#sessions) {
      const value = this.#value(session.userId);
      for (const key of this.#keysOf(session)) append(entries, key, connectionId, value);
    }
    const groups: Group[] = [(batch) => batch.set(this.#nodeKey, epoch, 'PX', ttl)];
    for (const [key, fieldsAndValues] of entries) groups.push((batch) => batch.hset(key, ...fieldsAndValues).pexpire(key, ttl));
    this.#busy = true;
    this.#transaction(groups).then(
      (results) => {
        this.#busy = false;
        const failure = failureOf(results as ExecResults);
        if (failure !== undefined) return this.#writeBackFailed(failure);
        this.#writtenGeneration = generation;
        this.#link.up();
        if (this.#generation === generation) this.#synced.next(true);
        else this.#maintain();
      },
      (error: unknown) => {
        this.#busy = false;
        this.#writeBackFailed(error);
      },
    );
  }

  #writeBackFailed(error: unknown): void {
    this.#backingOff = true;
    this.#link.down(error);
  }

  /**
   * Refreshes the liveness key and the TTL of every hash this node has
   * entries in, without recreating either: a key found missing or holding
   * another epoch (expired during a pause, flushed, evicted) means readers
   * may have deleted this node's entries, so the state is written back.
   */
  #checkLiveness(): void {
    const epoch = this.#epoch;
    const ttl = this.#options.presenceTtlMs;
    const groups: Group[] = [(batch) => batch.get(this.#nodeKey).pexpire(this.#nodeKey, ttl)];
    for (const key of this.#localKeys()) groups.push((batch) => batch.pexpire(key, ttl));
    this.#busy = true;
    this.#transaction(groups).then(
      (results) => {
        this.#busy = false;
        const failure = failureOf(results as ExecResults);
        const intact = failure === undefined && results![0]![1] === epoch && results!.every(([, result], index) => index < 2 || result === 1);
        if (intact) return;
        if (failure !== undefined) this.#link.down(failure);
        this.#drifted();
        this.#maintain();
      },
      (error: unknown) => {
        this.#busy = false;
        this.#link.down(error);
        this.#drifted();
      },
    );
  }

  #drifted(): void {
    this.#generation += 1;
    this.#synced.next(false);
  }

  /** What `command` settles with, or `CONNECTION_CLOSED` if the connection closes first. */
  #untilClosed<T>(command: Promise<T>): Promise<T | typeof CONNECTION_CLOSED> {
    return new Promise((resolve, reject) => {
      const closed = (): void => resolve(CONNECTION_CLOSED);
      this.#waiting.add(closed);
      command.then(
        (value) => {
          this.#waiting.delete(closed);
          resolve(value);
        },
        (error: unknown) => {
          this.#waiting.delete(closed);
          reject(error);
        },
      );
    });
  }

  #nextEpoch(): string {
    return `${this.#incarnation}.${(++this.#epochs).toString(36)}`;
  }

  #localKeys(): Set<string> {
    const keys = new Set<string>();
    for (const room of this.#roomMembers.keys()) keys.add(this.#roomKey(room));
    for (const userId of this.#userSessions.keys()) keys.add(this.#userKey(userId));
    return keys;
  }

  #keysOf(session: LocalSession): string[] {
    const keys = [...session.rooms].map((room) => this.#roomKey(room));
    if (session.userId !== undefined) keys.push(this.#userKey(session.userId));
    return keys;
  }

  #value(userId: string | undefined): string {
    return encodeEntry({ n: this.#options.nodeId, e: this.#epoch, u: userId ?? null });
  }

  // On a Cluster each room's and user's hash carries its hash tag, so it lives on the shard of the room's or user's channel.
  #roomKey(room: string): string {
    return this.#options.cluster ? `${this.#prefix}${hashTagFor({ kind: 'room', id: room })}:presence` : `${this.#prefix}room:${room}`;
  }

  #userKey(userId: string): string {
    return this.#options.cluster ? `${this.#prefix}${hashTagFor({ kind: 'user', id: userId })}:presence` : `${this.#prefix}user:${userId}`;
  }

  /**
   * Runs `groups` as one transaction on one Redis. On a Cluster a
   * transaction cannot span slots: each group (the commands on one key) is
   * its own, the others together first and the first group (this node's
   * liveness key) once they are written; the results come back in order,
   * as one transaction's would.
   */
  async #transaction(groups: Group[]): Promise<ExecResults> {
    if (!this.#options.cluster) {
      const batch = this.#redis.multi();
      for (const group of groups) group(batch);
      return (await batch.exec()) as ExecResults;
    }
    const run = (group: Group): Promise<ExecResults> => {
      const batch = this.#redis.multi();
      group(batch);
      return batch.exec() as Promise<ExecResults>;
    };
    const [first, ...rest] = groups;
    const others = await Promise.all(rest.map(run));
    const own = first === undefined ? [] : await run(first);
    if (own === null || others.some((results) => results === null)) return null;
    return [...own, ...others.flatMap((results) => results!)];
  }

  readonly #onHeartbeat = (): void => {
    this.#backingOff = false;
    this.#maintain();
  };

  readonly #onReady = (): void => {
    // Redis may have restarted empty. Deferred so that ioredis first resends what the old connection left unanswered:
    // the write-back then lands after those stale writes, not before them.
    this.#drifted();
    this.#backingOff = false;
    setImmediate(this.#onReconnected);
  };

  readonly #onReconnected = (): void => {
    this.#maintain();
  };

  readonly #onClose = (): void => {
    for (const closed of this.#waiting) closed();
    this.#waiting.clear();
    this.#drifted();
    this.#link.down();
  };

  readonly #onError = (error: unknown): void => {
    this.#options.logger.debug({ err: error }, 'redis connection error');
  };
}

const CONNECTION_CLOSED = 'the connection to Redis closed';

function identity<T>(value: T): T {
  return value;
}

function unreachable(cause?: unknown): CommandError {
  return new CommandError(ErrorCode.UNAVAILABLE, 'presence is unavailable: Redis is unreachable', [], { cause });
}

/** The first error of a transaction, or `undefined` when every command succeeded. */
function failureOf(results: unknown): unknown {
  if (results === null) return 'the transaction was discarded';
  for (const [error] of results as NonNullable<ExecResults>) if (error !== null) return error;
  return undefined;
}

function add(index: Map<string, Set<string>>, key: string, connectionId: string): void {
  let set = index.get(key);
  if (set === undefined) index.set(key, (set = new Set()));
  set.add(connectionId);
}

function append(index: Map<string, string[]>, key: string, ...values: string[]): void {
  const list = index.get(key);
  if (list === undefined) index.set(key, values);
  else list.push(...values);
}

function remove(index: Map<string, Set<string>>, key: string, connectionId: string): void {
  const set = index.get(key);
  if (set === undefined) return;
  set.delete(connectionId);
  if (set.size === 0) index.delete(key);
}
