--[[
  Adds what an engine spent since its last charge to its step, its run and its project's day, and returns the new
  totals, in one step: executors charging at the same time never lose a charge, and each sees totals that include
  every charge made before its own. A charge of zeros reads the totals.

  KEYS[1] runSpend: the run's spend hash (cost in micro-dollars, tokensIn, tokensOut; per step as step:<id>:<field>)
  KEYS[2] daySpend: the project's spend hash for the UTC day (cost, tokensIn, tokensOut)

  ARGV[1] stepId: the step charged
  ARGV[2] costMicros: cost to add, in micro-dollars (an integer; negative when a tool revised its estimate down)
  ARGV[3] tokensIn: input tokens to add
  ARGV[4] tokensOut: output tokens to add
  ARGV[5] dayTtl: TTL of the day's hash, in seconds

  Returns {stepCost, runCost, runTokensIn, runTokensOut, dayCost}: micro-dollars and tokens, integers
]]
local stepField = 'step:' .. ARGV[1] .. ':'
local cost = tonumber(ARGV[2])
local tokensIn = tonumber(ARGV[3])
local tokensOut = tonumber(ARGV[4])

local stepCost = redis.call('HINCRBY', KEYS[1], stepField .. 'cost', cost)
redis.call('HINCRBY', KEYS[1], stepField .. 'tokensIn', tokensIn)
redis.call('HINCRBY', KEYS[1], stepField .. 'tokensOut', tokensOut)
local runCost = redis.call('HINCRBY', KEYS[1], 'cost', cost)
local runIn = redis.call('HINCRBY', KEYS[1], 'tokensIn', tokensIn)
local runOut = redis.call('HINCRBY', KEYS[1], 'tokensOut', tokensOut)
local dayCost = redis.call('HINCRBY', KEYS[2], 'cost', cost)
redis.call('HINCRBY', KEYS[2], 'tokensIn', tokensIn)
redis.call('HINCRBY', KEYS[2], 'tokensOut', tokensOut)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[5]))
return {stepCost, runCost, runIn, runOut, dayCost}
