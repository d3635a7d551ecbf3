-- Gateway, caller demo-servicenow (Standard Webhooks): every request carries its own pre-signed
-- webhook-id / webhook-timestamp / webhook-signature, read from BENCH_SIGNED_FILE (one "id timestamp
-- signature" line each, made by sign-requests.py just before the run). Thread n of N (the global `tid`,
-- set by report.lua's setup()) takes lines n+1, n+1+N, ... so no two threads send the same id; a thread
-- that runs out starts its slice again, and every request it sends from then on is counted in the global
-- `replayed`, which done() reports (the gateway would be right to refuse a replayed id one day).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local body = assert(os.getenv("BENCH_BODY"), "BENCH_BODY is not set")
local deliveries = {}
local next_index = 1
local wrapped = false
replayed = 0

function init(args)
    local stride = tonumber((assert(os.getenv("BENCH_THREADS"), "BENCH_THREADS is not set")))
    local line_number = 0
    for line in io.lines((assert(os.getenv("BENCH_SIGNED_FILE"), "BENCH_SIGNED_FILE is not set"))) do
        if line_number % stride == tid then
            local id, timestamp, signature = line:match("^(%S+) (%S+) (%S+)$")
            deliveries[#deliveries + 1] = wrk.format("POST", nil, {
                ["Content-Type"] = "application/json",
                ["webhook-id"] = id,
                ["webhook-timestamp"] = timestamp,
                ["webhook-signature"] = signature,
            }, body)
        end
        line_number = line_number + 1
    end
    assert(#deliveries > 0, "no signed request for this thread")
end

function request()
    local value = deliveries[next_index]
    if wrapped then replayed = replayed + 1 end
    next_index = next_index + 1
    if next_index > #deliveries then
        next_index = 1
        wrapped = true
    end
    return value
end
