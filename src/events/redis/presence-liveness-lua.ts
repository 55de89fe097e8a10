/**
 * The liveness rule in Lua, shared by the scripts that judge presence
 * entries on one Redis, so that reads and the capacity claim agree on which
 * entries are dead (on a Cluster the liveness keys are in other slots: the
 * entries are judged before the script). An entry is live while its node's
 * liveness key holds the entry's epoch. Put at the top of a script, it
 * defines `live_node(raw, prefix)`: the entry's node when live, `nil` when
 * dead or not an entry. Each node's key is read once per run.
 */
export const liveNodeLua = `
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
