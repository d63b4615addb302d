--[[
  Stores the first answer to a request under its idempotency key and keeps it for the key's whole lifetime, if
  the key is still claimed by this attempt.
  KEYS[1] record: the idempotency record (see claim-request)
  ARGV[1] claimId: the claim id claim-request was given
  ARGV[2] status: the answer's HTTP status
  ARGV[3] body: the answer's body (JSON)
  ARGV[4] ttlSeconds: how long the record is kept, in seconds
  Returns {CODE_OK}, or {CODE_NOT_FOUND} when the claim expired or another attempt holds the key
]]
--- @include "codes"

if redis.call('HGET', KEYS[1], 'claim') ~= ARGV[1] then
  return {CODE_NOT_FOUND}
end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'body', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return {CODE_OK}
