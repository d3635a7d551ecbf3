-- Gateway, caller demo-jira-automation (static token): the same signed request every time.
-- BENCH_BODY and BENCH_TOKEN come from the environment, never the command line.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

wrk.method = "POST"
wrk.body = assert(os.getenv("BENCH_BODY"), "BENCH_BODY is not set")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("BENCH_TOKEN"), "BENCH_TOKEN is not set")
