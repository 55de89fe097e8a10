import type { WireError } from './frames.js';

/**
 * An error frame's `error` as the wire shape, from untrusted input (a
 * client's answer, another node's message); `undefined` when it is not one.
 *
 * @example
 * const error = readWireError(frame.error);
 */
export function readWireError(value: unknown): WireError | undefined {
  if (!isRecord(value)) return undefined;
  const { code, message, details } = value;
  if (typeof code !== 'string' || code.length === 0 || code.length > 128) return undefined;
  return { code, message: typeof message === 'string' ? message : '', details: Array.isArray(details) ? details : [] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
