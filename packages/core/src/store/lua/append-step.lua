--[[
  Appends one 'pending' step to a run's plan (a fix-up step asked for in review), while the run is in the expected
  status. Idempotent: a step id that exists already changes nothing (a retried job asks for the same id).

  KEYS[1] run: the run hash
  KEYS[2] runSteps: the run's steps zset (step id by order)
  KEYS[3] stepIndex: the step id -> run id index hash (in the run's slot: the step id carries its tag)
  KEYS[4] pendingSteps: the project's 'pending' steps index (zset)
  KEYS[5] step: the new step's hash
  KEYS[6] runEvents: the run's event stream
  KEYS[7] projectEvents: the project's event stream (every run's events in the project)
  KEYS[8] taskSteps: the project's Taiga task id -> step id hash

  ARGV[1] expectedStatus: the run's status the step may be appended in
  ARGV[2] stepId: the new step's id
  ARGV[3] order: its place in the plan
  ARGV[4] fields: JSON [field, value, ...] of the step (status and version are set here)
  ARGV[5] event: JSON [field, value, ...] of the event (step_run.appended)
  ARGV[6] runMaxLen: run stream MAXLEN
  ARGV[7] projectMaxLen: project stream MAXLEN
  ARGV[8] now: ms since epoch
  ARGV[9] runId: the run's id
  ARGV[10] taskId: the step's Taiga task id ('' = none)

  Returns {CODE_OK, 1, streamId, field1, value1, ...} (the step as written), {CODE_EXISTS}, {CODE_NOT_FOUND} or
  {CODE_STATUS_MISMATCH, status, version}.
]]
--- @include "codes"
--- @include "hset-flat"
--- @include "append-event"

local current = redis.call('HMGET', KEYS[1], 'status', 'version')
if not current[1] then
  return {CODE_NOT_FOUND}
end
if redis.call('EXISTS', KEYS[5]) == 1 then
  return {CODE_EXISTS}
end
if current[1] ~= ARGV[1] then
  return {CODE_STATUS_MISMATCH, current[1], tonumber(current[2])}
end

redis.call('HSET', KEYS[5], 'status', 'pending', 'version', 1)
hsetFlat(KEYS[5], cjson.decode(ARGV[4]))
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), ARGV[2])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[9])
redis.call('ZADD', KEYS[4], ARGV[8], ARGV[2])
if ARGV[10] ~= '' then
  redis.call('HSET', KEYS[8], ARGV[10], ARGV[2])
end
local streamId = appendEvent(KEYS[6], KEYS[7], ARGV[6], ARGV[7], ARGV[5], 1)
local reply = {CODE_OK, 1, streamId}
for _, value in ipairs(redis.call('HGETALL', KEYS[5])) do
  reply[#reply + 1] = value
end
return reply
