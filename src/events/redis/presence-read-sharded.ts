import { createHash } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { decodeEntry } from './presence-entry-codec.js';

/**
 * Deletes fields of a hash that still hold the value they were read with:
 * KEYS[1] the hash, ARGV field, value, field, value, ... A field rewritten
 * since (a node that came back, under a new epoch) is left alone.
 */
const reapLua = `
local reaped = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    reaped = reaped + 1
  end
end
return reaped
`;
const reapSha = createHash('sha1').update(reapLua).digest('hex');

/**
 * The Redis Cluster form of the read-and-reap step: on a Cluster a room's
 * hash and the liveness keys of its nodes live on different shards, so one
 * script cannot read them all. The hash is read, each node's liveness key
 * fetched, and the dead entries deleted by a script on the hash's shard
 * that deletes a field only if it still holds the value that was judged
 * dead: a node that came back and rewrote its entries under a new epoch
 * keeps them, as with the single-Redis script. Returns [field, value, ...]
 * of the live entries of other nodes than the reader's.
 *
 * @example
 * const flat = await readPresenceSharded(cluster, 'app:{room:lobby}:presence', 'app:node:', nodeId);
 */
export async function readPresenceSharded(redis: Cluster, key: string, nodeKeyPrefix: string, readerNodeId: string): Promise<string[]> {
  const flat = await redis.hgetall(key);
  const nodes = new Set<string>();
  for (const raw of Object.values(flat)) {
    const entry = decodeEntry(raw);
    if (entry !== undefined) nodes.add(entry.n);
  }
  const ids = [...nodes];
  const epochs = new Map<string, string | null>();
  const current = await Promise.all(ids.map((node) => redis.get(nodeKeyPrefix + node)));
  ids.forEach((node, index) => epochs.set(node, current[index] ?? null));
  const live: string[] = [];
  const dead: string[] = [];
  for (const [field, raw] of Object.entries(flat)) {
    const entry = decodeEntry(raw);
    if (entry === undefined || epochs.get(entry.n) !== entry.e) dead.push(field, raw);
    else if (entry.n !== readerNodeId) live.push(field, raw);
  }
  if (dead.length > 0) await reap(redis, key, dead);
  return live;
}

async function reap(redis: Cluster, key: string, pairs: string[]): Promise<void> {
  try {
    await redis.evalsha(reapSha, 1, key, ...pairs);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    await redis.eval(reapLua, 1, key, ...pairs);
  }
}
