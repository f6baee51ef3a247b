#!lua flags=allow-cross-slot-keys
--[[
  Records the outcomes of pushing the heads of several schools: the acknowledgements that arrived
  during one turn of a worker's event loop, in one call, taken in order. On "delivered" a head is
  popped; on a failure it stays at the head and the school is handed to a delayed retry job. Each
  school's part is independent of the others'.
  On a single Redis one call may hold any schools; on a cluster the caller groups the schools by
  node (the flag above lets one script touch several schools' slots on one node).
  KEYS[1] the school hash of the first item (routes the script to its node)
  ARGV[1] the batch, msgpack-packed by OutboxScripts.settleHeads (SettleInput): {prefix, nowMs, retentionS (s),
          attemptsKept (per event), items = {{sid (a string), token (the drainer's), id (the head
          event), attempt (its JSON, "" for gone), outcome (delivered | gone | a failure), error (the
          failure's text), wch (absent, or the drainer's wake channel: when the delivered head
          was the last event of the outbox, the drainer keeps the school and waits, as fetch-head
          next does), nt (with wch: the drainer's token for that wait, its owner token from then
          on)}, ...}}
  Returns one reply per item, in order:
          {"stale"} (ownership lost: stop), {"moved"} (the head changed, e.g. skipped: refetch),
          {"ok"} (delivered), {"waiting"} (delivered, the outbox is empty and the drainer waits on
          wch), {"held"} (delivered, but the school is no longer active: stop),
          {"retry", headAttempts, epoch} (failure recorded; add job d-<sid>-<epoch> after the delay;
          the same failure sent again answers the same, so a retried batch loses no retry job)
]]
--- @include "key-schema"
--- @include "drain-state"
--- @include "arg-text"

local input = cmsgpack.unpack(ARGV[1])
local prefix, nowMs, retentionS, keep = input.prefix, input.nowMs, input.retentionS, input.attemptsKept
-- Written many times below: as text once (arg-text).
local now, retention, minute = text(nowMs), text(retentionS), math.floor(nowMs / 60000)
local minuteText = text(minute)

local function settle(sid, token, id, attempt, outcome, errorText, wakeChannel, waitToken)
  local tag = schoolTag(prefix, sid)
  local stateKey, outboxKey = tag .. KEY.state, tag .. KEY.outbox
  local eventKey, perMinuteKey = tag .. KEY.eventPrefix .. id, tag .. KEY.perMinute
  -- The hot path (one delivered event) is kept to 7 commands: the state is read once and written
  -- once, the head is popped without a separate look, and the event record is read once.
  -- hold: "1" once the school is no longer active (set-school-status mirrors its status here).
  local state = redis.call('HMGET', stateKey, 'owner', 'headAttempts', 'headFailingSince', 'delivered', 'hold', 'retryOf')
  if state[1] ~= token then
    -- The same delivery sent again after it left the drainer waiting (its first call's reply was
    -- lost): the school is the wait token's already; answer as the first call did.
    if waitToken and waitToken ~= '' and state[1] == waitToken then return {'waiting'} end
    -- The same failure sent again (its first call's reply was lost, e.g. a batch that failed
    -- part-way on a cluster): answer as the first call did, so the drainer adds the retry job.
    if outcome ~= 'delivered' and state[6] == token .. '/' .. id then
      local reply = redis.call('HGET', stateKey, 'retryReply') or ''
      local slash = string.find(reply, '/', 1, true)
      if slash then return {'retry', tonumber(string.sub(reply, 1, slash - 1)), tonumber(string.sub(reply, slash + 1))} end
    end
    return {'stale'}
  end

  if outcome ~= 'delivered' then
    if redis.call('LINDEX', outboxKey, 0) ~= id then return {'moved'} end
    if outcome == 'gone' then
      redis.call('LPOP', outboxKey)
      return {'ok'}
    end
  else
    local head = redis.call('LPOP', outboxKey)
    if head ~= id then
      -- Skipped or requeued meanwhile: put the head back and let the drainer look again.
      if head then redis.call('LPUSH', outboxKey, head) end
      return {'moved'}
    end

    -- One read of the event record: attempts so far, their count, how often it is still queued
    -- (a fresh record has none of these fields: no attempt yet, queued once) and `at`, which every
    -- record has (absent: the record is gone).
    local record = redis.call('HMGET', eventKey, 'att', 'n', 'q', 'at')
    if record[4] then
      -- The attempt list, the count, the status and the queue count in one write.
      local n = tonumber(record[2] or '0') + 1
      local att = (record[1] and record[1] ~= '') and (string.sub(record[1], 1, -2) .. ',' .. attempt .. ']') or ('[' .. attempt .. ']')
      if n > keep then
        local list = cjson.decode(att)
        while #list > keep do table.remove(list, 1) end
        att = cjson.encode(list)
      end
      local q = tonumber(record[3] or '1') - 1
      redis.call('HSET', eventKey, 'n', text(n), 'att', att, 'st', 'delivered', 'dAt', now, 'q', text(q))
      -- Still queued again later (redeliver/replay)? Then it must outlive its retention.
      if q <= 0 then
        redis.call('EXPIRE', eventKey, retention)
      end
    end

    -- Deliveries per minute: field = the minute's number. A minute's first delivery also drops the
    -- fields older than an hour (a busy school keeps about 61) and renews the key's life.
    if redis.call('HINCRBY', perMinuteKey, minuteText, '1') == 1 then
      redis.call('EXPIRE', perMinuteKey, '7200')
      if redis.call('HLEN', perMinuteKey) > 61 then
        for _, field in ipairs(redis.call('HKEYS', perMinuteKey)) do
          local m = tonumber(field)
          if not m or m <= minute - 60 then redis.call('HDEL', perMinuteKey, field) end
        end
      end
    end

    local delivered = tonumber(state[4] or '0') + 1
    if (state[2] and state[2] ~= '0') or (state[3] and state[3] ~= '') then
      redis.call('HSET', stateKey, 'delivered', text(delivered), 'lastDeliveredAt', now, 'headAttempts', '0', 'headFailingSince', '')
    else
      redis.call('HSET', stateKey, 'delivered', text(delivered), 'lastDeliveredAt', now)
    end
    if state[5] == '1' then
      release(stateKey, now)
      return {'held'}
    end
    -- The last event of the outbox: the drainer waits for the next one without another fetch.
    if wakeChannel and wakeChannel ~= '' and redis.call('LLEN', outboxKey) == 0 then
      redis.call('HSET', stateKey, 'phase', 'waiting', 'wch', wakeChannel, 'owner', waitToken or token, 'at', now)
      return {'waiting'}
    end
    return {'ok'}
  end

  local exists = redis.call('EXISTS', eventKey) == 1
  if exists then
    recordAttempt(eventKey, attempt, keep)
    redis.call('HSET', eventKey, 'st', 'failing')
  end
  redis.call('HINCRBY', stateKey, 'failedAttempts', '1')
  local headAttempts = redis.call('HINCRBY', stateKey, 'headAttempts', '1')
  if not state[3] or state[3] == '' then redis.call('HSET', stateKey, 'headFailingSince', now) end
  local epoch = reschedule(stateKey, 'retry_wait', now)
  redis.call('HSET', stateKey, 'lastError', errorText, 'lastErrorAt', now, 'retryOf', token .. '/' .. id, 'retryReply', headAttempts .. '/' .. epoch)
  return {'retry', headAttempts, epoch}
end

local replies = {}
for i, item in ipairs(input.items) do
  replies[i] = settle(item.sid, item.token, item.id, item.attempt, item.outcome, item.error, item.wch, item.nt)
end
return replies
