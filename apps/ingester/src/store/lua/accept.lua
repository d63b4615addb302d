--[[
  Accepts a webhook delivery: unless its dedupe marker exists, appends it to the inbox stream, sets the marker and,
  when it causes jobs, puts it in the pending set until they are enqueued. All or nothing, in one round trip.

  KEYS[1] dedupe: dedupe marker (string; value = inbox entry id of the first delivery)
  KEYS[2] inbox: inbox stream
  KEYS[3] pending: pending zset (inbox entry id -> when a recovery may re-drive it, ms)

  ARGV[1] dedupeTtl: dedupe TTL in seconds; '0' skips the dedupe check and marker (an operator's replay)
  ARGV[2] causesJobs: '1' when the delivery causes jobs, else '0'
  ARGV[3] recoverAt: when a recovery may re-drive the entry if its jobs were not confirmed by then (ms since epoch)
  ARGV[4] maxLen: inbox MAXLEN (approximate trim)
  ARGV[5] minId: inbox MINID: entries older than this id are trimmed (approximate)
  ARGV[6] source: the entry's source; ARGV[6..12] are the entry's fields, stored in this order under these names
  ARGV[7] projectKey: the Taiga webhook's project key ('' for none)
  ARGV[8] receivedAt: when it arrived (ISO 8601)
  ARGV[9] headers: the headers kept to verify and route it again (JSON)
  ARGV[10] body: the raw body, byte for byte
  ARGV[11] item: `type:id` of the Taiga item ('' for none)
  ARGV[12] replayOf: the entry this one replays ('' for none)

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
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*',
  'source', ARGV[6], 'projectKey', ARGV[7], 'receivedAt', ARGV[8], 'headers', ARGV[9], 'body', ARGV[10],
  'item', ARGV[11], 'replayOf', ARGV[12])
redis.call('XTRIM', KEYS[2], 'MINID', '~', ARGV[5])
if dedupe then
  redis.call('SET', KEYS[1], id, 'EX', ARGV[1])
end
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[3], ARGV[3], id)
end
return {CODE_OK, id}
