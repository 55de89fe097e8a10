import { readWireError } from '../protocol/read-wire-error.js';
import type { EnvelopeControl } from './event-envelope.js';

/** Longest request id accepted from another node. */
const MAX_REQUEST_ID_LENGTH = 128;

/**
 * Checks the `control` of an envelope that came from another node and
 * rebuilds it from the checked fields only; anything else is `undefined`
 * (the whole message is then dropped as malformed).
 *
 * @example
 * const control = readEnvelopeControl(raw.control);
 */
export function readEnvelopeControl(value: unknown): EnvelopeControl | undefined {
  if (!isRecord(value)) return undefined;
  const { kind, id, replyTo, timeoutMs, error } = value;
  if (kind === 'room') return { kind };
  if (!isId(id)) return undefined;
  if (kind === 'ask') {
    if (typeof replyTo !== 'string' || typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) return undefined;
    return { kind, id, replyTo, timeoutMs };
  }
  if (kind !== 'answer') return undefined;
  if (error === undefined) return { kind, id };
  const wire = readWireError(error);
  return wire === undefined ? undefined : { kind, id, error: wire };
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_REQUEST_ID_LENGTH;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
