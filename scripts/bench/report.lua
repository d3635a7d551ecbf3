-- Shared by the wrk scripts of scripts/bench-gateway: one machine-readable line per run, from done().
-- setup() gives each thread the global `tid` (0, 1, ...) and keeps it, so done() can add up the global
-- `replayed` that standard-webhooks.lua counts in each thread (thread:get reads a thread's global).
local threads = {}

function setup(thread)
    thread:set("tid", #threads)
    table.insert(threads, thread)
end

function done(summary, latency, requests)
    local replayed = 0
    for _, thread in ipairs(threads) do
        replayed = replayed + (thread:get("replayed") or 0)
    end
    local us = function(value) return math.floor(value + 0.5) end
    local errors = summary.errors
    io.write(string.format(
        "BENCH_RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d status_errors=%d socket_errors=%d replayed=%d\n",
        summary.requests, summary.duration,
        us(latency:percentile(50)), us(latency:percentile(90)), us(latency:percentile(99)), us(latency.max),
        errors.status, errors.connect + errors.read + errors.write + errors.timeout, replayed))
end
