import type { Cluster, Redis } from 'ioredis';
import { LuaScript } from './lua-script.js';
import { claimSeatLua, liveEntriesLua } from './presence-lua.js';

/**
 * Joins a room's presence hash only while the room has room, in one atomic
 * step: counting and then writing in two steps would let two nodes both see
 * one seat left and both take it. The count is that of the live entries of
 * the other nodes (dead ones are removed, as `presence-read-script` does)
 * plus the joining node's own members, which it knows better than Redis and
 * passes in (the joiner included).
 *
 * KEYS[1]: the room's hash. ARGV[1]: the prefix of liveness keys.
 * ARGV[2]: the joining node's id. ARGV[3]: the capacity. ARGV[4]: the
 * joining node's members of the room, the joiner included. ARGV[5]: the
 * joiner's field (connection id). ARGV[6]: its value. ARGV[7]: the hash's
 * TTL in ms. Returns 1 when the entry was written, 0 when the room is full.
 */
const script = new LuaScript(`${liveEntriesLua}${claimSeatLua}
local others = #live_entries_of_others(KEYS[1], ARGV[1], ARGV[2]) / 2
return claim_seat(KEYS[1], others, ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
`);

/** What {@link claimSeat} needs to know of the joining node and its joiner. */
export interface SeatClaim {
  readonly key: string;
  readonly nodeKeyPrefix: string;
  readonly nodeId: string;
  readonly capacity: number;
  /** This node's members of the room, the joiner included. */
  readonly localMembers: number;
  readonly connectionId: string;
  readonly value: string;
  readonly ttlMs: number;
}

/**
 * Runs the claim script (by its digest; the source only when Redis does not
 * have it yet). Resolves whether the seat was taken.
 *
 * @example
 * const taken = await claimSeat(redis, { key: 'app:room:lobby', nodeKeyPrefix: 'app:node:', nodeId, capacity: 10, localMembers: 1, connectionId, value, ttlMs });
 */
export async function claimSeat(redis: Redis | Cluster, claim: SeatClaim): Promise<boolean> {
  const args = [claim.nodeKeyPrefix, claim.nodeId, claim.capacity, claim.localMembers, claim.connectionId, claim.value, claim.ttlMs];
  return (await script.run(redis, [claim.key], args)) === 1;
}
