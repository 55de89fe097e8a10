import { isNodeTraceparent } from '../../protocol/traceparent.js';
import type { Audience } from '../audience.js';
import type { EventEnvelope } from '../event-envelope.js';
import { readEnvelopeControl } from '../read-envelope-control.js';
import { readIdentityFilter } from '../identity-filter.js';

/** What crosses Redis: the publishing node's id and the event. */
export interface BackplaneMessage {
  readonly n: string;
  readonly e: EventEnvelope;
}

/**
 * Checks that a parsed backplane message has the shape a node publishes and
 * rebuilds it from the checked fields only; anything else is `undefined`.
 * Whatever arrives on the channel is untrusted: anyone who may publish on it
 * can send `null`, an array, or an object with any field missing or of the
 * wrong type, and none of that may reach the transports.
 *
 * @example
 * const message = readBackplaneMessage(JSON.parse(raw));
 * if (message === undefined) stats.malformed++;
 */
export function readBackplaneMessage(value: unknown): BackplaneMessage | undefined {
  if (!isRecord(value)) return undefined;
  const { n, e } = value;
  if (!isName(n) || !isRecord(e)) return undefined;
  const { type, payload, audience, volatile, trace, control } = e;
  if (!isName(type)) return undefined;
  if (volatile !== undefined && typeof volatile !== 'boolean') return undefined;
  if (trace !== undefined && !isNodeTraceparent(trace)) return undefined;
  const checked = readAudience(audience);
  if (checked === undefined) return undefined;
  let envelope: EventEnvelope = volatile === undefined ? { type, payload, audience: checked } : { type, payload, audience: checked, volatile };
  if (trace !== undefined) envelope = { ...envelope, trace };
  if (control === undefined) return { n, e: envelope };
  const readControl = readEnvelopeControl(control);
  return readControl === undefined ? undefined : { n, e: { ...envelope, control: readControl } };
}

function readAudience(value: unknown): Audience | undefined {
  if (!isRecord(value)) return undefined;
  const { kind, id, exclude, filter: where } = value;
  if (exclude !== undefined && typeof exclude !== 'string') return undefined;
  let audience: Audience;
  if (kind === 'all') audience = exclude === undefined ? { kind } : { kind, exclude };
  else if ((kind === 'connection' || kind === 'user' || kind === 'room') && typeof id === 'string') audience = exclude === undefined ? { kind, id } : { kind, id, exclude };
  else return undefined;
  if (where === undefined) return audience;
  const filter = readIdentityFilter(where);
  return filter === undefined ? undefined : { ...audience, filter };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
