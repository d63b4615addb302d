--[[
  Takes, or renews, a run's execution slot in its project: the per-project concurrency limit. Slots whose lease
  ran out (an executor that died without releasing) are dropped first. Time is the server's, so executors with
  skewed clocks agree on what has expired.

  KEYS[1] slots: the project's slots (zset: member = run id, score = lease expiry in ms)

  ARGV[1] runId: the run
  ARGV[2] limit: the project's limit (concurrentRuns)
  ARGV[3] leaseMs: lease length in ms

  Returns
    1  admitted: the run holds a slot until now + ARGV[3] (a run that held one already is renewed)
    0  the project is full
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  return 1
end
return 0
