import type { Cluster, Redis } from 'ioredis';
import { LuaScript } from './lua-script.js';
import { deleteFieldsLua, liveNodeLua } from './presence-lua.js';

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
const script = new LuaScript(`${liveNodeLua}${deleteFieldsLua}
local flat = redis.call('HGETALL', KEYS[1])
local live, dead = {}, {}
for i = 1, #flat, 2 do
  local field, raw = flat[i], flat[i + 1]
  local node = live_node(raw, ARGV[1])
  if node == nil then
    dead[#dead + 1] = field
  elseif node ~= ARGV[2] then
    live[#live + 1] = field
    live[#live + 1] = raw
  end
end
delete_fields(KEYS[1], dead)
return live
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
