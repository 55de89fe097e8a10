/**
 * Lua shared by the scripts of presence hashes, so that each rule is stated
 * once for every script that applies it.
 */

/**
 * The liveness rule in Lua, shared by the scripts that judge presence
 * entries on one Redis, so that reads and the capacity claim agree on which
 * entries are dead (on a Cluster the liveness keys are in other slots: the
 * entries are judged before the script). An entry is live while its node's
 * liveness key holds the entry's epoch. Put at the top of a script, it
 * defines `live_node(raw, prefix)`: the entry's node when live, `nil` when
 * dead or not an entry. Each node's key is read once per run.
 */
const liveNodeLua = `
local epochs = {}
local function live_node(raw, prefix)
  local ok, entry = pcall(cjson.decode, raw)
  local node, epoch
  if ok and type(entry) == 'table' then node, epoch = entry.n, entry.e end
  if type(node) ~= 'string' or type(epoch) ~= 'string' then return nil end
  local current = epochs[node]
  if current == nil then
    current = redis.pcall('GET', prefix .. node)
    if type(current) ~= 'string' then current = false end
    epochs[node] = current
  end
  if current ~= epoch then return nil end
  return node
end
`;

/**
 * Defines `delete_fields(key, fields)`: `HDEL` of every field, in batches,
 * since `unpack` of a long list would overflow Lua's stack.
 */
export const deleteFieldsLua = `
local function delete_fields(key, fields)
  for i = 1, #fields, 1000 do
    redis.call('HDEL', key, unpack(fields, i, math.min(i + 999, #fields)))
  end
end
`;

/**
 * Defines `claim_seat(key, others, capacity, local_members, field, value, ttl)`:
 * writes the joiner's entry and renews the hash's TTL when the members of
 * other nodes and of this one (the joiner included) fit the capacity.
 * Returns 1 when written, 0 when the room is full.
 */
export const claimSeatLua = `
local function claim_seat(key, others, capacity, local_members, field, value, ttl)
  if others + tonumber(local_members) > tonumber(capacity) then return 0 end
  redis.call('HSET', key, field, value)
  redis.call('PEXPIRE', key, ttl)
  return 1
end
`;

/**
 * Defines `live_entries_of_others(key, prefix, own_node)`, with the liveness
 * rule and `delete_fields`: reads the hash, deletes the entries judged dead,
 * and returns field, value, ... of the live entries of nodes other than
 * `own_node`. What the read and the capacity claim on one Redis both start with.
 */
export const liveEntriesLua = `${liveNodeLua}${deleteFieldsLua}
local function live_entries_of_others(key, prefix, own_node)
  local flat = redis.call('HGETALL', key)
  local live, dead = {}, {}
  for i = 1, #flat, 2 do
    local field, raw = flat[i], flat[i + 1]
    local node = live_node(raw, prefix)
    if node == nil then
      dead[#dead + 1] = field
    elseif node ~= own_node then
      live[#live + 1] = field
      live[#live + 1] = raw
    end
  end
  delete_fields(key, dead)
  return live
end
`;
