--[[
  Records the outcome of pushing the head event. On "delivered" the head is popped; on a failure
  it stays at the head and the school is handed to a delayed retry job.
  KEYS[1] school hash  KEYS[2] state hash  KEYS[3] outbox list  KEYS[4] event hash
  KEYS[5] per-minute delivery counters (a ring of 60 fields "minute % 60" → "minute:count")
  ARGV[1] owner token  ARGV[2] event id  ARGV[3] now (ms)  ARGV[4] attempt JSON
  ARGV[5] outcome  ARGV[6] retention (s)  ARGV[7] attempts kept per event  ARGV[8] sid
  ARGV[9] error text (failures)
  Returns {"stale"} (ownership lost: stop), {"moved"} (the head changed, e.g. skipped: refetch),
          {"ok"} (delivered), {"held"} (delivered, but the school is no longer active: stop),
          {"retry", headAttempts, epoch} (failure recorded; add job d-<sid>-<epoch> after the delay)
]]
--- @include "drain-state"

local token, id, nowMs, attempt, outcome = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local retentionS, keep, sid, errorText = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8], ARGV[9]

if redis.call('HGET', KEYS[2], 'owner') ~= token then return {'stale'} end
if redis.call('LINDEX', KEYS[3], 0) ~= id then return {'moved'} end

if outcome == 'gone' then
  redis.call('LPOP', KEYS[3])
  return {'ok'}
end

-- One read of the event record: attempts so far, their count, how often it is still queued
-- (a fresh record has none of these fields: no attempt yet, queued once).
local record = redis.call('HMGET', KEYS[4], 'att', 'n', 'q')
local exists = redis.call('EXISTS', KEYS[4]) == 1

if outcome == 'delivered' then
  redis.call('LPOP', KEYS[3])
  if exists then
    -- The attempt list, the count, the status and the queue count in one write (the hot path).
    local n = tonumber(record[2] or '0') + 1
    local att = (record[1] and record[1] ~= '') and (string.sub(record[1], 1, -2) .. ',' .. attempt .. ']') or ('[' .. attempt .. ']')
    if n > keep then
      local list = cjson.decode(att)
      while #list > keep do table.remove(list, 1) end
      att = cjson.encode(list)
    end
    local q = tonumber(record[3] or '1') - 1
    redis.call('HSET', KEYS[4], 'n', n, 'att', att, 'st', 'delivered', 'dAt', nowMs, 'q', q)
    -- Still queued again later (redeliver/replay)? Then it must outlive its retention.
    if q <= 0 then
      redis.call('EXPIRE', KEYS[4], retentionS)
    end
  end
  redis.call('HINCRBY', KEYS[2], 'delivered', 1)
  local minute = math.floor(nowMs / 60000)
  local slot = minute % 60
  local current = redis.call('HGET', KEYS[5], slot)
  local count = 1
  if current then
    local at, c = string.match(current, '^(%d+):(%d+)$')
    if tonumber(at) == minute then count = tonumber(c) + 1 end
  end
  redis.call('HSET', KEYS[5], slot, minute .. ':' .. count)
  if count == 1 then redis.call('EXPIRE', KEYS[5], 7200) end
  redis.call('HSET', KEYS[2], 'lastDeliveredAt', nowMs, 'headAttempts', 0, 'headFailingSince', '')
  if redis.call('HGET', KEYS[1], 'status') ~= 'active' then
    release(KEYS[2], nowMs)
    return {'held'}
  end
  return {'ok'}
end

if exists then recordAttempt(KEYS[4], attempt, keep) end
if exists then redis.call('HSET', KEYS[4], 'st', 'failing') end
redis.call('HINCRBY', KEYS[2], 'failedAttempts', 1)
local headAttempts = redis.call('HINCRBY', KEYS[2], 'headAttempts', 1)
local since = redis.call('HGET', KEYS[2], 'headFailingSince')
if not since or since == '' then redis.call('HSET', KEYS[2], 'headFailingSince', nowMs) end
redis.call('HSET', KEYS[2], 'lastError', errorText, 'lastErrorAt', nowMs)
local epoch = reschedule(KEYS[2], 'retry_wait', nowMs)
return {'retry', headAttempts, epoch}
