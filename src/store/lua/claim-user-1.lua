--[[
  Claims a user identity (a userUuid, as RTM and ZEGO know it) for one app, or refreshes the
  claim of the app that holds it; another app's claim is refused.
  KEYS[1] the identity's owner key
  ARGV[1] app id  ARGV[2] how long the claim lasts after this use (s)
  Returns 1 when the app holds the identity now, 0 when another app does
]]
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return 1
