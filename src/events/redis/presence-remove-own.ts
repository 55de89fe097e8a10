import type { ChainableCommander } from 'ioredis';

/**
 * Deletes a connection's field from a presence hash only while the entry is
 * the removing node's own (its `n`; a malformed entry goes too). A resumed
 * session keeps its connection id on another node, which writes its own
 * entries under that id: a late removal by the node of the old, half-open
 * connection must not delete them. KEYS[1]: the hash. ARGV[1]: the field
 * (connection id). ARGV[2]: the removing node's id. Returns 1 when deleted.
 */
const lua = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local ok, entry = pcall(cjson.decode, raw)
if ok and type(entry) == 'table' and type(entry.n) == 'string' and entry.n ~= ARGV[2] then return 0 end
return redis.call('HDEL', KEYS[1], ARGV[1])
`;

/**
 * Queues the removal of `connectionId`'s entry from `key` on `batch`, if the
 * entry is `nodeId`'s (EVAL, so it may run inside a transaction).
 *
 * @example
 * removeOwnEntry(batch, 'app:room:lobby', connectionId, nodeId);
 */
export function removeOwnEntry(batch: ChainableCommander, key: string, connectionId: string, nodeId: string): ChainableCommander {
  return batch.eval(lua, 1, key, connectionId, nodeId);
}
