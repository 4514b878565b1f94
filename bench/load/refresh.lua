-- Refresh grants. Refresh tokens roll (each is single-use), so every answer's new refresh token goes back into
-- this thread's queue; the queue starts with REFRESH_FILE's tokens, more than the thread's connections.
dofile(os.getenv("BENCH_LUA") .. "/count.lua")
codes = {}
local queue, head, tail
function init(args)
  queue = lines_of(os.getenv("REFRESH_FILE"), id, tonumber(os.getenv("THREADS")))
  head, tail = 1, #queue
end
function request()
  local token = ""
  if head <= tail then
    token = queue[head]
    queue[head] = nil
    head = head + 1
  end
  return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded" },
    "grant_type=refresh_token&client_id=" .. os.getenv("CLIENT_ID") .. "&refresh_token=" .. token)
end
function response(status, headers, body)
  count(status)
  local token = body:match('"refresh_token"%s*:%s*"([^"]+)"')
  if token then
    tail = tail + 1
    queue[tail] = token
  end
end
