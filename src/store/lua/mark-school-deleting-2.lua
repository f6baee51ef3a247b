--[[
  First step of deleting a school: from here on the school is gone for everyone (the ingest
  answers no_school, status changes answer missing, a drain job finds itself stale and a drainer
  that is pushing stops at its next settle), while finish-school-delete removes its keys.
  KEYS[1] school hash   KEYS[2] its drain state hash
  ARGV[1] now (ms)
  Returns the school's API key hash (for the index entry to drop), or false when there is no such
  school. Marking a school that is already being deleted is fine (a delete finished again).
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'status', 'deleting', 'updatedAt', ARGV[1])
--- @include "drain-state"

-- A new epoch makes every queued, delayed or running drain job of the school stale; a drainer
-- waiting on the empty outbox is woken to find out.
local waiting = redis.call('HMGET', KEYS[2], 'phase', 'owner', 'wch')
redis.call('HINCRBY', KEYS[2], 'epoch', 1)
redis.call('HSET', KEYS[2], 'deleting', '1', 'hold', '1', 'sched', '0', 'phase', 'idle', 'owner', '', 'wch', '', 'at', ARGV[1])
notifyWaiting(waiting[1], waiting[2], waiting[3])
return redis.call('HGET', KEYS[1], 'apiKeyHash') or ''
