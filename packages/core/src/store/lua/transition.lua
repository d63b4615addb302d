--[[
  Applies one state-machine transition to a ProtocolRun or StepRun as a compare-and-set, and appends its event.

  KEYS[1] record hash (run or step)
  KEYS[2] the run's event stream
  KEYS[3] the global event stream
  KEYS[4] idempotency key (a placeholder key when ARGV[8] is '0')
  KEYS[5] status index the record leaves (zset)
  KEYS[6] status index the record enters (zset)
  KEYS[7] the project's active-items hash (used only when ARGV[11] is not '')

  ARGV[1]  expected status
  ARGV[2]  expected version ('' = any)
  ARGV[3]  new status
  ARGV[4]  JSON [field, value, ...] of other fields to set
  ARGV[5]  JSON [field, value, ...] of the event's fields
  ARGV[6]  run stream MAXLEN (approximate)
  ARGV[7]  global stream MAXLEN (approximate)
  ARGV[8]  '1' when an idempotency key is given, '0' otherwise
  ARGV[9]  idempotency key TTL in seconds
  ARGV[10] member of the status indexes (the record's id)
  ARGV[11] active-items field to release when the run leaves the active set ('' = none)
  ARGV[12] score in the entered index: the transition time (ms since epoch)

  Returns
    {CODE_OK, newVersion, streamId}
    {CODE_REPLAYED, version, streamId}        the idempotency key was used before: nothing changed
    {CODE_NOT_FOUND}
    {CODE_STATUS_MISMATCH, status, version}
    {CODE_VERSION_MISMATCH, status, version}
]]
--- @include "codes"
--- @include "hset-flat"
--- @include "append-event"

if ARGV[8] == '1' then
  local seen = redis.call('GET', KEYS[4])
  if seen then
    local sep = string.find(seen, ' ', 1, true)
    return {CODE_REPLAYED, tonumber(string.sub(seen, 1, sep - 1)), string.sub(seen, sep + 1)}
  end
end

local current = redis.call('HMGET', KEYS[1], 'status', 'version')
if not current[1] then
  return {CODE_NOT_FOUND}
end
local status, version = current[1], tonumber(current[2])
if status ~= ARGV[1] then
  return {CODE_STATUS_MISMATCH, status, version}
end
if ARGV[2] ~= '' and version ~= tonumber(ARGV[2]) then
  return {CODE_VERSION_MISMATCH, status, version}
end

local newVersion = version + 1
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'version', newVersion)
hsetFlat(KEYS[1], cjson.decode(ARGV[4]))
redis.call('ZREM', KEYS[5], ARGV[10])
redis.call('ZADD', KEYS[6], ARGV[12], ARGV[10])
if ARGV[11] ~= '' then
  redis.call('HDEL', KEYS[7], ARGV[11])
end
local streamId = appendEvent(KEYS[2], KEYS[3], ARGV[6], ARGV[7], ARGV[5], newVersion)
if ARGV[8] == '1' then
  redis.call('SET', KEYS[4], newVersion .. ' ' .. streamId, 'EX', ARGV[9])
end
return {CODE_OK, newVersion, streamId}
