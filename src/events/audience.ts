import { readIdentityFilter, type IdentityFilter } from './identity-filter.js';

/**
 * Who an event is for. An audience is plain data, not a callback, so it can
 * cross a backplane to other nodes as JSON and be resolved there. `exclude`
 * names one connection to leave out (set it with `.except(id)`); `filter`
 * keeps only the recipients whose identity meets a condition (set it with
 * `.where(filter)`), evaluated on each node.
 */
export type Audience =
  | { readonly kind: 'connection'; readonly id: string; readonly exclude?: string; readonly filter?: IdentityFilter }
  | { readonly kind: 'user'; readonly id: string; readonly exclude?: string; readonly filter?: IdentityFilter }
  | { readonly kind: 'room'; readonly id: string; readonly exclude?: string; readonly filter?: IdentityFilter }
  | { readonly kind: 'all'; readonly exclude?: string; readonly filter?: IdentityFilter };

/** An audience that can still leave one connection out, or be narrowed by identity. */
export type AudienceBuilder<A extends Audience = Audience> = A & {
  /** The same audience without the given connection (typically the sender). */
  except(connectionId: string): AudienceBuilder<A>;
  /**
   * The same audience, only the connections whose identity meets `filter`
   * (each field equal to, or for an array field holding, the value; an
   * array of values matches any of them). Anonymous connections never match.
   * Throws `TypeError` for a filter that is not plain data.
   */
  where(filter: IdentityFilter): AudienceBuilder<A>;
};

function build<A extends Audience>(audience: A): AudienceBuilder<A> {
  const built = { ...audience };
  Object.defineProperty(built, 'except', { value: (connectionId: string) => build({ ...audience, exclude: connectionId }), enumerable: false });
  Object.defineProperty(built, 'where', {
    value: (filter: IdentityFilter) => {
      const checked = readIdentityFilter(filter);
      if (checked === undefined) {
        throw new TypeError('where() takes an object of at most 16 identity fields, each a string, number or boolean, or a non-empty array of them');
      }
      return build({ ...audience, filter: checked });
    },
    enumerable: false,
  });
  return built as AudienceBuilder<A>;
}

/**
 * Builds audiences.
 *
 * @example
 * ctx.publish(ChatMessage, message, to.room('lobby').except(ctx.connectionId));
 * ctx.publish(CartUpdated, cart, to.user(ctx.user.id));
 * ctx.publish(Report, report, to.all().where({ roles: 'moderator' }));
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
