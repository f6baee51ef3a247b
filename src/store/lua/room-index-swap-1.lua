--[[
  Compare-and-set of one entry of the room index (a global key, so a script of its own).
  KEYS[1] the room index hash: "<appId>:<roomUuid>" → roomId
  ARGV[1] the entry's field   ARGV[2] the roomId it must name now ('' = it must not exist)
  ARGV[3] the new roomId ('' = delete the entry)
  Returns 1 when swapped, 0 when the entry named something else.
]]
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1
