-- Gateway, caller demo-jira-automation (static token): BENCH_BODY_TEMPLATE with its @ID@ replaced by the
-- next target id (targets.lua), so consecutive requests name different passwords. No Idempotency-Key, so
-- every request is a new delivery. BENCH_BODY_TEMPLATE and BENCH_TOKEN come from the environment, never
-- the command line.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
dofile(os.getenv("BENCH_LUA_DIR") .. "/targets.lua")

local template = assert(os.getenv("BENCH_BODY_TEMPLATE"), "BENCH_BODY_TEMPLATE is not set")
local token = assert(os.getenv("BENCH_TOKEN"), "BENCH_TOKEN is not set")

function init(args)
    spread_requests(function(id)
        local body = template:gsub("@ID@", tostring(id))
        return wrk.format("POST", nil, {
            ["Content-Type"] = "application/json",
            ["Authorization"] = "Bearer " .. token,
        }, body)
    end)
end
