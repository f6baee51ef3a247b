#!lua flags=allow-cross-slot-keys
--[[
  Accepts the events of one app's batch whose schools live on this Redis node (on a single Redis,
  the whole batch; on a cluster, the caller splits the batch by node: the flag above lets one
  script touch several schools' slots as long as one node serves them all).
  KEYS[1] the school hash of the first event (routes the script to its node)
  ARGV[1] the batch, msgpack-packed by OutboxScripts.ingestEvents (IngestInput): {prefix, nowMs, appId,
          retentionS (for events stored but never pushed), mode, events = {{id, sid (a string),
          indexed (the id was chosen by the client), type, json (the event), classKey ("" or the
          list of the class's in-class event ids, kept for the lesson summary), sampleKey ("" or a
          list where the raw event is appended instead of being stored and pushed: network samples,
          aggregated later), tp (absent, or the W3C traceparent to store as field `tp`: tracing
          on)}, ...}, handoff (0: off; else at most this many events are handed over to a
          waiting drainer, see below)}
  mode: "strict" = check every event, then write all or nothing
        "check"  = check only, write nothing (first step of a batch that spans nodes)
        "apply"  = write every event that passes, skip the others (a journaled batch)
  An id is taken when the school already holds an event (or sample marker) with that id: from the
  same app it is a duplicate, from another app a conflict. Only client-chosen ids record their app
  (an assigned id is new by construction: finding it again means a journaled batch re-applied).
  A fresh event record holds only what cannot be implied, to keep queued events small: `ev` (the
  event JSON, which has the type), `at`, `app` for client-chosen ids, and `tp` only when the event
  carries a trace context (tracing on); no `st` means pending,
  no `n` no attempt yet, no `q` queued once.
  Handover: when a school's drainer waits on its empty outbox (phase waiting) and the outbox was
  still empty before this batch, the batch's first `handoff` events of the school are its head:
  they are published to the drainer's wake channel with the endpoint and secret, as a msgpack array
  {owner token, url, secret, accepted at (ms), id1, json1, tp1 ("" for none), id2, ...}, and the
  school is back to draining, so the drainer pushes them without a fetch. Otherwise (an outbox that
  held requeued events, or handoff 0) the drainer is only woken (its owner token is published) and
  fetches. A message lost on the way costs the drainer its wait: it then fetches the same events.
  Returns {"ok", {accepted ids}, {duplicate ids}, {sid, epoch, ...}, {sample keys started},
           {sid, newest log entry's ms, ...} (only schools whose newest entry moved into a new
           second: the all-schools log reads the hint with a second of slack),
           {skipped ids (apply mode)}}
       or {"no_school", sid} | {"id_taken", id} (strict and check modes; nothing written)
]]
--- @include "key-schema"
--- @include "drain-state"
--- @include "arg-text"

local input = cmsgpack.unpack(ARGV[1])
local prefix, nowMs, appId, retentionS, mode = input.prefix, input.nowMs, input.appId, input.retentionS, input.mode
-- Written once per event or school below: as text once (arg-text).
local now, retention, classRetention = text(nowMs), text(retentionS), text(retentionS * 2)
local handoffMax = tonumber(input.handoff or 0)
local events = input.events
local count = #events

local function tag(sid) return schoolTag(prefix, sid) end

-- What the batch needs of each school, read once: {status, subs, sched, ls} (status false: no
-- such school).
local schools = {}
local function school(sid)
  local s = schools[sid]
  if not s then
    local t = tag(sid)
    -- The drain state mirrors the school's status (hold) and subscriptions (create-school,
    -- set-school-status, SchoolStore.update): one read. A school without the mirror (registered
    -- before it existed) is read from its own hash.
    local st = redis.call('HMGET', t .. KEY.state, 'sched', 'ls', 'hold', 'subs', 'deleting', 'phase', 'owner', 'wch')
    local status, subs = nil, st[4]
    if st[5] == '1' then
      -- Being deleted (mark-school-deleting): the school is gone.
      status = nil
    elseif st[3] and subs then
      status = st[3] == '0' and 'active' or 'inactive'
    else
      local h = redis.call('HMGET', t .. KEY.school, 'status', 'subs')
      status, subs = h[1], h[2]
      if status == 'deleting' then status = nil end
    end
    s = {status = status, subs = subs, sched = st[1], ls = tonumber(st[2] or '0'), phase = st[6], owner = st[7], wch = st[8]}
    schools[sid] = s
  end
  return s
end

-- Checks one event: nil when it may be written, 'duplicate', or an error {kind, value}.
local seen = {}
local function check(id, sid, indexed)
  if not school(sid).status then return {'no_school', sid} end
  local key = sid .. '/' .. id
  if seen[key] then return 'duplicate' end
  seen[key] = true
  -- An id classbell just assigned cannot exist yet, unless a journaled batch is applied again.
  if not indexed and mode ~= 'apply' then return nil end
  local eventKey = tag(sid) .. KEY.eventPrefix .. id
  local owner = redis.call('HGET', eventKey, 'app')
  if owner then
    if owner ~= appId then return {'id_taken', id} end
    return 'duplicate'
  end
  if redis.call('EXISTS', eventKey) == 1 then return 'duplicate' end
  return nil
end

local verdicts = {}
for i = 1, count do
  local e = events[i]
  local verdict = check(e.id, e.sid, e.indexed)
  if type(verdict) == 'table' and mode ~= 'apply' then return verdict end
  verdicts[i] = verdict
end
if mode == 'check' then return {'ok'} end

-- Writes. The delivery log is a stream per school whose entry ids are "<acceptance ms>-<seq>":
-- the ms never goes back within a school (a slower API clock reuses the last one), and Redis
-- numbers the entries of one ms in order, so the log keeps the acceptance order.
local accepted, duplicates, skipped, samplesStarted = {}, {}, {}, {}
local touched, touchedOrder, logMs = {}, {}, {}

-- The ids for each list (outboxes, class lists) are gathered in order and appended with one RPUSH
-- per list at the end: a batch usually holds several events of each school.
local lists, listOrder, rolling, lengths = {}, {}, {}, {}
-- Per school, the indexes (into events) of the events appended to its outbox, in order.
local pushedOf = {}
local function append(key, id)
  local ids = lists[key]
  if not ids then
    ids = {}
    lists[key] = ids
    table.insert(listOrder, key)
  end
  ids[#ids + 1] = id
end

local function logEntryMs(sid)
  local ms = logMs[sid]
  if not ms then
    ms = math.max(nowMs, school(sid).ls)
    logMs[sid] = ms
  end
  return string.format('%d', ms)
end

local function store(i, id, sid, indexed, etype, json, classKey, tp)
  local t = tag(sid)
  local eventKey = t .. KEY.eventPrefix .. id
  local subs = school(sid).subs
  local pushed = subs == '*' or (subs and string.find(subs, ',' .. etype .. ',', 1, true) ~= nil)
  if tp then
    redis.call('HSET', eventKey, 'ev', json, 'at', now, 'tp', tp)
  else
    redis.call('HSET', eventKey, 'ev', json, 'at', now)
  end
  if indexed then redis.call('HSET', eventKey, 'app', appId) end
  -- q: how many times the id stands in the outbox (a redelivery queues it again).
  if not pushed then redis.call('HSET', eventKey, 'st', 'unsubscribed', 'q', '0') end
  if classKey ~= '' then
    append(classKey, id)
    rolling[classKey] = true
  end
  if pushed then
    append(t .. KEY.outbox, id)
    local pushedIdx = pushedOf[sid]
    if not pushedIdx then
      pushedIdx = {}
      pushedOf[sid] = pushedIdx
    end
    pushedIdx[#pushedIdx + 1] = i
    redis.call('XADD', t .. KEY.log, logEntryMs(sid) .. '-*', 'i', id)
    if not touched[sid] then touched[sid] = true; table.insert(touchedOrder, sid) end
  else
    redis.call('EXPIRE', eventKey, retention)
  end
end

for i = 1, count do
  local e = events[i]
  local id, sid, indexed, etype, json = e.id, e.sid, e.indexed, e.type, e.json
  local classKey, sampleKey = e.classKey, e.sampleKey
  local verdict = verdicts[i]
  if verdict == 'duplicate' then
    table.insert(duplicates, id)
  elseif type(verdict) == 'table' then
    table.insert(skipped, id)
  elseif sampleKey ~= '' then
    if redis.call('RPUSH', sampleKey, json) == 1 then
      table.insert(samplesStarted, sampleKey)
      -- Noted with the first sample, so a Net report job lost before it was added is found again.
      redis.call('ZADD', tag(sid) .. KEY.netDue, now, sampleKey)
    end
    redis.call('EXPIRE', sampleKey, retention)
    if indexed then
      -- A marker, so the same id is recognised when posted again.
      local marker = tag(sid) .. KEY.eventPrefix .. id
      redis.call('HSET', marker, 'app', appId, 'st', 'sample', 'at', now)
      redis.call('EXPIRE', marker, retention)
    end
    table.insert(accepted, id)
  else
    store(i, id, sid, indexed, etype, json, classKey, e.tp)
    table.insert(accepted, id)
  end
end

for _, key in ipairs(listOrder) do
  local ids = lists[key]
  for i = 1, #ids, 1000 do lengths[key] = redis.call('RPUSH', key, unpack(ids, i, math.min(i + 999, #ids))) end
  -- Rolling: a class's list lives while events keep coming (renewed once per batch); the summary
  -- shortens it.
  if rolling[key] then redis.call('EXPIRE', key, classRetention) end
end

-- Hands the school's new events to its waiting drainer (see Handover above); false when it may not.
local function handOff(sid, s, stateKey, ms)
  if handoffMax <= 0 or s.phase ~= 'waiting' or not s.owner or s.owner == '' or not s.wch or s.wch == '' then return false end
  local t = tag(sid)
  local outboxKey = t .. KEY.outbox
  local ids = lists[outboxKey]
  -- The outbox held nothing before this batch: its head is this batch's first event of the school.
  if not ids or lengths[outboxKey] ~= #ids then return false end
  local school = redis.call('HMGET', t .. KEY.school, 'url', 'secret')
  local message = {s.owner, school[1] or '', school[2] or '', now}
  local pushedIdx = pushedOf[sid]
  for k = 1, math.min(#pushedIdx, handoffMax) do
    local e = events[pushedIdx[k]]
    message[#message + 1] = e.id
    message[#message + 1] = e.json
    message[#message + 1] = e.tp or ''
  end
  redis.call('HSET', stateKey, 'ls', ms, 'phase', 'draining', 'wch', '', 'at', now)
  redis.call('PUBLISH', s.wch, cmsgpack.pack(message))
  return true
end

local wakes, activity = {}, {}
for _, sid in ipairs(touchedOrder) do
  local stateKey = tag(sid) .. KEY.state
  local s = school(sid)
  local ms = string.format('%d', logMs[sid])
  if math.floor(logMs[sid] / 1000) > math.floor(s.ls / 1000) then
    table.insert(activity, sid)
    table.insert(activity, ms)
  end
  -- wake() of drain-state, with what was read above: the outbox just got events.
  if s.status == 'active' and s.sched ~= '1' then
    local epoch = redis.call('HINCRBY', stateKey, 'epoch', '1')
    redis.call('HSET', stateKey, 'sched', '1', 'phase', 'queued', 'owner', '', 'at', now, 'ls', ms)
    table.insert(wakes, sid)
    table.insert(wakes, epoch)
  elseif not (s.status == 'active' and handOff(sid, s, stateKey, ms)) then
    redis.call('HSET', stateKey, 'ls', ms)
    -- A drainer lingering on the school's empty outbox takes the events at once.
    if s.status == 'active' then notifyWaiting(s.phase, s.owner, s.wch) end
  end
end
return {'ok', accepted, duplicates, wakes, samplesStarted, activity, skipped}
