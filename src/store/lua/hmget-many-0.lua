--[[
  The same fields of many hashes in one call (a single Redis only: the keys may lie in any slot).
  KEYS  the hashes
  ARGV  the fields
  Returns one array of values per key, in order (false for a missing field or hash).
]]
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('HMGET', key, unpack(ARGV))
end
return out
