--[[
  Creates a ProtocolRun in 'pending' unless its Taiga item already has an active run.

  KEYS[1] run: the run hash
  KEYS[2] runEvents: the run's event stream
  KEYS[3] projectEvents: the project's event stream (every run's events in the project)
  KEYS[4] activeItems: the project's active-items hash (item key -> run id)
  KEYS[5] projectRuns: the project's runs zset (all runs, by creation time)
  KEYS[6] pendingRuns: the project's 'pending' runs index (zset)
  KEYS[7] itemRuns: the item's runs zset (every run ever made for the item)

  ARGV[1] runId: the run's id
  ARGV[2] itemKey: the item's key (e.g. 'userstory:42')
  ARGV[3] fields: JSON [field, value, ...] of the run's fields (status and version are set here)
  ARGV[4] event: JSON [field, value, ...] of the creation event
  ARGV[5] runMaxLen: run stream MAXLEN
  ARGV[6] projectMaxLen: project stream MAXLEN
  ARGV[7] now: creation time (ms since epoch)

  Returns {CODE_OK, 1, streamId, field1, value1, ...} (the run as written) or {CODE_EXISTS, activeRunId}
]]
--- @include "codes"
--- @include "hset-flat"
--- @include "append-event"

local active = redis.call('HGET', KEYS[4], ARGV[2])
if active then
  return {CODE_EXISTS, active}
end
redis.call('HSET', KEYS[1], 'status', 'pending', 'version', 1)
hsetFlat(KEYS[1], cjson.decode(ARGV[3]))
redis.call('HSET', KEYS[4], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[7], ARGV[1])
redis.call('ZADD', KEYS[6], ARGV[7], ARGV[1])
redis.call('ZADD', KEYS[7], ARGV[7], ARGV[1])
local streamId = appendEvent(KEYS[2], KEYS[3], ARGV[5], ARGV[6], ARGV[4], 1)
local reply = {CODE_OK, 1, streamId}
local hash = redis.call('HGETALL', KEYS[1])
for i = 1, #hash do
  reply[#reply + 1] = hash[i]
end
return reply
