--[[
  Commits one decision on a room if nothing changed since its snapshot, and broadcasts its
  notifications in order: each gets the next seq, goes to the replay buffer, is published, and (for
  a room linked to a school) is queued for the relay and (with RTM notifications on) for RTM. Only
  the room's own keys (one cluster slot):
  the caller updates the heartbeats, the roomUuid index and the set of rooms to relay around it.
  KEYS[1] room hash (doc, ver, seq)   KEYS[2] users   KEYS[3] userUuid → userId   KEYS[4] bans
  KEYS[5] replay buffer (list)   KEYS[6] relay queue (list)   KEYS[7] creation claim (string)
  KEYS[8] RTM queue (list; entries `<ARGV rtm prefix><message>}`)
  ARGV[1] expected ver ('0' = create the room: it must not exist and its claim must still be held)
  ARGV[2] new room doc JSON   ARGV[3] now (ms)   ARGV[4] replay buffer size   ARGV[5] pub/sub channel
  ARGV[6] '1' = linked to a school   ARGV[7] ban userUuid ('' none)   ARGV[8] ban until (ms)
  ARGV[9] member count, then 3 values per member: userId, userUuid, member JSON
  then the notice count, then 2 values per notice: cmd, data JSON,
  then the RTM entry prefix ('' = RTM notifications off), e.g. `{"channel":"<name>","message":`
  Returns {'ok', new ver, last seq} | {'conflict'}
]]
local expected, doc, nowMs = ARGV[1], ARGV[2], ARGV[3]
local ver = redis.call('HGET', KEYS[1], 'ver')
if expected == '0' then
  -- The claim was taken before the roomUuid index named this room; once it is gone (expired), the
  -- index may name another room, so this one must not be created any more.
  if ver or redis.call('DEL', KEYS[7]) == 0 then return {'conflict'} end
elseif ver ~= expected then
  return {'conflict'}
end
local newVer = (tonumber(ver) or 0) + 1
redis.call('HSET', KEYS[1], 'ver', newVer, 'doc', doc)
if ARGV[7] ~= '' then redis.call('HSET', KEYS[4], ARGV[7], ARGV[8]) end
local at = 10
for _ = 1, tonumber(ARGV[9]) do
  redis.call('HSET', KEYS[2], ARGV[at], ARGV[at + 2])
  redis.call('HSET', KEYS[3], ARGV[at + 1], ARGV[at])
  at = at + 3
end
local notices = tonumber(ARGV[at])
at = at + 1
local rtm = ARGV[at + 2 * notices]
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
for _ = 1, notices do
  seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  local message = '{"cmd":' .. ARGV[at] .. ',"version":1,"timestamp":' .. nowMs .. ',"seq":' .. seq .. ',"data":' .. ARGV[at + 1] .. '}'
  redis.call('RPUSH', KEYS[5], message)
  redis.call('PUBLISH', ARGV[5], message)
  if ARGV[6] == '1' then redis.call('RPUSH', KEYS[6], message) end
  if rtm ~= '' then redis.call('RPUSH', KEYS[8], rtm .. message .. '}') end
  at = at + 2
end
if notices > 0 then redis.call('LTRIM', KEYS[5], -tonumber(ARGV[4]), -1) end
return {'ok', newVer, seq}
