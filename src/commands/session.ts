import type { Identity } from '../protocol/identity.js';

/**
 * Verifies a bearer token on its own and resolves with the identity it
 * names; rejects when the token is bad. A `jwtAuthenticator` has one
 * (`verifyToken`), and the endpoint a connection came in on hands it to the
 * connection, so `session.reauth` checks tokens as that endpoint does.
 *
 * @example
 * const verify: TokenVerifier = jwtAuthenticator({ secret }).verifyToken;
 */
export type TokenVerifier = (token: string) => Promise<Identity>;

/**
 * The connection a command came from, as the bus sees it. Transports
 * implement it; handlers reach it only through their {@link CommandContext}.
 */
export interface Session {
  readonly id: string;
  readonly user: Identity | undefined;
  /** The rooms this session is in. */
  readonly rooms: ReadonlySet<string>;
  /**
   * Verifies a token as the endpoint this session came in on does, for
   * `session.reauth`; `undefined` when that endpoint verifies no tokens.
   */
  readonly verifyToken?: TokenVerifier | undefined;
  /** Puts the session in a room; resolves once presence records it. */
  join(room: string): Promise<void>;
  /** Takes the session out of a room; resolves once presence records it. */
  leave(room: string): Promise<void>;
  /** Replaces the session's identity (a refreshed token, an in-band sign-in); resolves once presence records it. */
  identify(user: Identity): Promise<void>;
  /**
   * Sends request `type` to connection `to` (on any node) and resolves with
   * its answer; the answer comes back through this session's node. Optional:
   * `ctx.ask` on a session without it is refused with `UNAVAILABLE`.
   */
  ask?(to: string, type: string, payload: unknown, options?: { readonly timeoutMs?: number; readonly signal?: AbortSignal }): Promise<unknown>;
  /**
   * Counts one event a command of this session publishes with `ctx.publish`;
   * throws (a `RATE_LIMITED` `CommandError`) when the session has published
   * more than its budget allows. Optional: a session without it is not limited.
   */
  chargePublish?(): void;
}
