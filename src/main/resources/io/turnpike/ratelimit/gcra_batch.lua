-- Several calls, each against its GCRA limits all or nothing, in arrival order (Turnpike,
-- rateLimitMode: exact; one script for the calls an event loop read in one pass).
-- KEYS: the keys of call 1's limits, then call 2's, ... (TATs in microseconds of Redis' clock).
-- ARGV[1]: the number of calls; then per call: its number of limits n, then n pairs
-- (emission interval in us, burst).
-- Returns per call: {allowed (1|0), retry-after us, then per limit: remaining, reset us}, flat.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tats = {}
local dirty = {}
local function tat_of(key)
  local v = tats[key]
  if v == nil then
    v = tonumber(redis.call('GET', key)) or now
    if v < now then v = now end
    tats[key] = v
  end
  return v
end
local out = {}
local a = 2
local k = 1
for c = 1, tonumber(ARGV[1]) do
  local n = tonumber(ARGV[a])
  a = a + 1
  local ok = 1
  local retry = 0
  local nxt = {}
  for i = 0, n - 1 do
    local interval = tonumber(ARGV[a + 2 * i])
    local tolerance = interval * tonumber(ARGV[a + 2 * i + 1])
    nxt[i] = tat_of(KEYS[k + i]) + interval
    if nxt[i] - now > tolerance then
      ok = 0
      local wait = nxt[i] - tolerance - now
      if wait > retry then retry = wait end
    end
  end
  out[#out + 1] = ok
  out[#out + 1] = math.ceil(retry)
  for i = 0, n - 1 do
    local interval = tonumber(ARGV[a + 2 * i])
    local tolerance = interval * tonumber(ARGV[a + 2 * i + 1])
    local key = KEYS[k + i]
    if ok == 1 then
      tats[key] = nxt[i]
      dirty[key] = true
    end
    local tat = tats[key]
    out[#out + 1] = math.floor((now + tolerance - tat) / interval)
    out[#out + 1] = math.ceil(tat - now)
  end
  a = a + 2 * n
  k = k + n
end
for key, _ in pairs(dirty) do
  local tat = tats[key]
  redis.call('SET', key, string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
end
return out
