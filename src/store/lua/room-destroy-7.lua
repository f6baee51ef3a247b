--[[
  Destroys a room: every key of it. Only the room's own keys (one cluster slot): the caller then
  drops its heartbeats, its roomUuid index entry and its place in the set of rooms to relay.
  KEYS[1] room hash   KEYS[2] users   KEYS[3] userUuid → userId   KEYS[4] bans   KEYS[5] replay buffer
  KEYS[6] relay queue   KEYS[7] creation claim
  ARGV[1] life the destruction was planned for ('' = at once: the room ended)
  Returns {'destroyed', userId…} (every user the room had) | {'gone'} (no such room) | {'stale'}
  (someone entered since, or users are online) | {'pending'} (notifications still to relay: relay first)
]]
local doc = redis.call('HGET', KEYS[1], 'doc')
if not doc then return {'gone'} end
if ARGV[1] ~= '' then
  local room = cjson.decode(doc)
  if room.life ~= tonumber(ARGV[1]) or room.online > 0 then return {'stale'} end
end
if redis.call('LLEN', KEYS[6]) > 0 then return {'pending'} end
local out = redis.call('HKEYS', KEYS[2])
table.insert(out, 1, 'destroyed')
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7])
return out
