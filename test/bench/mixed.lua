-- wrk script for the soak: every connection alternates GET /status and GET /logs?lines=100,
-- so half the requests read the journal while the other half are served from memory.
local paths = { "/status", "/logs?lines=100" }
local n = 0

request = function()
  n = n + 1
  return wrk.format("GET", paths[n % 2 + 1])
end
