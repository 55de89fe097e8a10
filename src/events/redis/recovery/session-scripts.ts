import { LuaScript } from '../lua-script.js';

/**
 * A session record is a hash `{session:<id>}`: `record` (JSON), `owner`
 * (which connection holds it), `token` (the SHA-256 of the one token that
 * resumes it). The token's own key only points at the session; the hash is
 * what a claim checks, so two claims of one token cannot both succeed.
 */

/** KEYS: session. ARGV: record JSON, owner. Rewrites the record if the owner still holds it. */
export const updateScript = new LuaScript(`
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[1])
return 1
`);

/** KEYS: session. ARGV: owner, ttlMs. Starts the session's TTL if the owner still holds it. */
export const disconnectedScript = new LuaScript(`
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'open', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/**
 * KEYS: session. ARGV: token hash, user id ('' = anonymous), new owner, liveMs.
 * Spends the token and hands the record to the new owner when the token is
 * the session's current one and the user matches; returns the record JSON, or false.
 */
export const claimScript = new LuaScript(`
local fields = redis.call('HMGET', KEYS[1], 'token', 'record', 'user')
if fields[1] ~= ARGV[1] or fields[2] == false then return false end
if fields[3] ~= ARGV[2] then return false end
redis.call('HSET', KEYS[1], 'token', '', 'owner', ARGV[3], 'open', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return fields[2]
`);

/**
 * The reply cache of one session: hash `{session:<id>}:replies` (command id
 * to reply JSON, or '~' while running) and list `{session:<id>}:order`.
 *
 * KEYS: replies, order. ARGV: command id, max, ttlMs. Returns false (run it)
 * or the cached value ('~' while the first run is going).
 */
export const beginScript = new LuaScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], '~') == 0 then
  return redis.call('HGET', KEYS[1], ARGV[1])
end
redis.call('RPUSH', KEYS[2], ARGV[1])
local max = tonumber(ARGV[2])
local guard = redis.call('LLEN', KEYS[2])
while redis.call('LLEN', KEYS[2]) > max and guard > 0 do
  guard = guard - 1
  local oldest = redis.call('LPOP', KEYS[2])
  if redis.call('HGET', KEYS[1], oldest) == '~' then
    redis.call('RPUSH', KEYS[2], oldest)
  else
    redis.call('HDEL', KEYS[1], oldest)
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return false
`);

/** KEYS: replies. ARGV: command id, reply JSON, ttlMs. Records a reply the run was allowed. */
export const finishScript = new LuaScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= '~' then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`);
