-- wrk script: every request retries a completed sale, POST /v1/transfers with one of
-- LEDGER_REPLAY_KEYS keys that the driver booked before the run (keys replay-1..N, each
-- `world` -> `till:1`, 1.00 EUR, memo "bench"), so each answer is the stored body, replayed.
local token = os.getenv("LEDGER_TOKEN")
local keys = tonumber(os.getenv("LEDGER_REPLAY_KEYS") or "1000")
local counter = 0
local body = '{"from":"world","to":"till:1","amount":"1.00","currency":"EUR","memo":"bench"}'

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end

function request()
  counter = counter + 1
  local headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("replay-%d", math.random(keys)),
  }
  return wrk.format("POST", "/v1/transfers", headers, body)
end

dofile(os.getenv("LEDGER_BENCH_LUA_DIR") .. "/report.lua")  -- done(): the report line
