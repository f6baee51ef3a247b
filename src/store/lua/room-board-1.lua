--[[
  Records the whiteboard room of a room once (the first creator wins) and returns the one recorded.
  KEYS[1] room hash (doc, ver, seq, board)
  ARGV[1] the board uuid just created ('' = only read)
  Returns the recorded board uuid, '' when none, or false when the room does not exist (so a
  destroyed room's hash is never brought back by a late board write).
]]
if redis.call('HEXISTS', KEYS[1], 'doc') == 0 then return false end
if ARGV[1] ~= '' then redis.call('HSETNX', KEYS[1], 'board', ARGV[1]) end
return redis.call('HGET', KEYS[1], 'board') or ''
