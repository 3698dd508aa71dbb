import { MAX_FINISHED, MAX_PRIORITY } from './types.ts';

/**
 * Lua scripts of the Redis queue. Each runs atomically in Redis, so any number of processes can
 * claim from one queue without a claim being handed out twice. KEYS[1] is the queue's key prefix
 * (`aima:q:{name}`; the braces keep every key of a queue in one cluster slot). Keys under it:
 *   :e:<id>      hash of one entry: g group, p payload, pr priority, q arrival seq, a attempts,
 *                s state, o lease owner, lu lease until (ms), at available at (ms)
 *   :ready       zset of due waiting entries of groups not paused, by claim order
 *   :gr:<group>  zset of the group's due waiting entries (paused or not), by claim order
 *   :delayed     zset of delayed entries by due time;  :gd:<group>  set of the group's delayed ids
 *   :active      zset of leased entries by lease end
 *   :fin         zset of finished entries by finish time (trimmed to MAX_FINISHED)
 *   :paused      set of paused groups;  :seq  arrival counter
 *   :n           hash of counts: <state> and <state>|<group>
 * The claim order is one score: (MAX_PRIORITY - priority) · 2^40 + seq, lowest first (higher
 * priority, then older), exact in a double up to 2^53. Lua numbers go to Redis through
 * string.format('%.0f'): tostring() would round them to 14 digits.
 * Time is the caller's clock (ms), so recoverExpired(now) can be asked about a later moment.
 */
const HEADER = `
local P = KEYS[1]
local function num(x) return string.format('%.0f', x) end
local function cnt(state, g, d)
  local n = P .. ':n'
  redis.call('HINCRBY', n, state, d)
  local f = state .. '|' .. g
  if redis.call('HINCRBY', n, f, d) == 0 then redis.call('HDEL', n, f) end
end
local function ready(id, g, pr, seq)
  local o = num((${MAX_PRIORITY} - pr) * 1099511627776 + seq)
  redis.call('ZADD', P .. ':gr:' .. g, o, id)
  if redis.call('SISMEMBER', P .. ':paused', g) == 0 then redis.call('ZADD', P .. ':ready', o, id) end
end
-- An entry that is in no structure (new, or just taken out of :active) becomes waiting or delayed.
local function requeue(id, k, g, at, now)
  if at > now then
    redis.call('HSET', k, 's', 'delayed', 'at', num(at), 'o', '', 'lu', '0')
    redis.call('ZADD', P .. ':delayed', num(at), id)
    redis.call('SADD', P .. ':gd:' .. g, id)
    cnt('delayed', g, 1)
  else
    redis.call('HSET', k, 's', 'waiting', 'o', '', 'lu', '0')
    local e = redis.call('HMGET', k, 'pr', 'q')
    ready(id, g, tonumber(e[1]), tonumber(e[2]))
    cnt('waiting', g, 1)
  end
end
local function promote(now)
  local due = redis.call('ZRANGEBYSCORE', P .. ':delayed', '-inf', num(now), 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    local k = P .. ':e:' .. id
    local g = redis.call('HGET', k, 'g')
    redis.call('ZREM', P .. ':delayed', id)
    redis.call('SREM', P .. ':gd:' .. g, id)
    cnt('delayed', g, -1)
    requeue(id, k, g, 0, now)
  end
end
local function expire(now)
  local ids = redis.call('ZRANGEBYSCORE', P .. ':active', '-inf', '(' .. num(now), 'LIMIT', 0, 1000)
  for _, id in ipairs(ids) do
    local k = P .. ':e:' .. id
    local g = redis.call('HGET', k, 'g')
    redis.call('ZREM', P .. ':active', id)
    cnt('active', g, -1)
    requeue(id, k, g, 0, now)
  end
  return #ids
end
local function finish(id, k, g, state, now)
  redis.call('HSET', k, 's', state, 'o', '', 'lu', '0')
  redis.call('HDEL', k, 'p')
  cnt(state, g, 1)
  redis.call('ZADD', P .. ':fin', num(now), id)
  local over = redis.call('ZCARD', P .. ':fin') - ${MAX_FINISHED}
  if over > 0 then
    local old = redis.call('ZPOPMIN', P .. ':fin', over)
    for i = 1, #old, 2 do
      local ok = P .. ':e:' .. old[i]
      local e = redis.call('HMGET', ok, 's', 'g')
      if e[1] then cnt(e[1], e[2], -1) end
      redis.call('DEL', ok)
    end
  end
end
-- The entry's group when owner holds its lease (expired or not, while not yet recovered), else nil.
-- Takes the entry out of :active.
local function leased(id, owner)
  local e = redis.call('HMGET', P .. ':e:' .. id, 's', 'o', 'g')
  if e[1] ~= 'active' or e[2] ~= owner then return nil end
  redis.call('ZREM', P .. ':active', id)
  cnt('active', e[3], -1)
  return e[3]
end
`;

/** ARGV: id, group, payload, priority, delayMs, now, maxPending → 1 added, 0 exists, -1 full. */
export const ADD = `${HEADER}
local id, g = ARGV[1], ARGV[2]
local k = P .. ':e:' .. id
if redis.call('EXISTS', k) == 1 then return 0 end
local n = redis.call('HMGET', P .. ':n', 'waiting', 'delayed', 'active')
local pending = (tonumber(n[1]) or 0) + (tonumber(n[2]) or 0) + (tonumber(n[3]) or 0)
if pending >= tonumber(ARGV[7]) then return -1 end
local seq = redis.call('INCR', P .. ':seq')
local now = tonumber(ARGV[6])
local at = now + tonumber(ARGV[5])
redis.call('HSET', k, 'g', g, 'p', ARGV[3], 'pr', ARGV[4], 'q', seq, 'a', 0, 'at', num(at))
requeue(id, k, g, at, now)
return 1`;

/** ARGV: owner, leaseMs, now, filtered (1|0), groups… → nil or {id, group, payload, priority, attempts, leaseUntil}. */
export const CLAIM = `${HEADER}
local owner, now = ARGV[1], tonumber(ARGV[3])
promote(now)
expire(now)
local id
if ARGV[4] == '1' then
  local bestScore
  for i = 5, #ARGV do
    local g = ARGV[i]
    if redis.call('SISMEMBER', P .. ':paused', g) == 0 then
      local h = redis.call('ZRANGE', P .. ':gr:' .. g, 0, 0, 'WITHSCORES')
      if h[1] and (bestScore == nil or tonumber(h[2]) < bestScore) then id, bestScore = h[1], tonumber(h[2]) end
    end
  end
else
  id = redis.call('ZRANGE', P .. ':ready', 0, 0)[1]
end
if not id then return nil end
local k = P .. ':e:' .. id
local g = redis.call('HGET', k, 'g')
redis.call('ZREM', P .. ':ready', id)
redis.call('ZREM', P .. ':gr:' .. g, id)
cnt('waiting', g, -1)
cnt('active', g, 1)
local lu = now + tonumber(ARGV[2])
local a = redis.call('HINCRBY', k, 'a', 1)
redis.call('HSET', k, 's', 'active', 'o', owner, 'lu', num(lu))
redis.call('ZADD', P .. ':active', num(lu), id)
local e = redis.call('HMGET', k, 'p', 'pr')
return {id, g, e[1], e[2], a, num(lu)}`;

/** ARGV: id, owner, now → 1, or 0 when the lease is lost. */
export const COMPLETE = `${HEADER}
local k = P .. ':e:' .. ARGV[1]
local g = leased(ARGV[1], ARGV[2])
if not g then return 0 end
finish(ARGV[1], k, g, 'done', tonumber(ARGV[3]))
return 1`;

/** ARGV: id, owner, now, retry (1|0), delayMs → 2 retrying, 1 failed, 0 lease lost. */
export const FAIL = `${HEADER}
local k = P .. ':e:' .. ARGV[1]
local g = leased(ARGV[1], ARGV[2])
if not g then return 0 end
local now = tonumber(ARGV[3])
if ARGV[4] == '1' then
  requeue(ARGV[1], k, g, now + tonumber(ARGV[5]), now)
  return 2
end
finish(ARGV[1], k, g, 'failed', now)
return 1`;

/** ARGV: id, owner, now → 1, or 0 when the lease is lost. */
export const RELEASE = `${HEADER}
local k = P .. ':e:' .. ARGV[1]
local g = leased(ARGV[1], ARGV[2])
if not g then return 0 end
if redis.call('HINCRBY', k, 'a', -1) < 0 then redis.call('HSET', k, 'a', 0) end
requeue(ARGV[1], k, g, 0, tonumber(ARGV[3]))
return 1`;

/** ARGV: id, owner, leaseUntil → 1, or 0 when the lease is lost. Read-check without leased(): nothing moves. */
export const EXTEND = `${HEADER}
local k = P .. ':e:' .. ARGV[1]
local e = redis.call('HMGET', k, 's', 'o')
if e[1] ~= 'active' or e[2] ~= ARGV[2] then return 0 end
redis.call('HSET', k, 'lu', ARGV[3])
redis.call('ZADD', P .. ':active', ARGV[3], ARGV[1])
return 1`;

/** ARGV: group. Its waiting entries leave :ready (they stay in :gr:<group>). */
export const PAUSE = `${HEADER}
redis.call('SADD', P .. ':paused', ARGV[1])
local ids = redis.call('ZRANGE', P .. ':gr:' .. ARGV[1], 0, -1)
for i = 1, #ids, 500 do
  redis.call('ZREM', P .. ':ready', unpack(ids, i, math.min(i + 499, #ids)))
end
return #ids`;

/** ARGV: group. MIN keeps a score unchanged should an id already be in :ready. */
export const RESUME = `${HEADER}
redis.call('SREM', P .. ':paused', ARGV[1])
redis.call('ZUNIONSTORE', P .. ':ready', 2, P .. ':ready', P .. ':gr:' .. ARGV[1], 'AGGREGATE', 'MIN')
return 1`;

/** ARGV: group → how many waiting and delayed entries were removed; active ones stay. */
export const REMOVE_GROUP = `${HEADER}
local g = ARGV[1]
local gone = 0
for _, id in ipairs(redis.call('ZRANGE', P .. ':gr:' .. g, 0, -1)) do
  redis.call('ZREM', P .. ':ready', id)
  redis.call('DEL', P .. ':e:' .. id)
  cnt('waiting', g, -1)
  gone = gone + 1
end
for _, id in ipairs(redis.call('SMEMBERS', P .. ':gd:' .. g)) do
  redis.call('ZREM', P .. ':delayed', id)
  redis.call('DEL', P .. ':e:' .. id)
  cnt('delayed', g, -1)
  gone = gone + 1
end
redis.call('DEL', P .. ':gr:' .. g, P .. ':gd:' .. g)
redis.call('SREM', P .. ':paused', g)
return gone`;

/** ARGV: now → how many expired leases went back to waiting. */
export const RECOVER = `${HEADER}
local now = tonumber(ARGV[1])
local total = 0
repeat
  local n = expire(now)
  total = total + n
until n < 1000
return total`;

/** ARGV: now, group ('' for all) → {waiting, active, delayed, done, failed, paused}. Promotes due delayed entries first. */
export const COUNTS = `${HEADER}
promote(tonumber(ARGV[1]))
local n = P .. ':n'
local function get(f) return tonumber(redis.call('HGET', n, f) or '0') or 0 end
local g = ARGV[2]
local sfx = ''
if g ~= '' then sfx = '|' .. g end
local waiting = get('waiting' .. sfx)
local paused = 0
if g ~= '' then
  if redis.call('SISMEMBER', P .. ':paused', g) == 1 then paused = waiting end
else
  for _, pg in ipairs(redis.call('SMEMBERS', P .. ':paused')) do paused = paused + get('waiting|' .. pg) end
end
return {waiting - paused, get('active' .. sfx), get('delayed' .. sfx), get('done' .. sfx), get('failed' .. sfx), paused}`;
