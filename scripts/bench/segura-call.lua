-- The Segura call the gateway makes for "enable password 10": POST /api/mysafe/password/active/10 with no
-- body, Accept: application/json and a Bearer token from the simulator (BENCH_SEGURA_TOKEN). Sent through
-- nginx, or straight to the simulator. MySafe enable is idempotent, so repeats answer "already active".
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

wrk.method = "POST"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("BENCH_SEGURA_TOKEN"), "BENCH_SEGURA_TOKEN is not set")
