-- Takes up to ARGV[3] calls at once from one GCRA limit, for a gateway to spend locally
-- (Turnpike, rateLimitMode: lease). KEYS[1]: the TAT in microseconds of Redis' clock.
-- ARGV[1]: emission interval in us; ARGV[2]: burst; ARGV[3]: calls wanted.
-- Returns {granted, retry-after us (when none granted), remaining after the grant, reset us}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = interval * tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local available = math.floor((now + tolerance - tat) / interval)
local granted = math.max(0, math.min(want, available))
local retry = 0
if granted > 0 then
  tat = tat + granted * interval
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
else
  retry = math.ceil(tat + interval - tolerance - now)
end
return {granted, retry, available - granted, math.ceil(tat - now)}
