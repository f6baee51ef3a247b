--[[
  Hands a school whose drainer died (its worker process's Redis connections are gone) while its
  job was queued, draining or waiting on an empty outbox to a new drain job at once, instead of
  after the dead job's lock lapses.
  KEYS[1] state hash
  ARGV[1] the dead job's epoch  ARGV[2] now (ms)
  Returns the new epoch (add job d-<sid>-<epoch> now), or false when the dead job is not the
  school's current one any more (it yielded, failed or was already taken over).
]]
--- @include "drain-state"

local state = redis.call('HMGET', KEYS[1], 'epoch', 'sched', 'phase')
if state[1] ~= ARGV[1] or state[2] ~= '1' then return false end
if state[3] ~= 'draining' and state[3] ~= 'queued' and state[3] ~= 'waiting' then return false end
return reschedule(KEYS[1], 'queued', tonumber(ARGV[2]))
