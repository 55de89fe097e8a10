import type { RoomPattern, RoomPolicy } from './room-policy.js';

/** A policy with its pattern, checked, and the exclusive group it belongs to. */
export interface ResolvedRoomPolicy extends RoomPolicy {
  readonly pattern: RoomPattern;
  /** The exclusive group, `undefined` when the rooms are not exclusive. */
  readonly group: object | string | undefined;
}

interface Matcher {
  readonly test: (room: string) => boolean;
  readonly policy: ResolvedRoomPolicy;
}

/**
 * The room policies of an application, in the order they were added: a
 * room follows the first whose pattern matches it. Exact names are looked
 * up in a `Map`; patterns are tried in order, and what a name resolved to
 * is remembered (a bounded cache), so a join costs one lookup.
 *
 * @example
 * const policies = new RoomPolicies();
 * policies.add('table:*', { capacity: 4 });
 * policies.policyFor('table:7')?.capacity; // 4
 */
export class RoomPolicies {
  readonly #matchers: Matcher[] = [];
  readonly #patterns = new Set<string>();
  readonly #resolved = new Map<string, ResolvedRoomPolicy | null>();

  /** Whether any policy is registered: without one, rooms cost nothing extra. */
  get size(): number {
    return this.#matchers.length;
  }

  add(pattern: RoomPattern, policy: RoomPolicy): ResolvedRoomPolicy {
    const resolved = resolvePolicy(pattern, policy);
    const key = pattern instanceof RegExp ? `/${pattern.source}/${pattern.flags}` : pattern;
    if (this.#patterns.has(key)) throw new TypeError(`a policy for rooms "${key}" is already registered`);
    this.#patterns.add(key);
    this.#matchers.push({ test: matcherOf(pattern), policy: resolved });
    this.#resolved.clear();
    return resolved;
  }

  /** The policy the room follows, or `undefined` when none matches. */
  policyFor(room: string): ResolvedRoomPolicy | undefined {
    if (this.#matchers.length === 0) return undefined;
    const known = this.#resolved.get(room);
    if (known !== undefined) return known ?? undefined;
    const policy = this.#matchers.find((matcher) => matcher.test(room))?.policy;
    // Room names come from clients: the cache must not grow without bound.
    if (this.#resolved.size >= 10_000) this.#resolved.clear();
    this.#resolved.set(room, policy ?? null);
    return policy;
  }
}

function resolvePolicy(pattern: RoomPattern, policy: RoomPolicy): ResolvedRoomPolicy {
  if (!(pattern instanceof RegExp) && (typeof pattern !== 'string' || pattern.length === 0)) throw new TypeError('a room pattern is a non-empty string or a RegExp');
  if (typeof policy !== 'object' || policy === null) throw new TypeError('a room policy is an object');
  const { authorize, capacity, announce, exclusive } = policy;
  if (authorize !== undefined && typeof authorize !== 'function') throw new TypeError('"authorize" must be a function');
  if (capacity !== undefined && (!Number.isSafeInteger(capacity) || capacity < 1)) throw new RangeError('"capacity" must be a positive integer');
  if (announce !== undefined && typeof announce !== 'boolean') throw new TypeError('"announce" must be a boolean');
  if (exclusive !== undefined && typeof exclusive !== 'boolean' && (typeof exclusive !== 'string' || exclusive.length === 0)) {
    throw new TypeError('"exclusive" must be a boolean or a group name');
  }
  const resolved: { -readonly [K in keyof ResolvedRoomPolicy]: ResolvedRoomPolicy[K] } = { ...policy, pattern, group: undefined };
  // `true` makes a group of its own: an object no other policy shares.
  resolved.group = exclusive === true ? resolved : exclusive === false ? undefined : exclusive;
  return Object.freeze(resolved);
}

function matcherOf(pattern: RoomPattern): (room: string) => boolean {
  if (pattern instanceof RegExp) {
    // Anchored, and without the global and sticky flags, whose lastIndex would make test() depend on the previous call.
    const regexp = new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, ''));
    return (room) => regexp.test(room);
  }
  if (!pattern.includes('*')) return (room) => room === pattern;
  const source = pattern.split('*').map(escapeRegExp).join('.*');
  const regexp = new RegExp(`^${source}$`, 's');
  return (room) => regexp.test(room);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
