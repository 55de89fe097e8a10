import type { Observable } from 'rxjs';
import type { EventEnvelope } from './event-envelope.js';

/**
 * Carries published events to every node's transport. The in-process
 * {@link MemoryBackplane} is the default; a backplane on an existing engine
 * (Redis) carries them across nodes. Handlers and transports never change
 * when it does.
 */
export interface Backplane {
  /** Sends an event published on this node to its audience wherever it is. */
  publish(envelope: EventEnvelope): void;
  /**
   * Events this node must deliver to its local connections: each event
   * published on this node once, each event from another node at most once
   * (a cross-node backplane may lose events, as Redis pub/sub does during an
   * outage, but never repeats them).
   */
  readonly deliveries: Observable<EventEnvelope>;
  /** Stops carrying events and releases resources. Idempotent. */
  close(): Promise<void>;
}
