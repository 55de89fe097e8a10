import type { Cluster, Redis } from 'ioredis';
import { LuaScript } from './lua-script.js';
import { liveEntriesLua } from './presence-lua.js';

/**
 * Reads a room or user hash and removes the entries of dead nodes in one
 * atomic step. Removing them in a separate step would race a node coming
 * back: its fresh entries, written between the liveness check and the
 * removal, would be removed too. An entry is live while the liveness key of
 * its node holds the entry's epoch.
 *
 * KEYS[1]: the hash. ARGV[1]: the prefix of liveness keys. ARGV[2]: the
 * reader's node id, whose entries are left out of the answer (the reader
 * knows its own state better than Redis). Returns [field, value, ...].
 */
const script = new LuaScript(`${liveEntriesLua}
return live_entries_of_others(KEYS[1], ARGV[1], ARGV[2])
`);

/**
 * Runs the read-and-reap script (by its digest; the source only when Redis
 * does not have it yet, after a restart for instance).
 *
 * @example
 * const flat = await readPresence(redis, 'app:room:lobby', 'app:node:', nodeId);
 */
export function readPresence(redis: Redis | Cluster, key: string, nodeKeyPrefix: string, readerNodeId: string): Promise<unknown> {
  return script.run(redis, [key], [nodeKeyPrefix, readerNodeId]);
}
