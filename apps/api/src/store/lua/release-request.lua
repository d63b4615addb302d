--[[
  Frees an idempotency key whose request ended in an error, so the same request may be sent again with it; only
  this attempt's claim is released, never a stored answer.
  KEYS[1] record: the idempotency record (see claim-request)
  ARGV[1] claimId: the claim id claim-request was given
  Returns {CODE_OK}, or {CODE_NOT_FOUND} when the key is not claimed by this attempt
]]
--- @include "codes"

if redis.call('HGET', KEYS[1], 'claim') ~= ARGV[1] or redis.call('HEXISTS', KEYS[1], 'status') == 1 then
  return {CODE_NOT_FOUND}
end
redis.call('DEL', KEYS[1])
return {CODE_OK}
