import type { Observable } from 'rxjs';
import type { EventEnvelope } from './event-envelope.js';
import type { InterestKey } from './interest-key.js';

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
  /**
   * `'up'` while events cross nodes, `'down'` while they cannot; emits the
   * current state on subscribe, then each change. A backplane within one
   * process, which is never down, leaves it out.
   */
  readonly status$?: Observable<'up' | 'down'>;
  /** What crossed between nodes so far (a snapshot); a backplane within one process leaves it out. */
  readonly stats?: BackplaneStats;
  /**
   * Tells a backplane that routes by interest that this node has a local
   * member of `key` (one more: calls are counted). Resolves once events for
   * `key` published anywhere afterwards are sure to reach this node; never
   * rejects (while the engine is unreachable, nothing crosses nodes anyway,
   * and it resolves at once). The hubs call it on a room join, on a
   * connection's open (for the connection and its user) and on an identity
   * change. A backplane that carries every event to every node leaves it out.
   */
  interest?(key: InterestKey): Promise<void>;
  /**
   * Undoes one {@link interest} call. After the last, the backplane may stop
   * carrying `key`'s events to this node (a short linger later, so a member
   * that leaves and comes back costs no resubscription).
   */
  disinterest?(key: InterestKey): void;
}

/**
 * Counts of a backplane that spans nodes, since it started. Metrics read
 * them when scraped, so counting costs the backplane an addition per message.
 *
 * @example
 * const { sent, received } = backplane.stats ?? { sent: 0, received: 0 };
 */
export interface BackplaneStats {
  /** Messages this node handed to the other nodes. */
  readonly sent: number;
  /** Messages from other nodes that passed every check and were delivered here. */
  readonly received: number;
  /** Events for other nodes dropped because the engine was unreachable. */
  readonly lost?: number;
  /** Messages dropped because they did not have the shape a node publishes. */
  readonly malformed?: number;
  /** Messages dropped because their signature was missing or wrong. */
  readonly rejected?: number;
}
