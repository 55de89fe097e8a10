import type { WireError } from '../../protocol/frames.js';

/** The reply a command with an id got the first time it ran. */
export type CachedReply = { readonly ok: true; readonly payload: unknown } | { readonly ok: false; readonly error: WireError };

/**
 * The replies of a session's commands, by command id, so that a command
 * retried after a reconnect does not run again. At most
 * `maxRepliesPerSession` are kept per session (the oldest finished ones
 * go first), each for `ttlMs` after it ran.
 */
export interface ReplyCache {
  /**
   * Marks command `commandId` of `sessionId` as running and gives
   * `undefined` (run it) the first time; a later call gives the first run's
   * reply, a promise of it while that run is still going. A store in this
   * process answers synchronously (a command pays no extra turn); a remote
   * one with a promise.
   */
  begin(sessionId: string, commandId: string): CachedReply | undefined | Promise<CachedReply | undefined>;
  /** Records the reply of a run that `begin` allowed. */
  finish(sessionId: string, commandId: string, reply: CachedReply): void;
  /** Releases timers and connections. Idempotent. */
  close(): Promise<void>;
}
