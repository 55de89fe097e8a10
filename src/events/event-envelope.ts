import type { Audience } from './audience.js';
import type { EventPosition } from '../protocol/session-resume.js';

/** A published event on its way to its audience: what a backplane carries. */
export interface EventEnvelope {
  readonly type: string;
  readonly payload: unknown;
  readonly audience: Audience;
  /** Set when the event may be dropped for a slow client; absent means durable. */
  readonly volatile?: boolean;
  /**
   * The publishing span, as a W3C `traceparent`, when the publishing node
   * traces: a delivery on any node continues that trace. Absent otherwise.
   */
  readonly trace?: string;
  /**
   * Where the event is kept, when the application has recovery on and the
   * event is recorded (a durable event for a room, a user or a connection):
   * its frames carry it as `stream` and `pos`. Absent otherwise.
   */
  readonly position?: EventPosition;
}
