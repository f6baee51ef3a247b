--[[
  Destroys a room: every key of it, its heartbeats and its index entry (if still its own).
  KEYS[1] room hash   KEYS[2] users   KEYS[3] userUuid → userId   KEYS[4] bans   KEYS[5] replay buffer
  KEYS[6] relay queue   KEYS[7] heartbeats (all rooms)   KEYS[8] (appId, roomUuid) index
  KEYS[9] rooms with a relay queue
  ARGV[1] roomId   ARGV[2] life the destruction was planned for ('' = at once: the room ended)
  Returns 'destroyed' | 'gone' (no such room) | 'stale' (someone entered since, or users are
  online) | 'pending' (notifications still to relay: relay first)
]]
local doc = redis.call('HGET', KEYS[1], 'doc')
if not doc then return 'gone' end
if ARGV[2] ~= '' then
  local room = cjson.decode(doc)
  if room.life ~= tonumber(ARGV[2]) or room.online > 0 then return 'stale' end
end
if redis.call('LLEN', KEYS[6]) > 0 then return 'pending' end
for _, userId in ipairs(redis.call('HKEYS', KEYS[2])) do
  redis.call('ZREM', KEYS[7], ARGV[1] .. '/' .. userId)
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
if redis.call('GET', KEYS[8]) == ARGV[1] then redis.call('DEL', KEYS[8]) end
redis.call('SREM', KEYS[9], ARGV[1])
return 'destroyed'
