import type { Identity } from '../protocol/identity.js';

/** A value an identity field is compared with. */
export type IdentityValue = string | number | boolean;

/**
 * A condition on the identity of each recipient, as data: every field must
 * match. A field matches when the identity's value equals the filter's, or,
 * for an identity field holding an array (`roles`), when the array holds
 * it; a filter value that is an array matches when any of its values does.
 * Anonymous connections match no filter. Being data, it crosses the
 * backplane with its audience and is evaluated on every node.
 *
 * @example
 * const staff: IdentityFilter = { roles: ['moderator', 'admin'] };
 * const frenchAdmins: IdentityFilter = { roles: 'admin', locale: 'fr' };
 */
export type IdentityFilter = Readonly<Record<string, IdentityValue | readonly IdentityValue[]>>;

/** Most fields in one filter, and values in one field. */
const MAX_FIELDS = 16;
const MAX_VALUES = 64;

/**
 * Whether an identity meets a filter.
 *
 * @example
 * matchesIdentity({ id: 'ada', roles: ['moderator'] }, { roles: 'moderator' }); // true
 */
export function matchesIdentity(user: Identity | undefined, filter: IdentityFilter): boolean {
  if (user === undefined) return false;
  // Plain loops, no closures: this runs once per recipient, and a filter is a plain object of its own fields.
  for (const field in filter) {
    const wanted = filter[field] as IdentityValue | readonly IdentityValue[];
    const actual = user[field];
    if (!Array.isArray(wanted)) {
      if (!holds(actual, wanted as IdentityValue)) return false;
      continue;
    }
    let any = false;
    for (let index = 0; index < wanted.length && !any; index++) any = holds(actual, wanted[index] as IdentityValue);
    if (!any) return false;
  }
  return true;
}

function holds(actual: unknown, value: IdentityValue): boolean {
  return Array.isArray(actual) ? actual.includes(value) : actual === value;
}

/**
 * Checks a filter and returns a frozen copy of it, from the application
 * (throws `TypeError`) or another node (`undefined` instead of a throw).
 *
 * @example
 * const filter = readIdentityFilter(untrusted); // undefined when malformed
 */
export function readIdentityFilter(value: unknown): IdentityFilter | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = Object.keys(value);
  if (fields.length === 0 || fields.length > MAX_FIELDS) return undefined;
  const copy: Record<string, IdentityValue | readonly IdentityValue[]> = {};
  for (const field of fields) {
    // Assigning it would set the copy's prototype, not a field.
    if (field === '__proto__') return undefined;
    const wanted = (value as Record<string, unknown>)[field];
    if (Array.isArray(wanted)) {
      if (wanted.length === 0 || wanted.length > MAX_VALUES || !wanted.every(isValue)) return undefined;
      copy[field] = Object.freeze([...(wanted as IdentityValue[])]);
    } else if (isValue(wanted)) {
      copy[field] = wanted;
    } else {
      return undefined;
    }
  }
  return Object.freeze(copy);
}

function isValue(value: unknown): value is IdentityValue {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}
