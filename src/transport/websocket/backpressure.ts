/**
 * What to do with one outbound frame, given how much is already queued.
 *
 * @example
 * if (admit(buffered, bytes, false, limit) === Admission.OVERFLOW) close();
 */
export const Admission = Object.freeze({
  /** Room left: send it. */
  SEND: 'send',
  /** Over the bound, but the frame is volatile: drop it, keep the connection. */
  DROP: 'drop',
  /** Over the bound with a frame that must not be lost: close the connection. */
  OVERFLOW: 'overflow',
} as const);

/** One of the {@link Admission} outcomes. */
export type Admission = (typeof Admission)[keyof typeof Admission];

/**
 * The backpressure policy for a client that reads too slowly. A socket's
 * outbound buffer may hold at most `maxBufferedBytes`; a frame that would
 * pass it is dropped when it is a volatile event, and otherwise ends the
 * connection (close code 1013), because a reply or a durable event that
 * cannot be delivered must not be lost silently.
 *
 * @example
 * if (admit(ws.bufferedAmount, data.length, volatile, 1 << 20) === Admission.OVERFLOW) ws.close(1013, 'slow consumer');
 */
export function admit(bufferedBytes: number, frameBytes: number, volatile: boolean, maxBufferedBytes: number): Admission {
  if (bufferedBytes + frameBytes <= maxBufferedBytes) return Admission.SEND;
  return volatile ? Admission.DROP : Admission.OVERFLOW;
}
