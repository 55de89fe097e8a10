import type { Identity } from '../protocol/identity.js';

/**
 * The connection a command came from, as the bus sees it. Transports
 * implement it; handlers reach it only through their {@link CommandContext}.
 */
export interface Session {
  readonly id: string;
  readonly user: Identity | undefined;
  /** The rooms this session is in. */
  readonly rooms: ReadonlySet<string>;
  /** Puts the session in a room; resolves once presence records it. */
  join(room: string): Promise<void>;
  /** Takes the session out of a room; resolves once presence records it. */
  leave(room: string): Promise<void>;
  /** Replaces the session's identity (a refreshed token, an in-band sign-in); resolves once presence records it. */
  identify(user: Identity): Promise<void>;
  /**
   * Counts one event a command of this session publishes with `ctx.publish`;
   * throws (a `RATE_LIMITED` `CommandError`) when the session has published
   * more than its budget allows. Optional: a session without it is not limited.
   */
  chargePublish?(): void;
}
