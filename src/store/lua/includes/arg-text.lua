-- A number passed to redis.call is turned into text with snprintf("%.17g") on Redis 7.0: about
-- 2,700 instructions for a millisecond time, 8.5 % of all Redis's instructions in a flood
-- (valgrind --tool=callgrind on redis-server; bench/README.md). The hot paths pass text instead:
-- a script formats what it writes many times (now, retention) once, and `text(n)` formats an
-- integer with "%d", small ones once per call (attempt counts, queue counts).
local smallText = {}
local function text(n)
  if n >= 0 and n < 16 then
    local s = smallText[n]
    if not s then
      s = string.format('%d', n)
      smallText[n] = s
    end
    return s
  end
  return string.format('%d', n)
end
