--[[
  Applies one state-machine transition to a ProtocolRun or StepRun in one call: the idempotency check, a
  compare-and-set on status and version, the write, the status indexes, the item's release, and the event appended
  to the run's stream and the project's stream. The machine has already run in TypeScript on the record the caller
  holds; this script only checks that the record is still what the machine saw.

  KEYS[1] record: the record hash (run or step)
  KEYS[2] run: the run's hash (the record itself for a run), whose correlation id the event takes
  KEYS[3] runEvents: the run's event stream
  KEYS[4] projectEvents: the project's event stream (every run's events in the project)
  KEYS[5] idempotency: the idempotency key (a placeholder key when no key is given)
  KEYS[6] fromIndex: the status index the record leaves (zset)
  KEYS[7] toIndex: the status index the record enters (zset)
  KEYS[8] activeItems: the project's active-items hash (written only when releaseItem is not '')

  ARGV[1]  expectedStatus: the status the machine saw
  ARGV[2]  expectedVersion: the version the machine saw
  ARGV[3]  newStatus: '' to only check the idempotency key and answer the current record (a refused move)
  ARGV[4]  patch: JSON [field, value, ...] of other fields to set
  ARGV[5]  event: JSON [field, value, ...] of the event's fields, without correlationId and version
  ARGV[6]  runMaxLen: run stream MAXLEN (approximate)
  ARGV[7]  projectMaxLen: project stream MAXLEN (approximate)
  ARGV[8]  idempotencyKey: '1' when an idempotency key is given, '0' otherwise
  ARGV[9]  idempotencyTtl: idempotency key TTL in seconds
  ARGV[10] member: member of the status indexes (the record's id)
  ARGV[11] releaseItem: active-items field to release when the run leaves the active set ('' = none)
  ARGV[12] score: score in the entered index, the transition time (ms since epoch)
  ARGV[13] effects: the transition's effects, comma-separated, remembered for a replay

  Returns
    {CODE_OK, newVersion, streamId, correlationId, field1, value1, ...}   the record as written
    {CODE_REPLAYED, version, streamId, effects, correlationId}           the key was used before: nothing changed
    {CODE_NOT_FOUND}
    {CODE_STATUS_MISMATCH, status, version, field1, value1, ...}         the record as it is now
    {CODE_VERSION_MISMATCH, status, version, field1, value1, ...}
]]
--- @include "codes"
--- @include "hset-flat"
--- @include "append-event"

local function withRecord(reply)
  local hash = redis.call('HGETALL', KEYS[1])
  for i = 1, #hash do
    reply[#reply + 1] = hash[i]
  end
  return reply
end

if ARGV[8] == '1' then
  local seen = redis.call('GET', KEYS[5])
  if seen then
    local first = string.find(seen, ' ', 1, true)
    local second = string.find(seen, ' ', first + 1, true)
    local streamId = string.sub(seen, first + 1, (second or 0) - 1)
    local effects = second and string.sub(seen, second + 1) or ''
    local correlationId = redis.call('HGET', KEYS[2], 'correlationId') or ''
    return {CODE_REPLAYED, tonumber(string.sub(seen, 1, first - 1)), streamId, effects, correlationId}
  end
end

local current = redis.call('HMGET', KEYS[1], 'status', 'version')
if not current[1] then
  return {CODE_NOT_FOUND}
end
local status, version = current[1], tonumber(current[2])
if ARGV[3] == '' or status ~= ARGV[1] then
  return withRecord({CODE_STATUS_MISMATCH, status, version})
end
if version ~= tonumber(ARGV[2]) then
  return withRecord({CODE_VERSION_MISMATCH, status, version})
end

local newVersion = version + 1
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'version', newVersion)
hsetFlat(KEYS[1], cjson.decode(ARGV[4]))
redis.call('ZREM', KEYS[6], ARGV[10])
redis.call('ZADD', KEYS[7], ARGV[12], ARGV[10])
if ARGV[11] ~= '' then
  redis.call('HDEL', KEYS[8], ARGV[11])
end
local correlationId = redis.call('HGET', KEYS[2], 'correlationId') or '""'
local event = cjson.decode(ARGV[5])
table.insert(event, 'correlationId')
table.insert(event, correlationId)
local streamId = appendEventFields(KEYS[3], KEYS[4], ARGV[6], ARGV[7], event, newVersion)
if ARGV[8] == '1' then
  redis.call('SET', KEYS[5], newVersion .. ' ' .. streamId .. ' ' .. ARGV[13], 'EX', ARGV[9])
end
return withRecord({CODE_OK, newVersion, streamId, correlationId})
