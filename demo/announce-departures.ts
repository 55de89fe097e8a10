import { to, type ClosedSession, type EventPublisher } from '../src/index.js';
import { RoomLeft } from './contract.js';

/**
 * Tells each room a closed connection was in that it has left, as
 * `room.leave` would have: the others get `room.left`.
 *
 * @example
 * app.onSessionClosed(announceDepartures(app.publisher));
 */
export function announceDepartures(events: EventPublisher): (session: ClosedSession) => void {
  return ({ connectionId, user, rooms }) => {
    const member = { connectionId, userId: user?.id };
    for (const room of rooms) events.publish(RoomLeft, { room, member }, to.room(room));
  };
}
