--[[
  Accepts a batch of events for one app, all or nothing: every check runs before any write.
  KEYS: none — keys are derived from ARGV[1] because a batch spans schools (standalone Redis).
  ARGV[1] key prefix        ARGV[2] now (ms)        ARGV[3] app id
  ARGV[4] retention (s) for events that are stored but never pushed
  ARGV[5] number of events, then 7 values per event:
          id, sid, indexed ("1" = id chosen by the client: checked for idempotency), type,
          event JSON, class list key ("" or the list of the class's in-class event ids, kept for
          the lesson summary), sample key ("" or a list where the raw event is appended instead
          of being stored and pushed: network samples, aggregated later)
  Returns {"ok", {accepted ids}, {duplicate ids}, {sid, epoch, ...}, {sample keys started}}
       or {"no_school", sid} | {"id_taken", id} (nothing written)
]]
--- @include "drain-state"

local prefix, nowMs, appId, retentionS = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local count = tonumber(ARGV[5])
local schedKey = prefix .. ':sched'
local WIDTH = 7

local function tag(sid) return prefix .. ':{s' .. sid .. '}' end

-- Pass 1: checks only.
local duplicate = {}
local seen = {}
for i = 0, count - 1 do
  local base = 6 + i * WIDTH
  local id, sid, indexed = ARGV[base], ARGV[base + 1], ARGV[base + 2]
  if redis.call('EXISTS', tag(sid) .. ':school') == 0 then return {'no_school', sid} end
  if seen[id] then
    duplicate[i] = true
  elseif indexed == '1' then
    local owner = redis.call('GET', prefix .. ':eid:' .. id)
    if owner then
      if string.sub(owner, 1, #appId + 1) ~= appId .. ' ' then return {'id_taken', id} end
      duplicate[i] = true
    end
  end
  seen[id] = true
end

-- Pass 2: writes. Log scores are microsecond-like integers that only grow (now * 1000, or one
-- more than the last), so events accepted in the same millisecond keep their arrival order.
local scoreKey = prefix .. ':logscore'
local score = math.max(nowMs * 1000, tonumber(redis.call('GET', scoreKey) or '0'))
local accepted, duplicates, touched, touchedOrder, samplesStarted = {}, {}, {}, {}, {}

local function store(id, sid, indexed, etype, json, classKey)
  local t = tag(sid)
  local eventKey = t .. ':e:' .. id
  local subs = redis.call('HGET', t .. ':school', 'subs')
  local pushed = subs == '*' or (subs and string.find(subs, ',' .. etype .. ',', 1, true) ~= nil)
  -- q: how many times the id stands in the outbox (a redelivery queues it again).
  redis.call('HSET', eventKey, 'app', appId, 'type', etype, 'at', nowMs, 'ev', json, 'n', 0,
    'st', pushed and 'pending' or 'unsubscribed', 'q', pushed and 1 or 0)
  if indexed == '1' then redis.call('SET', prefix .. ':eid:' .. id, appId .. ' ' .. sid) end
  if classKey ~= '' then
    redis.call('RPUSH', classKey, id)
    -- Rolling: a class's list lives while events keep coming; the summary shortens it.
    redis.call('EXPIRE', classKey, retentionS * 2)
  end
  if pushed then
    score = score + 1
    redis.call('RPUSH', t .. ':q', id)
    redis.call('ZADD', t .. ':log', score, id)
    redis.call('ZADD', prefix .. ':log', score, sid .. '/' .. id)
    if not touched[sid] then touched[sid] = true; table.insert(touchedOrder, sid) end
  else
    redis.call('EXPIRE', eventKey, retentionS)
    if indexed == '1' then redis.call('EXPIRE', prefix .. ':eid:' .. id, retentionS) end
  end
end

for i = 0, count - 1 do
  local base = 6 + i * WIDTH
  local id, sid, indexed, etype, json = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3], ARGV[base + 4]
  local classKey, sampleKey = ARGV[base + 5], ARGV[base + 6]
  if duplicate[i] then
    table.insert(duplicates, id)
  elseif sampleKey ~= '' then
    if redis.call('RPUSH', sampleKey, json) == 1 then table.insert(samplesStarted, sampleKey) end
    redis.call('EXPIRE', sampleKey, retentionS)
    if indexed == '1' then redis.call('SET', prefix .. ':eid:' .. id, appId .. ' ' .. sid, 'EX', retentionS) end
    table.insert(accepted, id)
  else
    store(id, sid, indexed, etype, json, classKey)
    table.insert(accepted, id)
  end
end
redis.call('SET', scoreKey, string.format('%d', score))

local wakes = {}
for _, sid in ipairs(touchedOrder) do
  local t = tag(sid)
  local epoch = wake(t .. ':school', t .. ':st', t .. ':q', schedKey, sid, nowMs)
  if epoch then table.insert(wakes, sid); table.insert(wakes, epoch) end
end
return {'ok', accepted, duplicates, wakes, samplesStarted}
