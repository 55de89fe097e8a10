/** Who is on the other end of a connection, as authentication established it. */
export interface Identity {
  /** Stable user id: every session of this user shares it (`to.user(id)`). */
  readonly id: string;
  /** Roles for authorization middleware. */
  readonly roles?: readonly string[];
  /** Further claims, as the authenticator found them. */
  readonly [claim: string]: unknown;
}
