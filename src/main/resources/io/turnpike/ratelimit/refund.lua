-- Gives back calls a gateway leased and did not spend before its lease ran out (rateLimitMode: lease).
-- KEYS[1]: the TAT in us; ARGV[1]: emission interval in us; ARGV[2]: calls given back.
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
tat = tat - tonumber(ARGV[1]) * tonumber(ARGV[2])
if tat <= now then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
end
return 1
