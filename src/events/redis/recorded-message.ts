/**
 * A recorded event as it crosses Redis: `@<pos> <message>`, the position
 * Redis gave it in its stream, then the node's message as the backplane
 * sends it (signed when a `signingKey` is set). The history script
 * publishes it on the audience's channel; the backplane tells it from a
 * plain message by its first character (a plain message starts with `{` or
 * with the signature's `s1.`).
 */
export const RECORDED_MARK = '@';

/** Splits a recorded message into its position and message, or `undefined` when `raw` is not one. */
export function splitRecorded(raw: string): { pos: string; message: string } | undefined {
  if (!raw.startsWith(RECORDED_MARK)) return undefined;
  const space = raw.indexOf(' ');
  if (space <= RECORDED_MARK.length) return undefined;
  return { pos: raw.slice(RECORDED_MARK.length, space), message: raw.slice(space + 1) };
}

/** Where a script must publish a recorded event so that a backplane delivers it: see `RedisBackplane.recordedRoute`. */
export interface RecordedRoute {
  /** The channel: the audience's under interest routing, the shared one under broadcast routing. */
  readonly channel: string;
  /** Publish with `SPUBLISH` (a Redis Cluster) rather than `PUBLISH`. */
  readonly sharded: boolean;
}
