--[[
  Reads a consistent snapshot of a room for one decision (the caller commits with room-commit and
  the version read here, so a decision made on stale data is retried).
  KEYS[1] room hash (doc, ver)   KEYS[2] users (userId → JSON)   KEYS[3] userUuid → userId
  KEYS[4] bans (userUuid → until ms)
  ARGV[1] userUuid to look up ('' for none)   ARGV[2] '1' = return every member
  ARGV[3..] userIds to return
  Returns {ver or '', doc or '', record of ARGV[1] or '', host record or '', ban until or '0', records…}
  (records: every member when ARGV[2] = '1', else one per ARGV[3..], '' when unknown).
]]
local ver = redis.call('HGET', KEYS[1], 'ver') or ''
local doc = redis.call('HGET', KEYS[1], 'doc') or ''
local byUuid, ban = '', '0'
if ARGV[1] ~= '' then
  local id = redis.call('HGET', KEYS[3], ARGV[1])
  if id then byUuid = redis.call('HGET', KEYS[2], id) or '' end
  ban = redis.call('HGET', KEYS[4], ARGV[1]) or '0'
end
local host = ''
if doc ~= '' then
  local hostId = cjson.decode(doc).hostUserId
  if hostId and hostId > 0 then host = redis.call('HGET', KEYS[2], string.format('%d', hostId)) or '' end
end
local out = {ver, doc, byUuid, host, ban}
if ARGV[2] == '1' then
  for _, record in ipairs(redis.call('HVALS', KEYS[2])) do out[#out + 1] = record end
else
  for i = 3, #ARGV do out[#out + 1] = redis.call('HGET', KEYS[2], ARGV[i]) or '' end
end
return out
