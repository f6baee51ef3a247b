--[[
  Records that a lesson-summary job finished, once: only the job of the current schedule version
  may settle it, and a pushed summary is never replaced.
  KEYS[1] class hash  KEYS[2] the class's in-class event list  KEYS[3] classes with a summary due
  ARGV[1] schedule version of the job  ARGV[2] state: "pushed" | "none" (nobody entered)
  ARGV[3] retention (s): how long the class's events stay once the summary is settled
  ARGV[4] the class's member in KEYS[3] ("<sid>/<classId>")
  Returns 1 when settled, 0 when the job was stale or the summary already settled.
]]
local state = redis.call('HGET', KEYS[1], 'summary')
if state == 'pushed' or state == 'none' then
  redis.call('ZREM', KEYS[3], ARGV[4])
  return 0
end
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'summary', ARGV[2], 'summaryAt', redis.call('TIME')[1])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('ZREM', KEYS[3], ARGV[4])
return 1
