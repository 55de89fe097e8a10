/**
 * How one event is published.
 *
 * @example
 * ctx.publish(CursorMoved, position, to.room(room), { volatile: true });
 */
export interface PublishOptions {
  /**
   * The event may be dropped for a client that reads too slowly (a cursor
   * position, a typing indicator: only the latest matters). Other events and
   * replies are never dropped; a client too slow for them is disconnected.
   * @default false
   */
  readonly volatile?: boolean;
}
