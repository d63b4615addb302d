-- Appends an event to the run's stream and to the global stream, with the record's new version added.
-- eventJson is a JSON array [field1, value1, ...] of strings. Returns the run stream's entry id.
local function appendEvent(runStream, globalStream, runMaxLen, globalMaxLen, eventJson, version)
  local fields = cjson.decode(eventJson)
  table.insert(fields, 'version')
  table.insert(fields, tostring(version))
  local id = redis.call('XADD', runStream, 'MAXLEN', '~', runMaxLen, '*', unpack(fields))
  table.insert(fields, 'streamId')
  table.insert(fields, id)
  redis.call('XADD', globalStream, 'MAXLEN', '~', globalMaxLen, '*', unpack(fields))
  return id
end
