--[[
  Accepts a webhook delivery: unless its dedupe marker exists, appends it to the inbox stream, sets the marker and,
  when it causes jobs, puts it in the pending set until they are enqueued. All or nothing, in one round trip.

  KEYS[1] dedupe marker (string; value = inbox entry id of the first delivery)
  KEYS[2] inbox stream
  KEYS[3] pending zset (inbox entry id -> when a recovery may re-drive it, ms)

  ARGV[1] dedupe TTL in seconds; '0' skips the dedupe check and marker (an operator's replay)
  ARGV[2] '1' when the delivery causes jobs, else '0'
  ARGV[3] when a recovery may re-drive the entry if its jobs were not confirmed by then (ms since epoch)
  ARGV[4] inbox MAXLEN (approximate trim)
  ARGV[5] inbox MINID: entries older than this id are trimmed (approximate)
  ARGV[6..] field, value, ... of the inbox entry

  Returns {CODE_OK, entryId} or {CODE_EXISTS, entryId of the first delivery}
]]
--- @include "codes"

local dedupe = ARGV[1] ~= '0'
if dedupe then
  local seen = redis.call('GET', KEYS[1])
  if seen then
    return {CODE_EXISTS, seen}
  end
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', unpack(ARGV, 6, #ARGV))
redis.call('XTRIM', KEYS[2], 'MINID', '~', ARGV[5])
if dedupe then
  redis.call('SET', KEYS[1], id, 'EX', ARGV[1])
end
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[3], ARGV[3], id)
end
return {CODE_OK, id}
