--[[
  Releases a lock only if it is still held with the caller's token (a lock that expired and was taken by another
  holder is left alone).

  KEYS[1] the lock key
  ARGV[1] the holder's token

  Returns {CODE_OK} when released, {CODE_NOT_FOUND} when the lock was not (or no longer) this holder's.
]]
--- @include "codes"

if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return {CODE_OK}
end
return {CODE_NOT_FOUND}
