--[[
  Claims inbox entries whose jobs were never confirmed (the ingester died between the accept and the enqueue):
  returns those due, and pushes each one's due time forward by the lease, so that two ingesters do not re-drive
  the same entry at once and an entry whose re-driver dies comes back later.

  KEYS[1] pending: pending zset (inbox entry id -> when a recovery may re-drive it, ms)

  ARGV[1] now: now (ms since epoch): entries due at or before it are claimed
  ARGV[2] nextDue: the next due time of a claimed entry (ms since epoch)
  ARGV[3] count: most entries to claim

  Returns the claimed inbox entry ids, oldest first
]]

local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], ARGV[2], id)
end
return ids
