import { MAX_META_LENGTHS, type CommandMeta } from '../../protocol/command-meta.js';

/**
 * Checks a frame's optional `meta` and keeps only the fields the server
 * reads: a `CommandMeta`, `undefined` when there is nothing to keep, or the
 * reason the frame is bad. A wrong type or an oversized value is the
 * client's mistake and answered `BAD_FRAME`; a well-typed `traceparent`
 * that is not valid W3C trace context is kept, and tracing starts a new
 * trace for it, as the specification asks.
 *
 * @example
 * const meta = readMeta(frame.meta);
 * if (typeof meta === 'string') return rejectFrame(id, meta);
 */
export function readMeta(value: unknown): CommandMeta | undefined | string {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'meta must be a JSON object';
  const { traceparent, tracestate } = value as { traceparent?: unknown; tracestate?: unknown };
  if (traceparent !== undefined && (typeof traceparent !== 'string' || traceparent.length > MAX_META_LENGTHS.traceparent)) {
    return `meta.traceparent must be a string of at most ${MAX_META_LENGTHS.traceparent} characters`;
  }
  if (tracestate !== undefined && (typeof tracestate !== 'string' || tracestate.length > MAX_META_LENGTHS.tracestate)) {
    return `meta.tracestate must be a string of at most ${MAX_META_LENGTHS.tracestate} characters`;
  }
  if (traceparent === undefined) return undefined;
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}
