import type { EventHistory, ResolvedHistoryLimits } from '../history/event-history.js';
import type { ReplyCache } from './reply-cache.js';
import type { SessionStore } from './session-store.js';
import type { TakeoverChannel } from './takeover-channel.js';

/**
 * Where recovery keeps what it needs: the event history, the session
 * records and tokens, the replies of commands, and (across nodes) how a
 * resume reaches the node of the old connection.
 */
export interface RecoveryStore {
  readonly history: EventHistory;
  readonly sessions: SessionStore;
  readonly replies: ReplyCache;
  readonly takeovers?: TakeoverChannel;
  /** Resolves once the store can serve (its connections are up). */
  ready?(): Promise<void>;
  /** Closes all of it. Idempotent. */
  close(): Promise<void>;
}

/** What a store is built for: the application's recovery options, defaults applied. */
export interface RecoverySettings {
  /** How long after its socket drops a session can be resumed, in ms. */
  readonly ttlMs: number;
  readonly history: ResolvedHistoryLimits;
  /** Replies kept per session for once-only commands. */
  readonly maxRepliesPerSession: number;
}

/** Builds a {@link RecoveryStore} for the application's recovery settings. */
export type RecoveryStoreFactory = (settings: RecoverySettings) => RecoveryStore;

