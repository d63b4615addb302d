--[[
  Extends a lock's TTL, only while the caller still holds it (an expired lock may have been taken by another holder).

  KEYS[1] the lock key
  ARGV[1] the holder's token
  ARGV[2] the new TTL in ms

  Returns {CODE_OK} when renewed, {CODE_NOT_FOUND} when the lock is not (or no longer) this holder's.
]]
--- @include "codes"

if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {CODE_OK}
end
return {CODE_NOT_FOUND}
