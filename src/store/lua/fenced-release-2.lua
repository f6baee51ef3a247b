--[[
  Releases a queue lock (a room's relay or RTM queue) if still held by this caller, and tells how
  much is left in the queue. Only the room's own keys (one cluster slot): the caller updates the
  set of rooms with work pending.
  KEYS[1] lock   KEYS[2] queue (list)
  ARGV[1] lock token
  Returns the queue length.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return redis.call('LLEN', KEYS[2])
