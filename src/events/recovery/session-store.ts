/**
 * What is kept of a session so that another connection, on any node, can
 * take it over: its id (the connection id it keeps), its user, its rooms,
 * and, per stream, the position it started listening from.
 */
export interface SessionRecord {
  readonly id: string;
  /** The user's id, `null` for an anonymous session. */
  readonly userId: string | null;
  readonly rooms: readonly string[];
  /** Per stream, where the session started listening: replay starts there when the client names no position of its own. */
  readonly bases: Readonly<Record<string, string>>;
}

/**
 * Where session records and resume tokens live: in this process
 * ({@link MemorySessionStore}) or in Redis, so a client resumes on any node.
 * A record is live (no expiry) while its connection is open, and can be
 * claimed with its token for `ttlMs` after the connection closes. `owner`
 * names one connection's hold on a record: a write by a connection that no
 * longer holds it (its session was resumed elsewhere) changes nothing.
 * A token is never logged, and a store may keep only its hash.
 */
export interface SessionStore {
  /** Records `record` as held by `owner`, with `token` as the one token that resumes it; a token it had before is spent. */
  grant(record: SessionRecord, owner: string, token: string): Promise<void>;
  /** Rewrites the record (rooms, bases, user) if `owner` still holds it. */
  update(record: SessionRecord, owner: string): Promise<void>;
  /** The connection closed: the record can be claimed for `ttlMs` more, then it is gone. */
  disconnected(sessionId: string, owner: string, ttlMs: number): Promise<void>;
  /**
   * Spends `token` and hands over its record, when the token is known and
   * unspent, its session's user is `userId`, and the session has not
   * expired. Otherwise `undefined`, and a token of another user is left unspent.
   */
  claim(token: string, userId: string | null, owner: string): Promise<SessionRecord | undefined>;
  /** Forgets a record and its token. */
  discard(sessionId: string): Promise<void>;
  /** Releases timers and connections. Idempotent. */
  close(): Promise<void>;
}
