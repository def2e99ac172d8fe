-- wrk script: every request is a new sale, POST /v1/transfers with a fresh Idempotency-Key
-- (never reused, so each one executes and commits), from `world` to one of 16 tills.
-- Environment: LEDGER_TOKEN (bearer token), LEDGER_RUN (a run id that keeps keys unique),
-- LEDGER_BENCH_LUA_DIR (this directory). thread_id is set per wrk thread by setup().
local token = os.getenv("LEDGER_TOKEN")
local run = os.getenv("LEDGER_RUN") or tostring(os.time())
local threads = {}
local counter = 0

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local till = (counter % 16) + 1
  local body = string.format(
    '{"from":"world","to":"till:%d","amount":"1.00","currency":"EUR","memo":"bench"}', till)
  local headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, thread_id, counter),
  }
  return wrk.format("POST", "/v1/transfers", headers, body)
end

dofile(os.getenv("LEDGER_BENCH_LUA_DIR") .. "/report.lua")  -- done(): the report line
