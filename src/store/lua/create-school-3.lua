--[[
  Registers a school unless its sid is taken.
  KEYS[1] school hash  KEYS[2] schools zset  KEYS[3] API key index (hash of the key → sid)
  ARGV[1] sid  ARGV[2] now (ms)  ARGV[3..] field, value pairs of the school hash
  Returns 1 when created, 0 when the sid exists.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fields = {}
for i = 3, #ARGV do table.insert(fields, ARGV[i]) end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZADD', KEYS[2], tonumber(ARGV[1]), ARGV[1])
redis.call('SET', KEYS[3], ARGV[1])
return 1
