--[[
  Compare-and-set of a roomUuid index entry (a global key, so a script of its own).
  KEYS[1] (appId, roomUuid) → roomId index
  ARGV[1] the roomId it must name now ('' = it must not exist)   ARGV[2] the new roomId ('' = delete)
  Returns 1 when swapped, 0 when the entry named something else.
]]
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1
