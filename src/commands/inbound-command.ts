import type { CommandMeta } from '../protocol/command-meta.js';
import type { Session } from './session.js';

/** A decoded command on its way to its handler. */
export interface InboundCommand {
  readonly type: string;
  /** Correlation id; `undefined` for fire-and-forget. */
  readonly id: string | undefined;
  readonly payload: unknown;
  readonly session: Session;
  /** What the frame carried for operations (the client's trace context), if anything. */
  readonly meta?: CommandMeta | undefined;
  /** The name of the transport it came over (`websocket`, `memory`), for telemetry. */
  readonly transport?: string | undefined;
}
