--[[
  Deletes a project's settings and API tokens, unless it has active runs. Runs, steps and their event streams
  stay: they are the history of what was done. The projects zset is not written here: it lives in a slot of its
  own (Redis Cluster), so the caller removes the id from it after this (ApiStore.deleteProject).
  KEYS[1] project: project hash
  KEYS[2] activeItems: the project's active-items hash (item key -> active run id)
  KEYS[3] tokens: the project's API token hash
  ARGV[1] expectedVersion: expected version ('' = any)
  Returns {CODE_OK}, {CODE_NOT_FOUND}, {CODE_VERSION_MISMATCH, '', currentVersion}
    or {CODE_EXISTS, activeRunCount} when active runs hold the project
]]
--- @include "codes"

local version = redis.call('HGET', KEYS[1], 'version')
if not version then
  return {CODE_NOT_FOUND}
end
if ARGV[1] ~= '' and tonumber(version) ~= tonumber(ARGV[1]) then
  return {CODE_VERSION_MISMATCH, '', tonumber(version)}
end
local active = redis.call('HLEN', KEYS[2])
if active > 0 then
  return {CODE_EXISTS, active}
end
redis.call('DEL', KEYS[1], KEYS[3])
return {CODE_OK}
