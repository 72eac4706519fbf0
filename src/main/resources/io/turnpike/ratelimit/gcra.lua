-- One call against several GCRA limits, all or nothing (Turnpike, rateLimitMode: exact).
-- KEYS[i]: the TAT of limit i for the call's key, in microseconds of Redis' clock.
-- ARGV[2i-1]: the limit's emission interval in microseconds; ARGV[2i]: its burst.
-- Returns {allowed (1|0), retry-after us, remaining_1, reset_1 us, remaining_2, reset_2 us, ...}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = #KEYS
local tats = {}
local ok = 1
local retry = 0
for i = 1, n do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = interval * tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i])) or now
  if tat < now then tat = now end
  local nxt = tat + interval
  if nxt - now > tolerance then
    ok = 0
    local wait = nxt - tolerance - now
    if wait > retry then retry = wait end
    tats[i] = tat
  else
    tats[i] = nxt
  end
end
local out = {ok, math.ceil(retry)}
for i = 1, n do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = interval * tonumber(ARGV[2 * i])
  local tat = tats[i]
  if ok == 0 then
    -- nothing is taken: the TATs stay as they were
    tat = math.max(tonumber(redis.call('GET', KEYS[i])) or now, now)
  else
    redis.call('SET', KEYS[i], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
  end
  out[2 * i + 1] = math.floor((now + tolerance - tat) / interval)
  out[2 * i + 2] = math.ceil(tat - now)
end
return out
