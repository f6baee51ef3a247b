--[[
  Releases a room's relay lock (if still held by this caller) and tells how much is left to relay.
  KEYS[1] relay lock   KEYS[2] relay queue   KEYS[3] rooms with a relay queue
  ARGV[1] lock token   ARGV[2] roomId
  Returns the relay queue length; an empty room leaves the set of rooms to relay.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
local left = redis.call('LLEN', KEYS[2])
if left == 0 then redis.call('SREM', KEYS[3], ARGV[2]) end
return left
