import { LuaScript } from '../lua-script.js';

/**
 * Shared Lua: comparing stream ids (`ms-seq`; both parts fit a double
 * exactly), Redis' clock in ms, and trimming by age while remembering the
 * newest id trimmed (a position before it has lost events after it).
 */
const common = `
local function split(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local function before(a, b)
  local am, as = split(a)
  local bm, bs = split(b)
  return am < bm or (am == bm and as < bs)
end
local function nowMs()
  local clock = redis.call('TIME')
  return tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000), clock
end
local function trimByAge(stream, meta, maxAgeMs)
  local oldest = string.format('%d', nowMs() - maxAgeMs) .. '-0'
  local aged = redis.call('XREVRANGE', stream, '(' .. oldest, '-', 'COUNT', 1)
  if #aged > 0 then
    redis.call('XTRIM', stream, 'MINID', '=', oldest)
    redis.call('HSET', meta, 'trimmed', aged[1][1])
  end
end
`;

/**
 * Records one event and publishes it, atomically, so that positions and the
 * order every node receives events in agree: the epoch (made with the
 * stream's first event), trimming by age and by count (remembering the
 * newest id trimmed), XADD, the keys' expiry, then PUBLISH (or SPUBLISH on
 * a Redis Cluster, where the channel shares the keys' hash tag) of
 * `<mark><pos> <message>`.
 *
 * KEYS: stream, meta (hash: epoch, trimmed). ARGV: maxEvents, maxAgeMs,
 * channel, message, keepMs, 'PUBLISH' | 'SPUBLISH', mark ('' or '@').
 * Returns the position.
 */
export const recordScript = new LuaScript(`${common}
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  local _, clock = nowMs()
  epoch = clock[1] .. clock[2]
  redis.call('HSET', KEYS[2], 'epoch', epoch)
end
trimByAge(KEYS[1], KEYS[2], tonumber(ARGV[2]))
local over = redis.call('XLEN', KEYS[1]) + 1 - tonumber(ARGV[1])
if over > 0 then
  local dropped = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', over)
  redis.call('XTRIM', KEYS[1], 'MAXLEN', '=', tonumber(ARGV[1]) - 1)
  redis.call('HSET', KEYS[2], 'trimmed', dropped[#dropped][1])
end
local id = redis.call('XADD', KEYS[1], '*', 'm', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
local pos = epoch .. '.' .. id
redis.call(ARGV[6], ARGV[3], ARGV[7] .. pos .. ' ' .. ARGV[4])
return pos
`);

/**
 * Where a stream stands: `<epoch>.<last id>`, or '' when it has no epoch
 * (nothing recorded yet, or it expired): a replay then starts from its start.
 *
 * KEYS: stream, meta.
 */
export const headScript = new LuaScript(`
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then return '' end
if redis.call('EXISTS', KEYS[1]) == 0 then return epoch .. '.0-0' end
local flat = redis.call('XINFO', 'STREAM', KEYS[1])
for i = 1, #flat, 2 do
  if flat[i] == 'last-generated-id' then return epoch .. '.' .. flat[i + 1] end
end
return false
`);

/**
 * The entries after a position, or false when the history no longer
 * reaches it: another epoch, an id past the last one, or an id before the
 * newest one trimmed. Trims by age first.
 *
 * KEYS: stream, meta. ARGV: epoch ('' = whatever epoch, from the start), id, maxAgeMs, count.
 * Returns false, or [epoch, id, message, id, message, ...].
 */
export const afterScript = new LuaScript(`${common}
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if ARGV[1] ~= '' and epoch ~= ARGV[1] then return false end
if not epoch then return {''} end
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[2] == '0-0' then return {epoch} end
  return false
end
trimByAge(KEYS[1], KEYS[2], tonumber(ARGV[3]))
local trimmed = redis.call('HGET', KEYS[2], 'trimmed')
if trimmed and before(ARGV[2], trimmed) then return false end
local flat = redis.call('XINFO', 'STREAM', KEYS[1])
for i = 1, #flat, 2 do
  if flat[i] == 'last-generated-id' and before(flat[i + 1], ARGV[2]) then return false end
end
local out = {epoch}
local entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[2], '+', 'COUNT', ARGV[4])
for i = 1, #entries do
  out[#out + 1] = entries[i][1]
  out[#out + 1] = entries[i][2][2]
end
return out
`);
