-- wrk script for bench/run.py: one page, the session cookie and CSRF header, paths and bodies in turn.
-- Configured by the environment: BENCH_METHOD, BENCH_PATHS and BENCH_BODIES (space-separated),
-- BENCH_COOKIE, BENCH_CSRF, BENCH_HTMX ("1" adds HX-Request),
-- BENCH_STATUS (the status every answer must have, 200 unless told). Prints one JSON line when done.
local method = os.getenv("BENCH_METHOD") or "GET"
local paths, bodies = {}, {}
for path in string.gmatch(os.getenv("BENCH_PATHS") or "/", "%S+") do table.insert(paths, path) end
for body in string.gmatch(os.getenv("BENCH_BODIES") or "", "%S+") do table.insert(bodies, body) end

local headers = {["Accept-Encoding"] = "gzip"}
local cookie = os.getenv("BENCH_COOKIE") or ""
if cookie ~= "" then headers["Cookie"] = cookie end
local csrf = os.getenv("BENCH_CSRF") or ""
if csrf ~= "" then headers["X-CSRFToken"] = csrf end
if os.getenv("BENCH_HTMX") == "1" then headers["HX-Request"] = "true" end
if #bodies > 0 then headers["Content-Type"] = "application/x-www-form-urlencoded" end

local expected = tonumber(os.getenv("BENCH_STATUS") or "200")
local n = 0
local unexpected = 0

function request()
  n = n + 1
  local path = paths[(n % #paths) + 1]
  local body = nil
  if #bodies > 0 then
    -- each pass over the paths takes the next body, so a repeated mark is a change
    body = bodies[(math.floor(n / #paths) % #bodies) + 1]
  end
  return wrk.format(method, path, headers, body)
end

-- an idle poll must stay 204 all run long: count any other answer
function response(status, headers, body)
  if status ~= expected then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "status_errors": %d, "socket_errors": %d, "unexpected": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout, unexpected))
end
