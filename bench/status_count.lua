-- wrk script: count responses by status code (and how many carried Retry-After), so a run
-- reports exactly which statuses it got, not only wrk's "Non-2xx or 3xx" total.
-- Each wrk thread has its own Lua state; done() adds up the threads' tables.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  retry_after = 0
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if headers["Retry-After"] or headers["retry-after"] then
    retry_after = retry_after + 1
  end
end

function done(summary, latency, requests)
  local totals, retries = {}, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
    retries = retries + thread:get("retry_after")
  end
  for status, count in pairs(totals) do
    io.write(string.format("status %d %d\n", status, count))
  end
  io.write(string.format("retry_after %d\n", retries))
end
