--[[
  Records that a lesson-summary job finished, once: only the job of the current schedule version
  may settle it, and a pushed summary is never replaced.
  KEYS[1] class hash  KEYS[2] the class's in-class event list
  ARGV[1] schedule version of the job  ARGV[2] state: "pushed" | "none" (nobody entered)
  ARGV[3] retention (s): how long the class's events stay once the summary is settled
  Returns 1 when settled now, 2 when it was settled before, 0 when the job was stale. On 1 and 2 the
  caller removes the class from the global "summary due" index (a separate key: one slot per script).
]]
local state = redis.call('HGET', KEYS[1], 'summary')
if state == 'pushed' or state == 'none' then return 2 end
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'summary', ARGV[2], 'summaryAt', redis.call('TIME')[1])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
