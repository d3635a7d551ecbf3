-- Gateway, caller demo-servicenow (Standard Webhooks): every request is its own pre-signed delivery, read
-- from BENCH_SIGNED_FILE (one "webhook-id webhook-timestamp webhook-signature body" line each, made by
-- sign-requests.py for this gateway's secret just before this wrk run; consecutive lines name consecutive
-- targets). Thread n of N (the global `tid`, set by report.lua's setup()) takes lines n+1, n+1+N, ... so no
-- two threads send the same id; a thread that runs out starts its slice again, and every request it sends
-- from then on is counted in the global `replayed`, which done() reports (a durable gateway answers a
-- replayed id from its store without acting, which would flatter it).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local deliveries = {}
local next_index = 1
local wrapped = false
replayed = 0

function init(args)
    local stride = tonumber((assert(os.getenv("BENCH_THREADS"), "BENCH_THREADS is not set")))
    local line_number = 0
    for line in io.lines((assert(os.getenv("BENCH_SIGNED_FILE"), "BENCH_SIGNED_FILE is not set"))) do
        if line_number % stride == tid then
            local id, timestamp, signature, body = line:match("^(%S+) (%S+) (%S+) (.+)$")
            assert(body, "a signed line is not 'id timestamp signature body'")
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
