-- Shared by the outbox scripts: the transitions of a school's drain state (its state hash). Every
-- field and every transition, with the scripts and modules that write them, is listed in one table
-- in src/store/drain-state.ts; the ones these functions write:
--   sched  "1" while exactly one drain job is queued, delayed or running for the school
--   epoch  +1 whenever a new drain job is created; a job whose epoch is not the current one is
--          stale and exits without pushing
--   owner  random token of the drainer currently pushing; every write checks it
--   phase  idle | queued | draining | retry_wait
--   at     when (ms) sched/phase last changed: the reconciler's age test

-- Schedules a drain when the school is active, has queued events and none is scheduled.
-- Returns the new epoch (the caller adds job "d-<sid>-<epoch>") or false.
local function wake(schoolKey, stateKey, outboxKey, nowMs)
  if redis.call('HGET', schoolKey, 'status') ~= 'active' then return false end
  if redis.call('HGET', stateKey, 'sched') == '1' then return false end
  if redis.call('LLEN', outboxKey) == 0 then return false end
  local epoch = redis.call('HINCRBY', stateKey, 'epoch', 1)
  redis.call('HSET', stateKey, 'sched', '1', 'phase', 'queued', 'owner', '', 'at', nowMs)
  return epoch
end

-- The school has nothing to push (or may not receive): no drain job exists any more.
local function release(stateKey, nowMs)
  redis.call('HSET', stateKey, 'sched', '0', 'phase', 'idle', 'owner', '', 'at', nowMs)
end

-- Hands the school to a new drain job (yield for fairness, or wait for a retry).
local function reschedule(stateKey, phase, nowMs)
  local epoch = redis.call('HINCRBY', stateKey, 'epoch', 1)
  redis.call('HSET', stateKey, 'sched', '1', 'phase', phase, 'owner', '', 'at', nowMs)
  return epoch
end

-- Appends one attempt record (a JSON object) to the event's attempt list, keeping the last `keep`.
local function recordAttempt(eventKey, attemptJson, keep)
  local n = redis.call('HINCRBY', eventKey, 'n', 1)
  local att = redis.call('HGET', eventKey, 'att')
  if not att or att == '' then
    att = '[' .. attemptJson .. ']'
  else
    att = string.sub(att, 1, -2) .. ',' .. attemptJson .. ']'
    if n > keep then
      local list = cjson.decode(att)
      while #list > keep do table.remove(list, 1) end
      att = cjson.encode(list)
    end
  end
  redis.call('HSET', eventKey, 'att', att)
  return n
end
