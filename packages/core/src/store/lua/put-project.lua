--[[
  Creates or updates a Project as a compare-and-set on its version.

  KEYS[1] project hash
  KEYS[2] the projects zset

  ARGV[1] expected version ('0' = the project must not exist yet)
  ARGV[2] project id
  ARGV[3] JSON [field, value, ...] of the project's fields (version is set here)
  ARGV[4] creation time (ms since epoch), used only when creating

  Returns {CODE_OK, newVersion} or {CODE_VERSION_MISMATCH, '', currentVersion} (0 when it does not exist)
]]
--- @include "codes"
--- @include "hset-flat"

local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if version ~= tonumber(ARGV[1]) then
  return {CODE_VERSION_MISMATCH, '', version}
end
local newVersion = version + 1
redis.call('HSET', KEYS[1], 'version', newVersion)
hsetFlat(KEYS[1], cjson.decode(ARGV[3]))
if version == 0 then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
end
return {CODE_OK, newVersion}
