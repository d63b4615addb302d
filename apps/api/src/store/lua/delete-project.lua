--[[
  Deletes a project's settings and API tokens, unless it has active runs. Runs, steps and their event streams
  stay: they are the history of what was done.
  KEYS[1] project hash
  KEYS[2] the projects zset
  KEYS[3] the project's active-items hash (item key -> active run id)
  KEYS[4] the project's API token hash
  ARGV[1] project id
  ARGV[2] expected version ('' = any)
  Returns {CODE_OK}, {CODE_NOT_FOUND}, {CODE_VERSION_MISMATCH, '', currentVersion}
    or {CODE_EXISTS, activeRunCount} when active runs hold the project
]]
--- @include "codes"

local version = redis.call('HGET', KEYS[1], 'version')
if not version then
  return {CODE_NOT_FOUND}
end
if ARGV[2] ~= '' and tonumber(version) ~= tonumber(ARGV[2]) then
  return {CODE_VERSION_MISMATCH, '', tonumber(version)}
end
local active = redis.call('HLEN', KEYS[3])
if active > 0 then
  return {CODE_EXISTS, active}
end
redis.call('DEL', KEYS[1], KEYS[4])
redis.call('ZREM', KEYS[2], ARGV[1])
return {CODE_OK}
