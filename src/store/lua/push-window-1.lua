--[[
  A school's push-rate window (maxPushesPerS): the end times of its recent pushes, on Redis's clock
  so that every worker process counts alike.
  KEYS[1] window sorted set (score = end time in ms)
  ARGV[1] "permit" | "record"   ARGV[2] the limit (permit) or a unique member (record)
  permit: 0 when fewer than `limit` pushes ended within the last second (the next may start), else
          the ms until the oldest of them is a second old.
  record: adds a push that ended now; returns 0.
  A push may start only once the push `limit` places before it ended a second ago; pushes of a
  school run one at a time, so no second at the receiver sees more than `limit` of them.
]]
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[1] == 'record' then
  redis.call('ZADD', KEYS[1], nowMs, ARGV[2])
  redis.call('PEXPIRE', KEYS[1], 2000)
  return 0
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs - 1000)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then return 0 end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + 1000 - nowMs + 1)
