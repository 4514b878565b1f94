-- Userinfo with one user's access token.
dofile(os.getenv("BENCH_LUA") .. "/count.lua")
codes = {}
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("ACCESS_TOKEN")
function response(status) count(status) end
