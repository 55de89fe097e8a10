import type { Identity } from '../protocol/identity.js';

/** A connection that has closed, as `onSessionClosed` listeners see it. */
export interface ClosedSession {
  readonly connectionId: string;
  readonly user: Identity | undefined;
  /** The rooms it was in when it closed; it has left them all. */
  readonly rooms: readonly string[];
  /** Its session goes on, resumed on another connection (recovery): this was the stale copy, and the session has not left. */
  readonly resumed?: boolean;
}
