import type { HubContext } from '../session/hub-context.js';

/** What a transport gets from the application when it starts: what its connection hub needs. */
export type TransportContext = HubContext;

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
  /**
   * What telemetry calls it: the `transport` label of its metrics and
   * spans. A fixed word per kind of transport (`websocket`, `memory`).
   * @default 'custom'
   */
  readonly name?: string;
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
