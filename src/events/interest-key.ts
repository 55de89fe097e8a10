/**
 * An audience a node can be interested in: a room, a user or a connection
 * (`to.all()` needs no interest: every node serves it). A backplane that
 * routes by interest carries each event only to the nodes interested in its
 * audience.
 *
 * @example
 * await backplane.interest?.({ kind: 'room', id: 'lobby' });
 */
export interface InterestKey {
  readonly kind: 'room' | 'user' | 'connection';
  readonly id: string;
}
