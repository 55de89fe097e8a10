import type { WireError } from '../protocol/frames.js';
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
  /**
   * Set on the messages nodes send each other rather than events for
   * clients: a hub never delivers such an envelope as an event. Absent on
   * every published event.
   */
  readonly control?: EnvelopeControl;
}

/**
 * What a control envelope is for.
 *
 * - `room`: a join or leave of a room with a policy (`payload` is the
 *   `RoomChange`), addressed to every node for `app.roomChanges$`.
 * - `ask`: a server-to-client request (`type` and `payload` are the
 *   request's), addressed to the asked connection; `replyTo` is the asking
 *   connection, through whose node the answer comes back.
 * - `answer`: the client's answer to request `id` (`payload` is its result,
 *   `error` its refusal), addressed to the asking connection.
 */
export type EnvelopeControl =
  | { readonly kind: 'room' }
  | { readonly kind: 'ask'; readonly id: string; readonly replyTo: string; readonly timeoutMs: number }
  | { readonly kind: 'answer'; readonly id: string; readonly error?: WireError };
