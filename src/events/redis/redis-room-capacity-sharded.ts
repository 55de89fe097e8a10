import type { Cluster } from 'ioredis';
import { LuaScript } from './lua-script.js';
import { judgePresence } from './presence-read-sharded.js';
import { claimSeatLua, deleteFieldsLua } from './presence-lua.js';
import type { SeatClaim } from './redis-room-capacity.js';

/**
 * The claim script of a Redis Cluster: the room's hash is its only key (a
 * node's liveness key lives in another slot, which a Cluster refuses in a
 * script). The entries judged dead beforehand, with the value they were
 * judged with, come as ARGV; every other entry of another node counts as
 * live, whatever its node (one that appeared since the read included), so
 * the count may be high, never low: a seat is never over-granted.
 *
 * KEYS[1]: the room's hash. ARGV[1]: the joining node's id. ARGV[2]: the
 * capacity. ARGV[3]: the joining node's members, the joiner included.
 * ARGV[4]: the joiner's field. ARGV[5]: its value. ARGV[6]: the hash's TTL
 * in ms. ARGV[7...]: field, value of each entry judged dead. Returns 1 when
 * the entry was written, 0 when the room is full.
 */
const script = new LuaScript(`${deleteFieldsLua}${claimSeatLua}
local judged = {}
for i = 7, #ARGV, 2 do judged[ARGV[i]] = ARGV[i + 1] end
local flat = redis.call('HGETALL', KEYS[1])
local others, dead = 0, {}
for i = 1, #flat, 2 do
  local field, raw = flat[i], flat[i + 1]
  if judged[field] == raw then
    dead[#dead + 1] = field
  else
    local ok, entry = pcall(cjson.decode, raw)
    if not (ok and type(entry) == 'table' and entry.n == ARGV[1]) and field ~= ARGV[4] then others = others + 1 end
  end
end
delete_fields(KEYS[1], dead)
return claim_seat(KEYS[1], others, ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
`);

/**
 * {@link claimSeat} on a Redis Cluster: reads the room's hash and the
 * liveness of the nodes present in it outside the script (as
 * `readPresenceSharded` does), then counts and writes in one script on the
 * hash's shard, given the entries judged dead. An entry whose node's
 * liveness is unknown (it appeared after the read, or its value changed)
 * counts as live.
 *
 * @example
 * const taken = await claimSeatSharded(cluster, { key: 'app:{room:lobby}:presence', nodeKeyPrefix: 'app:node:', nodeId, capacity: 10, localMembers: 1, connectionId, value, ttlMs });
 */
export async function claimSeatSharded(redis: Cluster, claim: SeatClaim): Promise<boolean> {
  const { dead } = await judgePresence(redis, claim.key, claim.nodeKeyPrefix);
  const args = [claim.nodeId, claim.capacity, claim.localMembers, claim.connectionId, claim.value, claim.ttlMs, ...dead];
  return (await script.run(redis, [claim.key], args)) === 1;
}
