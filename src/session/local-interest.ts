import type { Backplane } from '../events/backplane.js';
import type { InterestKey } from '../events/interest-key.js';

/** The interest hooks of a backplane that routes by interest. */
export type InterestHooks = Pick<Backplane, 'interest' | 'disinterest'>;

/**
 * Tells a backplane that routes by interest which rooms, users and
 * connections this hub serves: one `interest` per local connection, per
 * connection of a user and per room membership, undone one for one. The
 * backplane counts them across hubs, so several transports of one node
 * share a subscription.
 *
 * @example
 * const interest = LocalInterest.of(context.interest);
 * await interest?.joined('lobby');
 */
export class LocalInterest {
  readonly #interest: (key: InterestKey) => Promise<void>;
  readonly #disinterest: (key: InterestKey) => void;

  private constructor(interest: (key: InterestKey) => Promise<void>, disinterest: (key: InterestKey) => void) {
    this.#interest = interest;
    this.#disinterest = disinterest;
  }

  /** `undefined` for a backplane without interest hooks (it carries every event to every node). */
  static of(hooks: InterestHooks | undefined): LocalInterest | undefined {
    if (hooks?.interest === undefined || hooks.disinterest === undefined) return undefined;
    return new LocalInterest(hooks.interest.bind(hooks), hooks.disinterest.bind(hooks));
  }

  /** A connection opened: its own events and its user's. Resolves once both reach this node. */
  async opened(connectionId: string, userId: string | undefined): Promise<void> {
    const own = this.#interest({ kind: 'connection', id: connectionId });
    if (userId === undefined) return own;
    await Promise.all([own, this.#interest({ kind: 'user', id: userId })]);
  }

  /** A connection closed, leaving `rooms`. */
  closed(connectionId: string, userId: string | undefined, rooms: Iterable<string>): void {
    this.#disinterest({ kind: 'connection', id: connectionId });
    if (userId !== undefined) this.#disinterest({ kind: 'user', id: userId });
    for (const room of rooms) this.#disinterest({ kind: 'room', id: room });
  }

  joined(room: string): Promise<void> {
    return this.#interest({ kind: 'room', id: room });
  }

  left(room: string): void {
    this.#disinterest({ kind: 'room', id: room });
  }

  /** A connection took another id (a resumed session's): its events are now those of `after`. Resolves once they reach this node. */
  async renamed(before: string, after: string): Promise<void> {
    if (before === after) return;
    const confirmed = this.#interest({ kind: 'connection', id: after });
    this.#disinterest({ kind: 'connection', id: before });
    await confirmed;
  }

  /** A connection's identity changed from user `before` to `after`. */
  async identified(before: string | undefined, after: string | undefined): Promise<void> {
    if (before === after) return;
    const confirmed = after === undefined ? undefined : this.#interest({ kind: 'user', id: after });
    if (before !== undefined) this.#disinterest({ kind: 'user', id: before });
    await confirmed;
  }
}
