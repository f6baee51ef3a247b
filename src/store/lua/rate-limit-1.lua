--[[
  Fixed-window rate limit shared by every process.
  KEYS[1] the window's counter
  ARGV[1] limit per window  ARGV[2] window (ms)  ARGV[3] cost of this request (0 = only look)
  Returns {allowed (1/0), retry after (ms), count}
]]
local limit, windowMs, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
-- Refused when the window is used up, or this cost would overrun it: units are counted (a batch
-- of 500 events costs 500), so one large request cannot pass a small limit.
if count >= limit or count + cost > limit then
  local ttl = redis.call('PTTL', KEYS[1])
  return {0, ttl > 0 and ttl or windowMs, count}
end
if cost > 0 then
  count = redis.call('INCRBY', KEYS[1], cost)
  if count == cost then redis.call('PEXPIRE', KEYS[1], windowMs) end
end
return {1, 0, count}
