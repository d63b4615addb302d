-- HSET key with a flat array {field1, value1, field2, value2, ...} of strings, decoded from the caller's JSON.
-- Values are encoded by the caller; Lua never re-encodes JSON, so numbers and empty arrays keep their form.
local function hsetFlat(key, flat)
  if #flat > 0 then
    redis.call('HSET', key, unpack(flat))
  end
end
