-- Result codes shared by every script. store/codes.ts holds the same values; codes.test.ts proves they agree.
local CODE_OK = 1
local CODE_REPLAYED = 2
local CODE_EXISTS = 3
local CODE_NOT_FOUND = -1
local CODE_STATUS_MISMATCH = -2
local CODE_VERSION_MISMATCH = -3
