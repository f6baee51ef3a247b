--[[
  Releases a room's relay lock (if still held by this caller) and tells how much is left to relay.
  Only the room's own keys (one cluster slot): the caller updates the set of rooms to relay.
  KEYS[1] relay lock   KEYS[2] relay queue
  ARGV[1] lock token
  Returns the relay queue length.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return redis.call('LLEN', KEYS[2])
