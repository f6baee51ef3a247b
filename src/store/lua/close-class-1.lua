--[[
  Closes a class early, in one step: a class that does not exist is left alone (and not created),
  so a concurrent PUT that creates it is never undone.
  KEYS[1] class record hash
  ARGV[1] real close time (unix s)
  Returns 0 (no such class), 1 (closed now: version bumped), 2 (was already closed).
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[1], 'closed', '1') == 0 then return 2 end
redis.call('HSET', KEYS[1], 'realCloseTime', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1
