import type { Cluster } from 'ioredis';
import { LuaScript } from './lua-script.js';
import { decodeEntry } from './presence-entry-codec.js';

/**
 * Deletes fields of a hash that still hold the value they were read with:
 * KEYS[1] the hash, ARGV field, value, field, value, ... A field rewritten
 * since (a node that came back, under a new epoch) is left alone.
 */
const reap = new LuaScript(`
local reaped = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    reaped = reaped + 1
  end
end
return reaped
`);

/** A room's presence hash on a Cluster, its entries judged by their nodes' liveness keys (read outside any script). */
export interface JudgedPresence {
  /** Field, value, ... of each live entry, with its node after each pair: field, value, node, ... */
  readonly live: readonly string[];
  /** Field, value, ... of each entry judged dead (an unreadable one, or its node's epoch is not current). */
  readonly dead: readonly string[];
}

/**
 * Reads a presence hash on a Cluster and judges each entry as the Lua
 * liveness rule does on one Redis: live while its node's liveness key
 * holds the entry's epoch. The liveness keys are in other slots, so they
 * are read here, each node's once.
 *
 * @example
 * const { live, dead } = await judgePresence(cluster, 'app:{room:lobby}:presence', 'app:node:');
 */
export async function judgePresence(redis: Cluster, key: string, nodeKeyPrefix: string): Promise<JudgedPresence> {
  const flat = await redis.hgetall(key);
  const nodes = new Set<string>();
  for (const raw of Object.values(flat)) {
    const entry = decodeEntry(raw);
    if (entry !== undefined) nodes.add(entry.n);
  }
  const ids = [...nodes];
  const current = await Promise.all(ids.map((node) => redis.get(nodeKeyPrefix + node)));
  const epochs = new Map(ids.map((node, index) => [node, current[index] ?? null]));
  const live: string[] = [];
  const dead: string[] = [];
  for (const [field, raw] of Object.entries(flat)) {
    const entry = decodeEntry(raw);
    if (entry === undefined || epochs.get(entry.n) !== entry.e) dead.push(field, raw);
    else live.push(field, raw, entry.n);
  }
  return { live, dead };
}

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
  const { live, dead } = await judgePresence(redis, key, nodeKeyPrefix);
  const others: string[] = [];
  for (let i = 0; i < live.length; i += 3) if (live[i + 2] !== readerNodeId) others.push(live[i] as string, live[i + 1] as string);
  if (dead.length > 0) await reap.run(redis, [key], dead);
  return others;
}
