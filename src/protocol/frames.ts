/**
 * The frames of wire protocol v1, as values. Codecs turn them into bytes;
 * the typed client reads them back. Nothing here depends on Node.
 */

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

/** An event as the client sees it. */
export interface EventFrame {
  readonly kind: 'event';
  readonly type: string;
  readonly payload: unknown;
  /** The history stream the event is kept in (protocol v1.1, recovery on); absent for events kept nowhere. */
  readonly stream?: string;
  /** Its position in that stream, opaque; present exactly when `stream` is. */
  readonly pos?: string;
}

/**
 * A request from the server (`ctx.ask`): the client answers it with a
 * `result` or `error` frame carrying the same `id`, shaped as the server's own.
 */
export interface RequestFrame {
  readonly kind: 'request';
  /** The server's id for this request; the answer carries it back. */
  readonly id: string;
  readonly type: string;
  readonly payload: unknown;
}

/**
 * A frame as a client receives it, parsed: the one reply to a command, an
 * event, or a request from the server.
 *
 * @example
 * const frame = JSON.parse(text) as ServerFrame;
 * if (frame.kind === 'event') show(frame.type, frame.payload);
 */
export type ServerFrame = ResultReply | ErrorReply | EventFrame | RequestFrame;
