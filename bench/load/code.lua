-- Authorization-code exchanges: each code of CODES_FILE once (codes are single-use), PKCE verifier CODE_VERIFIER.
-- A thread out of codes sends an empty one, which is refused and not counted as an exchange.
dofile(os.getenv("BENCH_LUA") .. "/count.lua")
codes = {}
local list, next_code
function init(args)
  list = lines_of(os.getenv("CODES_FILE"), id, tonumber(os.getenv("THREADS")))
  next_code = 1
end
function request()
  local code = list[next_code] or ""
  next_code = next_code + 1
  return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded" },
    "grant_type=authorization_code&client_id=" .. os.getenv("CLIENT_ID") .. "&redirect_uri=" .. os.getenv("REDIRECT_URI") ..
    "&code_verifier=" .. os.getenv("CODE_VERIFIER") .. "&code=" .. code)
end
function response(status) count(status) end
