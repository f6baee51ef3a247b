--[[
  Operator action (redeliver one event, replay a range): appends already-settled events to the
  tail of the school's outbox, in the order given, and wakes the drain.
  KEYS[1] school hash  KEYS[2] state hash  KEYS[3] outbox list
  ARGV[1] now (ms)  ARGV[2] event key prefix  ARGV[3..] event ids
  Events that are gone, still queued (pending/failing) or never subscribed are left out.
  Returns {requeued count, epoch|false}
]]
--- @include "drain-state"

local nowMs, eventPrefix = tonumber(ARGV[1]), ARGV[2]
local count = 0
for i = 3, #ARGV do
  local eventKey = eventPrefix .. ARGV[i]
  local st = redis.call('HGET', eventKey, 'st')
  if st == 'delivered' or st == 'skipped' then
    redis.call('RPUSH', KEYS[3], ARGV[i])
    redis.call('HSET', eventKey, 'st', 'pending')
    redis.call('HINCRBY', eventKey, 'q', 1)
    redis.call('PERSIST', eventKey)
    count = count + 1
  end
end
return {count, wake(KEYS[1], KEYS[2], KEYS[3], nowMs)}
