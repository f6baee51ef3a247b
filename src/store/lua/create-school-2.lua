--[[
  Registers a school unless its sid is taken.
  KEYS[1] school hash   KEYS[2] its drain state hash
  ARGV[1] the school hash's fields, msgpack-packed by SchoolScripts.createSchool: {name = value
          (a string), ...}, subs among them
  The drain state gets the ingest's mirror of the school: hold "1" (not active yet) and subs (the
  subscriptions), so a batch's first look at a school is one read (see ingest-events).
  (The caller writes the global list of schools and the API key index before: single-key commands,
  so a Redis Cluster never sees them in one script; a crash in between leaves an index entry that
  points to no school, which reads as unknown.)
  Returns 1 when created, 0 when the sid exists.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local input = cmsgpack.unpack(ARGV[1])
local fields = {}
for name, value in pairs(input) do
  table.insert(fields, name)
  table.insert(fields, value)
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HSET', KEYS[2], 'hold', '1', 'subs', input.subs or '*')
return 1
