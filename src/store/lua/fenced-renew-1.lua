--[[
  Extends a queue lock held by this caller (the fence: a holder whose lock lapsed cannot get it
  back, since another holder may have taken it meanwhile).
  KEYS[1] lock
  ARGV[1] lock token   ARGV[2] new time to live (ms)
  Returns 1 (renewed) | 0 (the lock is not this caller's any more)
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
