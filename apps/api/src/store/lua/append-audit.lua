--[[
  Records an operator's request about a step that is not a state change (run it, run its QA) in the run's event
  stream, once per idempotency key, if the step and its run are in the states the request needs.
  KEYS[1] step: step hash
  KEYS[2] run: run hash
  KEYS[3] runEvents: the run's event stream
  KEYS[4] projectEvents: the project's event stream (every run's events in the project)
  KEYS[5] idempotency: idempotency key
  ARGV[1] stepStatus: required step status
  ARGV[2] runStatus: required run status ('' = any)
  ARGV[3] event: JSON [field, value, ...] of the event's fields
  ARGV[4] runMaxLen: run stream MAXLEN
  ARGV[5] projectMaxLen: project stream MAXLEN
  ARGV[6] idempotencyTtl: idempotency key TTL in seconds
  Returns
    {CODE_OK, stepVersion, streamId}
    {CODE_REPLAYED, stepVersion, streamId}       the key was used before: nothing recorded
    {CODE_NOT_FOUND}
    {CODE_STATUS_MISMATCH, stepStatus, runStatus}
]]
--- @include "codes"
--- @include "append-event"

local seen = redis.call('GET', KEYS[5])
if seen then
  local sep = string.find(seen, ' ', 1, true)
  return {CODE_REPLAYED, tonumber(string.sub(seen, 1, sep - 1)), string.sub(seen, sep + 1)}
end
local step = redis.call('HMGET', KEYS[1], 'status', 'version')
local runStatus = redis.call('HGET', KEYS[2], 'status')
if not step[1] or not runStatus then
  return {CODE_NOT_FOUND}
end
if step[1] ~= ARGV[1] or (ARGV[2] ~= '' and runStatus ~= ARGV[2]) then
  return {CODE_STATUS_MISMATCH, step[1], runStatus}
end
local version = tonumber(step[2])
local streamId = appendEvent(KEYS[3], KEYS[4], ARGV[4], ARGV[5], ARGV[3], version)
redis.call('SET', KEYS[5], version .. ' ' .. streamId, 'EX', ARGV[6])
return {CODE_OK, version, streamId}
