--[[
  Stores a run's plan: replaces its steps with new ones in 'pending', as a compare-and-set on the run.

  KEYS[1] run hash
  KEYS[2] the run's steps zset (step id by order)
  KEYS[3] step id -> run id index hash
  KEYS[4] the project's 'pending' steps index (zset)
  KEYS[5] the run's event stream
  KEYS[6] the project's event stream (every run's events in the project)
  KEYS[7] the project's Taiga task id -> step id hash
  KEYS[8 .. 7+n]        the new steps' hashes (n = ARGV[6])
  KEYS[8+n .. 7+n+2m]   for each old step (m = ARGV[7]): its hash, then the status index it is in

  ARGV[1] expected run status, ARGV[2] expected run version
  ARGV[3] JSON [field, value, ...] to set on the run (the plan summary)
  ARGV[4] JSON [field, value, ...] of the event
  ARGV[5] JSON {runId, steps: [{id, order, taskId ('' = none), fields: [field, value, ...]}]}
  ARGV[6] n, ARGV[7] m
  ARGV[8] run stream MAXLEN, ARGV[9] project stream MAXLEN, ARGV[10] now (ms since epoch)
  ARGV[11 .. 10+m] the old steps' ids, ARGV[11+m .. 10+2m] their Taiga task ids ('' = none)

  Returns {CODE_OK, newRunVersion, streamId} or the mismatch codes of transition.lua.
]]
--- @include "codes"
--- @include "hset-flat"
--- @include "append-event"

local current = redis.call('HMGET', KEYS[1], 'status', 'version')
if not current[1] then
  return {CODE_NOT_FOUND}
end
if current[1] ~= ARGV[1] then
  return {CODE_STATUS_MISMATCH, current[1], tonumber(current[2])}
end
if tonumber(current[2]) ~= tonumber(ARGV[2]) then
  return {CODE_VERSION_MISMATCH, current[1], tonumber(current[2])}
end

local n, m = tonumber(ARGV[6]), tonumber(ARGV[7])
for i = 1, m do
  local oldId = ARGV[10 + i]
  redis.call('DEL', KEYS[7 + n + 2 * i - 1])
  redis.call('ZREM', KEYS[7 + n + 2 * i], oldId)
  redis.call('HDEL', KEYS[3], oldId)
  if ARGV[10 + m + i] ~= '' then
    redis.call('HDEL', KEYS[7], ARGV[10 + m + i])
  end
end
redis.call('DEL', KEYS[2])

local plan = cjson.decode(ARGV[5])
for i, step in ipairs(plan.steps) do
  redis.call('HSET', KEYS[7 + i], 'status', 'pending', 'version', 1)
  hsetFlat(KEYS[7 + i], step.fields)
  redis.call('ZADD', KEYS[2], step.order, step.id)
  redis.call('HSET', KEYS[3], step.id, plan.runId)
  redis.call('ZADD', KEYS[4], ARGV[10], step.id)
  if step.taskId ~= '' then
    redis.call('HSET', KEYS[7], step.taskId, step.id)
  end
end

local newVersion = tonumber(current[2]) + 1
redis.call('HSET', KEYS[1], 'version', newVersion)
hsetFlat(KEYS[1], cjson.decode(ARGV[3]))
local streamId = appendEvent(KEYS[5], KEYS[6], ARGV[8], ARGV[9], ARGV[4], newVersion)
return {CODE_OK, newVersion, streamId}
