-- Form logins: POST /Account/Login with the antiforgery cookie and token of one anonymous page view (they stay
-- valid for anonymous posts), each user of USERS_FILE in turn (split between threads). A sign-in answers 302; a
-- failed one 200 with the form again. USERS_ONCE=1: each user only once (first sign-ins import the user).
dofile(os.getenv("BENCH_LUA") .. "/count.lua")
codes = {}
local users, next_user, once
function init(args)
  users = lines_of(os.getenv("USERS_FILE"), id, tonumber(os.getenv("THREADS")))
  next_user = 0
  once = os.getenv("USERS_ONCE") == "1"
end
local function escape(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
function request()
  next_user = next_user + 1
  local user = users[next_user]
  if user == nil then
    user = once and "nobody-left@bench.invalid" or users[(next_user - 1) % #users + 1]
  end
  return wrk.format("POST", nil,
    { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = os.getenv("LOGIN_COOKIE") },
    "Input.Identifier=" .. escape(user) .. "&Input.Password=" .. escape(os.getenv("LOGIN_PASSWORD")) ..
    "&__RequestVerificationToken=" .. escape(os.getenv("LOGIN_TOKEN")))
end
function response(status) count(status) end
