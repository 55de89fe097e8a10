/**
 * How a presence entry is stored: a hash field per connection, whose value
 * names the owning node, the epoch of that node's state it was written in,
 * and the user. An entry is live only while the node's liveness key holds
 * that same epoch, so a node makes every entry it may have left behind dead
 * at once by moving to a new epoch.
 */
export interface StoredEntry {
  /** The owning node's id. */
  readonly n: string;
  /** The epoch of the owning node's state the entry belongs to. */
  readonly e: string;
  /** The user's id, `null` for an anonymous session. */
  readonly u: string | null;
}

/**
 * Encodes a stored entry.
 *
 * @example
 * redis.hset(roomKey, connectionId, encodeEntry({ n: nodeId, e: epoch, u: userId ?? null }));
 */
export function encodeEntry(entry: StoredEntry): string {
  return JSON.stringify(entry);
}

/**
 * Decodes a stored entry; `undefined` when the value is not one (anything
 * may have been written under the prefix).
 *
 * @example
 * const entry = decodeEntry(raw);
 * if (entry !== undefined) members.push({ connectionId, userId: entry.u ?? undefined });
 */
export function decodeEntry(raw: unknown): StoredEntry | undefined {
  if (typeof raw !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { n, e, u } = value as Record<string, unknown>;
  if (typeof n !== 'string' || typeof e !== 'string' || (u !== null && typeof u !== 'string')) return undefined;
  return { n, e, u };
}
