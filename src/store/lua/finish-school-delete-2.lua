--[[
  Last step of deleting a school (after its other keys were unlinked): drops the school hash and
  leaves only the epoch of its drain state, so a school created later with the same sid starts
  empty yet never reuses a drain job id (d-<sid>-<epoch>) of the old one.
  KEYS[1] school hash   KEYS[2] its drain state hash
  Returns 1.
]]
local epoch = redis.call('HGET', KEYS[2], 'epoch')
redis.call('DEL', KEYS[1], KEYS[2])
if epoch then redis.call('HSET', KEYS[2], 'epoch', epoch) end
return 1
