--[[
  Ends a drain slice that still has work: the school goes to the back of the queue (fairness).
  KEYS[1] state hash
  ARGV[1] owner token  ARGV[2] now (ms)
  Returns the new epoch (add job d-<sid>-<epoch> now), or false when ownership was lost.
]]
--- @include "drain-state"

if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return false end
return reschedule(KEYS[1], 'queued', tonumber(ARGV[2]))
