import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { liveNodeLua } from './presence-liveness-lua.js';

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
const lua = `${liveNodeLua}
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
for i = 1, #dead, 1000 do
  redis.call('HDEL', KEYS[1], unpack(dead, i, math.min(i + 999, #dead)))
end
return live
`;

const sha = createHash('sha1').update(lua).digest('hex');

/**
 * Runs the read-and-reap script (by its digest; the source only when Redis
 * does not have it yet, after a restart for instance).
 *
 * @example
 * const flat = await readPresence(redis, 'app:room:lobby', 'app:node:', nodeId);
 */
export async function readPresence(redis: Redis | Cluster, key: string, nodeKeyPrefix: string, readerNodeId: string): Promise<unknown> {
  try {
    return await redis.evalsha(sha, 1, key, nodeKeyPrefix, readerNodeId);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(lua, 1, key, nodeKeyPrefix, readerNodeId);
  }
}
