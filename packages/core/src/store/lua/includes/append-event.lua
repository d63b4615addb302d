-- Appends an event to the run's stream and to the project's stream, with the record's new version added.
-- fields is a flat table {field1, value1, ...} of strings. Returns the run stream's entry id.
local function appendEventFields(runStream, projectStream, runMaxLen, projectMaxLen, fields, version)
  table.insert(fields, 'version')
  table.insert(fields, tostring(version))
  local id = redis.call('XADD', runStream, 'MAXLEN', '~', runMaxLen, '*', unpack(fields))
  table.insert(fields, 'streamId')
  table.insert(fields, id)
  redis.call('XADD', projectStream, 'MAXLEN', '~', projectMaxLen, '*', unpack(fields))
  return id
end

-- The same, with the event given as the caller's JSON array [field1, value1, ...].
local function appendEvent(runStream, projectStream, runMaxLen, projectMaxLen, eventJson, version)
  return appendEventFields(runStream, projectStream, runMaxLen, projectMaxLen, cjson.decode(eventJson), version)
end
