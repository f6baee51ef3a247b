-- Shared by the outbox scripts: the transitions of a school's drain state (its state hash). Every
-- field and every transition, with the scripts and modules that write them, is listed in one table
-- in src/store/drain-state.ts; the ones these functions write:
--   sched  "1" while exactly one drain job is queued, delayed or running for the school
--   epoch  +1 whenever a new drain job is created; a job whose epoch is not the current one is
--          stale and exits without pushing
--   owner  random token of the drainer currently pushing; every write checks it
--   phase  idle | queued | draining | waiting | retry_wait
--   at     when (ms) sched/phase last changed: the reconciler's age test
--   wch    while waiting: the Pub/Sub channel of the worker process whose drainer waits (it
--          lingers on an empty outbox; a new event is published to it as the drainer's token)

-- Wakes a drainer that is waiting on the school's empty outbox (phase waiting): publishes its
-- owner token on its worker's channel. A message lost on the way costs the drainer's wait (it
-- looks at the outbox again when the wait ends), nothing more.
local function notifyWaiting(phase, owner, channel)
  if phase == 'waiting' and owner and owner ~= '' and channel and channel ~= '' then
    redis.call('PUBLISH', channel, owner)
  end
end

-- Schedules a drain when the school is active, has queued events and none is scheduled (or wakes
-- the drainer waiting on the empty outbox). Returns the new epoch (the caller adds job
-- "d-<sid>-<epoch>") or false.
local function wake(schoolKey, stateKey, outboxKey, nowMs)
  if redis.call('HGET', schoolKey, 'status') ~= 'active' then return false end
  local st = redis.call('HMGET', stateKey, 'sched', 'phase', 'owner', 'wch')
  if st[1] == '1' then
    notifyWaiting(st[2], st[3], st[4])
    return false
  end
  if redis.call('LLEN', outboxKey) == 0 then return false end
  local epoch = redis.call('HINCRBY', stateKey, 'epoch', '1')
  redis.call('HSET', stateKey, 'sched', '1', 'phase', 'queued', 'owner', '', 'at', nowMs)
  return epoch
end

-- The school has nothing to push (or may not receive): no drain job exists any more.
local function release(stateKey, nowMs)
  redis.call('HSET', stateKey, 'sched', '0', 'phase', 'idle', 'owner', '', 'wch', '', 'at', nowMs)
end

-- Hands the school to a new drain job (yield for fairness, or wait for a retry).
local function reschedule(stateKey, phase, nowMs)
  local epoch = redis.call('HINCRBY', stateKey, 'epoch', '1')
  redis.call('HSET', stateKey, 'sched', '1', 'phase', phase, 'owner', '', 'wch', '', 'at', nowMs)
  return epoch
end

-- Appends one attempt record (a JSON object) to the event's attempt list, keeping the last `keep`.
local function recordAttempt(eventKey, attemptJson, keep)
  local n = redis.call('HINCRBY', eventKey, 'n', '1')
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
