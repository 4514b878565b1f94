-- Client-credentials grants with HTTP Basic client authentication (like ../shared/peer/cc.lua).
dofile(os.getenv("BENCH_LUA") .. "/count.lua")
codes = {}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("CC_BASIC")
wrk.body = "grant_type=client_credentials&scope=" .. os.getenv("CC_SCOPE")
function response(status) count(status) end
