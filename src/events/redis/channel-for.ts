import type { Audience } from '../audience.js';
import type { InterestKey } from '../interest-key.js';

/**
 * The Redis hash tag of a room, a user or a connection: `{room:lobby}`,
 * `{user:alice}`, `{connection:3f2a-1}`. Every key and channel named with
 * it lives on one Redis Cluster shard (the slot is computed from the text
 * between the first `{` and the next `}`), so a script may touch a room's
 * channel, presence and history together.
 *
 * @example
 * hashTagFor({ kind: 'room', id: 'lobby' }); // '{room:lobby}'
 */
export function hashTagFor(key: InterestKey): string {
  return `{${key.kind}:${key.id}}`;
}

/**
 * The channel an event for `audience` is published on, under interest
 * routing: one per room, user and connection (`<prefix>{room:lobby}`), and
 * the shared `<prefix>events` for `to.all()`, which every node subscribes
 * to. A node subscribes to the channels of the audiences it has local
 * members of. The one place channel names are made: anything else that
 * publishes events for an audience (a script that also appends history)
 * calls it.
 *
 * @example
 * channelFor('switchyard:', to.room('lobby')); // 'switchyard:{room:lobby}'
 * channelFor('switchyard:', to.all()); // 'switchyard:events'
 */
export function channelFor(keyPrefix: string, audience: Audience | InterestKey): string {
  if (audience.kind === 'all') return sharedChannel(keyPrefix);
  return keyPrefix + hashTagFor(audience);
}

/** The one channel of broadcast routing, and of `to.all()` under interest routing. */
export function sharedChannel(keyPrefix: string): string {
  return `${keyPrefix}events`;
}
