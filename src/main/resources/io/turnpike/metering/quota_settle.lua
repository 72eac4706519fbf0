-- Settles what quota_reserve.lua held for a call that ended (Turnpike, cluster.redis).
-- KEYS[1]: the consumer's counter for the plan period; ARGV[1]: the units held for the call;
-- ARGV[2]: the units billed (0: not billable, the hold is given back).
-- A counter that is gone (expired, or Redis restarted) is left alone: the next call seeds it from
-- the ledger, which has this call once it is billed. Returns {used, held} after, or {-1, -1}.
local k = KEYS[1]
if redis.call('EXISTS', k) == 0 then return {-1, -1} end
local held = redis.call('HINCRBY', k, 'held', -tonumber(ARGV[1]))
if held < 0 then
  redis.call('HSET', k, 'held', 0)
  held = 0
end
local used = tonumber(redis.call('HGET', k, 'used')) or 0
local billed = tonumber(ARGV[2])
if billed ~= 0 then used = redis.call('HINCRBY', k, 'used', billed) end
return {used, held}
