-- Holds a call's units against a plan quota counted by the whole fleet (Turnpike, cluster.redis).
-- KEYS[1]: the consumer's counter for one plan period, a hash {used, held}.
-- ARGV[1]: the call's cost; ARGV[2]: the quota; ARGV[3]: the key's time to live in ms (to past
-- the period's end); ARGV[4]: units this node let through while Redis was unreachable, not yet
-- counted here (may be negative); ARGV[5]: the ledger's units for the period, or '' when not read.
-- Returns {1, used, held} when the units are held (held includes them), {0, used, held} when they
-- do not fit, {-1, 0, 0} when the counter does not exist and no seed was given: the caller reads
-- the ledger and asks again with ARGV[5]. A seed never overwrites a counter another node made.
local k = KEYS[1]
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
if redis.call('EXISTS', k) == 0 then
  if ARGV[5] == '' then return {-1, 0, 0} end
  -- the ledger already has what the node owed, so only the seed counts
  redis.call('HSET', k, 'used', tonumber(ARGV[5]), 'held', 0)
  redis.call('PEXPIRE', k, tonumber(ARGV[3]))
else
  local owed = tonumber(ARGV[4])
  if owed ~= 0 and redis.call('HINCRBY', k, 'used', owed) < 0 then redis.call('HSET', k, 'used', 0) end
end
local used = tonumber(redis.call('HGET', k, 'used')) or 0
local held = tonumber(redis.call('HGET', k, 'held')) or 0
if used + held + cost <= limit then
  held = redis.call('HINCRBY', k, 'held', cost)
  return {1, used, held}
end
return {0, used, held}
