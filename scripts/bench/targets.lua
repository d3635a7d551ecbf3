-- Shared by the wrk scripts of scripts/bench-gateway that spread their requests over many Segura targets:
-- the MySafe passwords FIRST .. FIRST+COUNT-1 (BENCH_TARGET_FIRST, BENCH_TARGET_COUNT) that the script
-- seeded active in the simulator. Real traffic names many targets, and the gateway runs at most one change
-- per target at a time, so one hot target would measure that lock rather than the gateway.
--
-- spread_requests(make) prepares make(id) for every id, once per thread (call it from init()); request()
-- then walks them in order, wrapping. Thread n of N (the global `tid`, set by report.lua's setup()) starts
-- at FIRST + n*COUNT/N, so the requests in flight at once (a few dozen) name different targets.
local first = tonumber((assert(os.getenv("BENCH_TARGET_FIRST"), "BENCH_TARGET_FIRST is not set")))
local count = tonumber((assert(os.getenv("BENCH_TARGET_COUNT"), "BENCH_TARGET_COUNT is not set")))
local threads = tonumber((assert(os.getenv("BENCH_THREADS"), "BENCH_THREADS is not set")))
local prepared = {}
local next_index = 0

function spread_requests(make)
    for offset = 0, count - 1 do
        prepared[offset + 1] = make(first + offset)
    end
    next_index = math.floor(tid * count / threads) % count
end

function request()
    local value = prepared[next_index + 1]
    next_index = (next_index + 1) % count
    return value
end
