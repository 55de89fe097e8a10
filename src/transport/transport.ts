import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import type { CommandBus } from '../commands/command-bus.js';
import type { EventEnvelope } from '../events/event-envelope.js';
import type { ClosedSession } from '../events/session-events.js';
import type { Presence } from '../events/presence.js';
import type { Codec } from './codec.js';
import type { ResolvedHubOptions } from './hub-options.js';

/** What a transport gets from the application when it starts. */
export interface TransportContext {
  readonly bus: CommandBus;
  /** Events this node must deliver to its local connections. */
  readonly deliveries: Observable<EventEnvelope>;
  readonly presence: Presence;
  readonly codec: Codec;
  readonly logger: Logger;
  /** Reports a failure that must not tear anything down (a failed delivery, say). */
  readonly reportError: (error: unknown) => void;
  /** Tells the application a connection has closed and left its rooms. */
  readonly sessionClosed?: (session: ClosedSession) => void;
  /** Per-connection limits every transport enforces. @default resolveHubOptions() */
  readonly limits?: ResolvedHubOptions;
}

/**
 * How long a drain waits for running commands unless told otherwise, in ms.
 *
 * @example
 * await app.drain({ deadlineMs: DEFAULT_DRAIN_DEADLINE_MS * 2 });
 */
export const DEFAULT_DRAIN_DEADLINE_MS = 10_000;

/** How a drain proceeds. */
export interface DrainOptions {
  /** Longest wait for running commands before the sockets are closed anyway, in ms. @default 10000 */
  readonly deadlineMs?: number;
}

/**
 * Moves frames between clients and the bus. The WebSocket transport serves
 * real sockets; the memory transport serves fake clients in tests. Handlers
 * never know which one runs.
 */
export interface Transport {
  /** Starts serving. Called once by `Switchyard.listen()`. */
  start(context: TransportContext): Promise<void>;
  /** Stops serving and closes every connection. Idempotent. */
  close(): Promise<void>;
  /**
   * Stops accepting, tells every client `session.draining`, lets the
   * commands already running reply (for at most `deadlineMs`), then closes
   * every connection with 1001. Resolves whether every command finished in
   * time. Transports without it are simply closed.
   */
  drain?(options?: DrainOptions): Promise<boolean>;
}
