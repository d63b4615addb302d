--[[
  Creates or updates a Project as a compare-and-set on its version. The projects zset is not written here: it lives
  in a slot of its own (Redis Cluster), so the caller adds the id to it before creating (ProjectRepository.put).

  KEYS[1] project hash

  ARGV[1] expected version ('0' = the project must not exist yet)
  ARGV[2] JSON [field, value, ...] of the project's fields (version is set here)

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
hsetFlat(KEYS[1], cjson.decode(ARGV[2]))
return {CODE_OK, newVersion}
