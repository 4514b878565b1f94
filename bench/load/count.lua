-- Shared by the bench's wrk scripts: counts answers per status in each thread and prints them at the end as
-- "status CODE COUNT" lines, which the driver reads (wrk's own summary does not tell a 302 from a 200).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function count(status)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("codes")) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("status %d %d\n", status, n))
  end
  io.write(string.format("latency p50 %d p99 %d\n", latency:percentile(50), latency:percentile(99)))
end

-- One line per entry of a file, those of this thread only (entries are split between threads, never shared).
function lines_of(path, id, threads_count)
  local list = {}
  local i = 0
  for line in io.lines(path) do
    if i % threads_count == id then
      table.insert(list, line)
    end
    i = i + 1
  end
  return list
end
