import type { Session } from './session.js';

/** A decoded command on its way to its handler. */
export interface InboundCommand {
  readonly type: string;
  /** Correlation id; `undefined` for fire-and-forget. */
  readonly id: string | undefined;
  readonly payload: unknown;
  readonly session: Session;
}
