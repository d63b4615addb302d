--[[
  Claims an idempotency key for a request that is about to be answered, unless the key holds a record already.
  The claim expires on its own, so a request that died half-way does not hold the key for long.
  KEYS[1] record: the idempotency record, a hash {request, claim[, status, body]}
  ARGV[1] fingerprint: the request's fingerprint
  ARGV[2] claimId: this attempt's claim id
  ARGV[3] claimTtlMs: how long the claim holds, in milliseconds
  Returns
    {CODE_OK}                                     claimed: answer, then finish-request (or release-request)
    {CODE_EXISTS, request, status, body}          the key holds a record: status and body are false while the
                                                  request it was claimed for is still being answered
]]
--- @include "codes"

local record = redis.call('HMGET', KEYS[1], 'request', 'status', 'body')
if record[1] then
  return {CODE_EXISTS, record[1], record[2], record[3]}
end
redis.call('HSET', KEYS[1], 'request', ARGV[1], 'claim', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {CODE_OK}
