-- The Segura call the gateway makes for "enable password {id}": POST /api/mysafe/password/active/{id} with
-- no body, Accept: application/json and a Bearer token from the simulator (BENCH_SEGURA_TOKEN), over the
-- same spread of ids as the gateway runs (targets.lua). Sent through nginx, or straight to the simulator.
-- MySafe enable is idempotent, so every call answers "already active".
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
dofile(os.getenv("BENCH_LUA_DIR") .. "/targets.lua")

local token = assert(os.getenv("BENCH_SEGURA_TOKEN"), "BENCH_SEGURA_TOKEN is not set")

function init(args)
    spread_requests(function(id)
        return wrk.format("POST", "/api/mysafe/password/active/" .. id, {
            ["Accept"] = "application/json",
            ["Authorization"] = "Bearer " .. token,
        })
    end)
end
