--[[
  Every change of a school's status goes through here, so the drain is woken exactly when the
  school becomes active with events waiting.
  KEYS[1] school hash  KEYS[2] state hash  KEYS[3] outbox list
  ARGV[1] action: "pause" | "resume" | "verifying" | "verified" | "unverified"
  ARGV[2] now (ms)  ARGV[3] verification id (verifying/verified/unverified)
  ARGV[4] error text (unverified)
  Returns {"missing"} (no such school), {"stale"} (an older verification answered),
          {"not_paused"} (resume of a school that is not paused),
          {"verify"} (resumed, but the endpoint was never verified: start a verification), or
          {"ok", status, epoch|false}: with an epoch the caller adds job d-<sid>-<epoch> now.
]]
--- @include "drain-state"

-- The school's status, mirrored into its drain state as `hold` ("1" = not active), with its
-- subscriptions: the settle script reads the state hash for every delivered event anyway, so a
-- pause stops a drain at its next acknowledgement without one more read per event, and the ingest
-- reads a school in one command (see ingest-events).
local function setStatus(status, ...)
  redis.call('HSET', KEYS[1], 'status', status, ...)
  redis.call('HSET', KEYS[2], 'hold', status == 'active' and '0' or '1', 'subs', redis.call('HGET', KEYS[1], 'subs') or '*')
end

local action, nowMs, verifyId, errorText = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'deleting' then return {'missing'} end

if action == 'pause' then
  setStatus('paused', 'updatedAt', nowMs)
  return {'ok', 'paused', false}
elseif action == 'resume' then
  if status ~= 'paused' then return {'not_paused'} end
  if redis.call('HGET', KEYS[1], 'verified') ~= '1' then
    setStatus('pending', 'updatedAt', nowMs)
    return {'verify'}
  end
  setStatus('active', 'updatedAt', nowMs)
  return {'ok', 'active', wake(KEYS[1], KEYS[2], KEYS[3], nowMs)}
elseif action == 'verifying' then
  redis.call('HSET', KEYS[1], 'verifyId', verifyId, 'verified', '0', 'updatedAt', nowMs)
  if status ~= 'paused' then setStatus('pending') end
  return {'ok', redis.call('HGET', KEYS[1], 'status'), false}
end

if redis.call('HGET', KEYS[1], 'verifyId') ~= verifyId then return {'stale'} end
if action == 'verified' then
  redis.call('HSET', KEYS[1], 'verified', '1', 'lastError', '', 'verifiedAt', nowMs)
  if status == 'paused' then return {'ok', 'paused', false} end
  setStatus('active')
  return {'ok', 'active', wake(KEYS[1], KEYS[2], KEYS[3], nowMs)}
end
redis.call('HSET', KEYS[1], 'verified', '0', 'lastError', errorText)
if status == 'paused' then return {'ok', 'paused', false} end
setStatus('verification_failed')
return {'ok', 'verification_failed', false}
