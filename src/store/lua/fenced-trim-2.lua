--[[
  Drops the first entries of a queue once they are handled, only if the caller still holds the
  queue's lock: a holder that stalled past its lock must not trim the batch of the holder after it.
  KEYS[1] lock   KEYS[2] queue (list)
  ARGV[1] lock token   ARGV[2] number of entries handled (from the head)
  Returns 1 (trimmed) | 0 (the lock is not this caller's any more: nothing trimmed)
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('LTRIM', KEYS[2], tonumber(ARGV[2]), -1)
return 1
