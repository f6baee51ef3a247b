--[[
  Starts (claim) or continues (next) a drain slice: returns the first events of the outbox.
  KEYS[1] school hash   KEYS[2] state hash   KEYS[3] outbox list
  ARGV[1] mode "claim" | "next"   ARGV[2] epoch (claim) or owner token (next)
  ARGV[3] new owner token (claim; next: the drainer's token for the wait, taken only when the
          school is left waiting: each wait has its own, so a message meant for an earlier wait
          wakes nothing)  ARGV[4] batch size  ARGV[5] now (ms)
  ARGV[6] event key prefix ("<prefix>:{s<sid>}:e:")  ARGV[7] "1": also each event's `tp` (tracing on)
  ARGV[8] (next only) the worker's wake channel: on an empty outbox the drainer keeps the school
          and waits (phase waiting) until an event is published to it there; absent or "": release
  Returns {"stale"} (another job owns the school), {"idle"} (outbox empty, drain released),
          {"waiting"} (outbox empty, the drainer keeps the school: ARGV[8]),
          {"held"} (school not active, drain released), or
          {"ok", endpointUrl, secret, id1, json1, attempts1, acceptedAtMs1, id2, ...}
          where json is false when the event record is gone; with ARGV[7] each event has a fifth
          value, its traceparent (false when it has none).
]]
--- @include "drain-state"
--- @include "arg-text"

-- now stays text: a number passed to redis.call costs a "%.17g" formatting (arg-text).
local mode, check, token, batch, nowMs, eventPrefix =
  ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]

if mode == 'claim' then
  if redis.call('HGET', KEYS[2], 'epoch') ~= check or redis.call('HGET', KEYS[2], 'sched') ~= '1' then
    return {'stale'}
  end
  redis.call('HSET', KEYS[2], 'owner', token, 'phase', 'draining', 'at', nowMs)
else
  local state = redis.call('HMGET', KEYS[2], 'owner', 'phase')
  if state[1] ~= check then
    -- The same call sent again after it left the drainer waiting (its first reply was lost): the
    -- school is the wait's token already; answer as the first call did.
    if ARGV[8] and ARGV[8] ~= '' and token ~= check and state[1] == token then return {'waiting'} end
    return {'stale'}
  end
  if state[2] == 'waiting' then redis.call('HSET', KEYS[2], 'phase', 'draining', 'wch', '', 'at', nowMs) end
end

local school = redis.call('HMGET', KEYS[1], 'status', 'url', 'secret')
if school[1] ~= 'active' then
  release(KEYS[2], nowMs)
  return {'held'}
end
local withTrace = ARGV[7] == '1'
local ids = redis.call('LRANGE', KEYS[3], '0', text(batch - 1))
if #ids == 0 then
  local channel = ARGV[8]
  if mode == 'next' and channel and channel ~= '' then
    redis.call('HSET', KEYS[2], 'phase', 'waiting', 'wch', channel, 'owner', token, 'at', nowMs)
    return {'waiting'}
  end
  release(KEYS[2], nowMs)
  return {'idle'}
end
local out = {'ok', school[2], school[3]}
for _, id in ipairs(ids) do
  local ev
  if withTrace then
    ev = redis.call('HMGET', eventPrefix .. id, 'ev', 'n', 'at', 'tp')
  else
    ev = redis.call('HMGET', eventPrefix .. id, 'ev', 'n', 'at')
  end
  table.insert(out, id)
  table.insert(out, ev[1])
  table.insert(out, ev[2] or '0')
  table.insert(out, ev[3] or '0')
  if withTrace then table.insert(out, ev[4]) end
end
return out
