--[[
  Commits one decision on a room if nothing changed since its snapshot, and broadcasts its
  notifications in order: each gets the next seq, goes to the replay buffer, is published, and (for
  a room linked to a school) is queued for the relay.
  KEYS[1] room hash (doc, ver, seq)   KEYS[2] users   KEYS[3] userUuid → userId   KEYS[4] bans
  KEYS[5] replay buffer (list)   KEYS[6] relay queue (list)   KEYS[7] heartbeats (zset, all rooms)
  KEYS[8] (appId, roomUuid) → roomId index   KEYS[9] rooms with a relay queue (set)
  ARGV[1] expected ver ('0' = create the room: it must not exist and the index must be free)
  ARGV[2] new room doc JSON   ARGV[3] roomId   ARGV[4] now (ms)   ARGV[5] replay buffer size
  ARGV[6] pub/sub channel   ARGV[7] '1' = linked to a school   ARGV[8] ban userUuid ('' none)
  ARGV[9] ban until (ms)   ARGV[10] member count, then 4 values per member:
          userId, userUuid, member JSON, heartbeat ('add' | 'remove' | 'keep')
  then the notice count, then 2 values per notice: cmd, data JSON
  Returns {'ok', new ver, last seq} | {'conflict'} | {'taken', roomId of the live room}
]]
local expected, doc, roomId, nowMs = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ver = redis.call('HGET', KEYS[1], 'ver')
if expected == '0' then
  if ver then return {'conflict'} end
  local current = redis.call('GET', KEYS[8])
  if current and current ~= roomId then return {'taken', current} end
  redis.call('SET', KEYS[8], roomId)
elseif ver ~= expected then
  return {'conflict'}
end
local newVer = (tonumber(ver) or 0) + 1
redis.call('HSET', KEYS[1], 'ver', newVer, 'doc', doc)
if ARGV[8] ~= '' then redis.call('HSET', KEYS[4], ARGV[8], ARGV[9]) end
local at = 11
for _ = 1, tonumber(ARGV[10]) do
  local userId, uuid, json, hb = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  redis.call('HSET', KEYS[2], userId, json)
  redis.call('HSET', KEYS[3], uuid, userId)
  local member = roomId .. '/' .. userId
  if hb == 'add' then redis.call('ZADD', KEYS[7], nowMs, member)
  elseif hb == 'remove' then redis.call('ZREM', KEYS[7], member) end
  at = at + 4
end
local notices = tonumber(ARGV[at])
at = at + 1
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
for _ = 1, notices do
  seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  local message = '{"cmd":' .. ARGV[at] .. ',"version":1,"timestamp":' .. nowMs .. ',"seq":' .. seq .. ',"data":' .. ARGV[at + 1] .. '}'
  redis.call('RPUSH', KEYS[5], message)
  redis.call('PUBLISH', ARGV[6], message)
  if ARGV[7] == '1' then redis.call('RPUSH', KEYS[6], message) end
  at = at + 2
end
if notices > 0 then
  redis.call('LTRIM', KEYS[5], -tonumber(ARGV[5]), -1)
  if ARGV[7] == '1' then redis.call('SADD', KEYS[9], roomId) end
end
return {'ok', newVer, seq}
