/**
 * Who an event is for. An audience is plain data, not a callback, so it can
 * cross a backplane to other nodes as JSON and be resolved there. `exclude`
 * names one connection to leave out (set it with `.except(id)`).
 */
export type Audience =
  | { readonly kind: 'connection'; readonly id: string; readonly exclude?: string }
  | { readonly kind: 'user'; readonly id: string; readonly exclude?: string }
  | { readonly kind: 'room'; readonly id: string; readonly exclude?: string }
  | { readonly kind: 'all'; readonly exclude?: string };

/** An audience that can still leave one connection out. */
export type AudienceBuilder<A extends Audience = Audience> = A & {
  /** The same audience without the given connection (typically the sender). */
  except(connectionId: string): A;
};

function build<A extends Audience>(audience: A): AudienceBuilder<A> {
  return Object.defineProperty({ ...audience }, 'except', {
    value: (connectionId: string): A => Object.freeze({ ...audience, exclude: connectionId }) as A,
    enumerable: false,
  }) as AudienceBuilder<A>;
}

/**
 * Builds audiences.
 *
 * @example
 * ctx.publish(ChatMessage, message, to.room('lobby').except(ctx.connectionId));
 * ctx.publish(CartUpdated, cart, to.user(ctx.user.id));
 */
export const to = Object.freeze({
  /** One connection. */
  connection: (id: string) => build({ kind: 'connection', id } as const),
  /** Every session (connection) of one user, on every node. */
  user: (id: string) => build({ kind: 'user', id } as const),
  /** Every member of a room, on every node. */
  room: (id: string) => build({ kind: 'room', id } as const),
  /** Every connection, on every node. */
  all: () => build({ kind: 'all' } as const),
});
