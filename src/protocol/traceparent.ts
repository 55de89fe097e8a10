/**
 * One span's identity as the W3C Trace Context `traceparent` carries it.
 *
 * @example
 * const parent = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
 * // { traceId: '4bf9...4736', spanId: '00f0...02b7', flags: 1 }
 */
export interface Traceparent {
  /** 32 lowercase hex characters, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex characters, not all zero. */
  readonly spanId: string;
  /** The trace flags byte; bit 0 is "sampled". */
  readonly flags: number;
}

// version-traceid-parentid-flags, and whatever a later version appends after a dash.
const FORMAT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * Reads a `traceparent` value as the W3C Trace Context specification says a
 * receiver must: version `ff`, an all-zero trace or span id, or anything
 * after the flags in version `00` make it invalid (`undefined`), and a later
 * version is read for the fields version `00` defines.
 *
 * @example
 * const parent = parseTraceparent(frame.meta?.traceparent ?? '');
 * if (parent === undefined) startNewTrace();
 */
export function parseTraceparent(value: string): Traceparent | undefined {
  const match = FORMAT.exec(value);
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return { traceId, spanId, flags: Number.parseInt(flags, 16) };
}

/**
 * Writes a version-00 `traceparent`.
 *
 * @example
 * formatTraceparent({ traceId, spanId, flags: 1 }); // '00-<traceId>-<spanId>-01'
 */
export function formatTraceparent(parent: Traceparent): string {
  return `00-${parent.traceId}-${parent.spanId}-${(parent.flags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * Whether `value` is a version-00 `traceparent` exactly as a Switchyard
 * node writes one, which is all a backplane message may carry.
 *
 * @example
 * if (trace !== undefined && !isNodeTraceparent(trace)) dropAsMalformed();
 */
export function isNodeTraceparent(value: unknown): value is string {
  return typeof value === 'string' && value.length === 55 && value.startsWith('00-') && parseTraceparent(value) !== undefined;
}
