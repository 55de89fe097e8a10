import type { Audience } from './audience.js';

/** A published event on its way to its audience: what a backplane carries. */
export interface EventEnvelope {
  readonly type: string;
  readonly payload: unknown;
  readonly audience: Audience;
  /** Set when the event may be dropped for a slow client; absent means durable. */
  readonly volatile?: boolean;
}
