import type { EventPosition, SessionResumePayload } from '../../protocol/session-resume.js';

/** Longest `Last-Event-ID` read, in characters: a cursor naming every stream a session can be in fits well within it. */
const MAX_CURSOR_LENGTH = 8192;

/** The streams a session listens to now: a position kept for any other is dropped. */
export interface ListeningSession {
  readonly id: string;
  readonly user: { readonly id: string } | undefined;
  readonly rooms: ReadonlySet<string>;
}

/**
 * What an SSE stream keeps for its client to resume with (recovery on): the
 * session's current resume token and the last position sent on each stream,
 * written as the `id:` of the events that change them. An EventSource hands
 * the last `id:` back as `Last-Event-ID` when it reconnects, so the one value
 * must carry everything `session.resume` takes; it is the base64url of
 * `{"t": token, "p": {stream: pos}}`, opaque to clients.
 *
 * The id goes out only on a frame sent after a change (a new position, a
 * rotated token), in the same write as the event it describes: a client
 * holds an event and the id that counts it, or neither.
 *
 * @example
 * cursor.grant('tok…'); cursor.advance({ stream: 'room:lobby', pos: '7' }, connection);
 * cursor.pending; // 'id: eyJ0Ijoi…\n'
 */
export class SseCursor {
  #token: string | undefined;
  readonly #positions = new Map<string, string>();
  #line: string | undefined;

  /** The `id:` line still to be written, with its line break; `undefined` when the client already has the current one. */
  get pending(): string | undefined {
    return this.#line;
  }

  /** Takes the session's new resume token. */
  grant(token: string): void {
    this.#token = token;
    this.#line = this.#encode();
  }

  /** Records that the event at `position` is being sent; positions of streams `session` no longer listens to are dropped. */
  advance(position: EventPosition, session: ListeningSession | undefined): void {
    if (this.#token === undefined) return;
    const positions = this.#positions;
    positions.set(position.stream, position.pos);
    // A stream per room, the user's and the connection's: more means the session left rooms (or was renamed) since.
    if (session !== undefined && positions.size > session.rooms.size + 2) prune(positions, session);
    this.#line = this.#encode();
  }

  /** The pending id line has been written. */
  written(): void {
    this.#line = undefined;
  }

  #encode(): string {
    const cursor = Buffer.from(JSON.stringify({ t: this.#token, p: Object.fromEntries(this.#positions) })).toString('base64url');
    return `id: ${cursor}\n`;
  }

  /**
   * Reads a `Last-Event-ID` as the `session.resume` payload it stands for.
   * Anything that is not a cursor of this shape reads as a payload with an
   * empty token, which a resume answers `recovered: false`: a client that
   * sent some other id resyncs rather than fails.
   */
  static read(header: string): SessionResumePayload {
    if (header.length === 0 || header.length > MAX_CURSOR_LENGTH) return UNREADABLE;
    let cursor: unknown;
    try {
      cursor = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    } catch {
      return UNREADABLE;
    }
    if (typeof cursor !== 'object' || cursor === null) return UNREADABLE;
    const { t, p } = cursor as { t?: unknown; p?: unknown };
    if (typeof t !== 'string') return UNREADABLE;
    // The positions are checked as any session.resume payload's are.
    return { token: t, positions: p as Record<string, string> | undefined };
  }
}

const UNREADABLE: SessionResumePayload = Object.freeze({ token: '', positions: {} });

function prune(positions: Map<string, string>, session: ListeningSession): void {
  for (const stream of positions.keys()) {
    if (!listensTo(session, stream)) positions.delete(stream);
  }
}

function listensTo(session: ListeningSession, stream: string): boolean {
  if (stream.startsWith('room:')) return session.rooms.has(stream.slice(5));
  if (stream.startsWith('user:')) return session.user?.id === stream.slice(5);
  return stream === `connection:${session.id}`;
}
