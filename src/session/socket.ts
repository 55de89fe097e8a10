import type { EventPosition, ResumeGrant } from '../protocol/session-resume.js';
import type { PreparedFrame } from './prepared-frame.js';

/** How one outbound frame may be treated. */
export interface SendOptions {
  /** The frame may be dropped when the client reads too slowly (volatile events). @default false */
  readonly volatile?: boolean;
}

/** The little a connection needs from a socket; each transport adapts its own. */
export interface Socket {
  /**
   * Sends one text frame. A `Buffer` holds its UTF-8 bytes, encoded once for many sockets.
   * `position` is set when the frame carries an event kept in a history (recovery on): a
   * transport whose clients cannot read it from the frame keeps it for them (SSE's `id:`).
   */
  send(data: string | Buffer, options?: SendOptions, position?: EventPosition): void;
  /**
   * Sends a frame prepared once for many sockets, in this socket's wire form
   * (`frame.wire(...)`), under the same bounds as `send`. Optional: a socket
   * without it is sent `frame.data`.
   */
  sendPrepared?(frame: PreparedFrame, options?: SendOptions, position?: EventPosition): void;
  /**
   * Told the session's resume grant (recovery on) when it is issued and each time it
   * rotates. Optional: a socket whose client reads the grant from `session.connected`
   * and `session.resume` needs nothing more; an SSE stream writes it into its `id:`.
   */
  resumeGranted?(grant: ResumeGrant): void;
  /** Closes with a WebSocket close code. */
  close(code: number, reason: string): void;
}
