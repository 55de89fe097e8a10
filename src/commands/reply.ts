import type { Session } from './session.js';

/** A decoded command on its way to its handler. */
export interface InboundCommand {
  readonly type: string;
  /** Correlation id; `undefined` for fire-and-forget. */
  readonly id: string | undefined;
  readonly payload: unknown;
  readonly session: Session;
}

/** An error as the client sees it: stable code, message for people, details. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly details: readonly unknown[];
}

/** The one answer to a command with an id. */
export interface ResultReply {
  readonly kind: 'result';
  readonly id: string;
  readonly payload: unknown;
}

/** A coded error, correlated by id when the command had one. */
export interface ErrorReply {
  readonly kind: 'error';
  readonly id: string | undefined;
  readonly error: WireError;
}

/** What the bus answers a command with. */
export type Reply = ResultReply | ErrorReply;
