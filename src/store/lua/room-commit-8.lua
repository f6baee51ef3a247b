--[[
  Commits one decision on a room if nothing changed since its snapshot, and broadcasts its
  notifications in order: each gets the next seq, goes to the replay buffer, is published, and (for
  a room linked to a school) is queued for the relay and (with RTM notifications on) for RTM. Only
  the room's own keys (one cluster slot):
  the caller updates the heartbeats, the roomUuid index and the set of rooms to relay around it.
  KEYS[1] room hash (doc, ver, seq)   KEYS[2] users   KEYS[3] userUuid → userId   KEYS[4] bans
  KEYS[5] replay buffer (list)   KEYS[6] relay queue (list)   KEYS[7] creation claim (string)
  KEYS[8] RTM queue (list; entries `<ARGV rtm prefix><message>}`)
  ARGV[1] the commit, msgpack-packed by RoomScripts.roomCommit (RoomCommitInput): {expectedVer ('0' =
          create the room: it must not exist and its claim must still be held), doc (the new room
          JSON), nowMs (a string), bufferSize (replay buffer), channel (pub/sub), linked (to a
          school), banUuid ('' none), banUntilMs, members = {{userId (a string), userUuid, json}, ...},
          notices = {{cmd, data (JSON)}, ...}, rtmPrefix ('' = RTM notifications off, e.g.
          `{"channel":"<name>","message":`)}
  Returns {'ok', new ver, last seq} | {'conflict'}
]]
local input = cmsgpack.unpack(ARGV[1])
local expected, doc, nowMs = input.expectedVer, input.doc, input.nowMs
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
if input.banUuid ~= '' then redis.call('HSET', KEYS[4], input.banUuid, input.banUntilMs) end
for _, m in ipairs(input.members) do
  redis.call('HSET', KEYS[2], m.userId, m.json)
  redis.call('HSET', KEYS[3], m.userUuid, m.userId)
end
local rtm = input.rtmPrefix
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
for _, n in ipairs(input.notices) do
  seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  local message = '{"cmd":' .. n.cmd .. ',"version":1,"timestamp":' .. nowMs .. ',"seq":' .. seq .. ',"data":' .. n.data .. '}'
  redis.call('RPUSH', KEYS[5], message)
  redis.call('PUBLISH', input.channel, message)
  if input.linked then redis.call('RPUSH', KEYS[6], message) end
  if rtm ~= '' then redis.call('RPUSH', KEYS[8], rtm .. message .. '}') end
end
if #input.notices > 0 then redis.call('LTRIM', KEYS[5], -input.bufferSize, -1) end
return {'ok', newVer, seq}
