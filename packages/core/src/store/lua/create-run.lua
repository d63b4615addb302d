--[[
  Creates a ProtocolRun in 'pending' unless its Taiga item already has an active run.

  KEYS[1] run hash
  KEYS[2] the run's event stream
  KEYS[3] the global event stream
  KEYS[4] the project's active-items hash (item key -> run id)
  KEYS[5] the project's runs zset (all runs, by creation time)
  KEYS[6] the project's 'pending' runs index (zset)
  KEYS[7] the item's runs zset (every run ever made for the item)

  ARGV[1] run id
  ARGV[2] item key (e.g. 'userstory:42')
  ARGV[3] JSON [field, value, ...] of the run's fields (status and version are set here)
  ARGV[4] JSON [field, value, ...] of the creation event
  ARGV[5] run stream MAXLEN, ARGV[6] global stream MAXLEN
  ARGV[7] creation time (ms since epoch)

  Returns {CODE_OK, 1, streamId} or {CODE_EXISTS, activeRunId}
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
return {CODE_OK, 1, streamId}
