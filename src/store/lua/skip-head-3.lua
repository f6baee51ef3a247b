--[[
  Operator action: removes the head event of a school (recorded as skipped) so the next one can go.
  KEYS[1] school hash  KEYS[2] state hash  KEYS[3] outbox list
  ARGV[1] now (ms)  ARGV[2] retention (s)  ARGV[3] event key prefix
  ARGV[4] expected head id, or "" for whatever is at the head
  Returns {"empty"}, {"moved", headId} (the head is not the expected one), or
          {"ok", skippedId, epoch|false}: with an epoch the caller adds job d-<sid>-<epoch> now.
]]
--- @include "drain-state"

local nowMs, retentionS, eventPrefix, expected = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
local head = redis.call('LINDEX', KEYS[3], 0)
if not head then return {'empty'} end
if expected ~= '' and head ~= expected then return {'moved', head} end
redis.call('LPOP', KEYS[3])
local eventKey = eventPrefix .. head
if redis.call('EXISTS', eventKey) == 1 then
  -- q: how often the id still stands in the outbox (absent on a fresh record: once).
  local q = tonumber(redis.call('HGET', eventKey, 'q') or '1') - 1
  redis.call('HSET', eventKey, 'st', 'skipped', 'dAt', nowMs, 'q', q)
  if q <= 0 then redis.call('EXPIRE', eventKey, retentionS) end
end
redis.call('HSET', KEYS[2], 'headAttempts', 0, 'headFailingSince', '')
redis.call('HINCRBY', KEYS[2], 'skipped', 1)

local epoch = false
local phase = redis.call('HGET', KEYS[2], 'phase')
if phase == 'retry_wait' then
  -- The delayed retry job becomes stale; the next event goes now.
  if redis.call('LLEN', KEYS[3]) > 0 and redis.call('HGET', KEYS[1], 'status') == 'active' then
    epoch = reschedule(KEYS[2], 'queued', nowMs)
  end
elseif redis.call('HGET', KEYS[2], 'sched') ~= '1' then
  epoch = wake(KEYS[1], KEYS[2], KEYS[3], nowMs)
end
return {'ok', head, epoch}
