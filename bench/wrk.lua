-- One benchmark scenario for wrk: `wrk ... -s bench/wrk.lua <url> -- <kind> <arg>`.
--   kind "get":   GET the URL's path as given.
--   kind "order": POST /orders with two random products of ids 1..<arg>.
-- At the end it prints one JSON line with the figures bench/load.py reads.

local kind, products

function init(args)
  kind = args[1] or "get"
  products = tonumber(args[2] or "1")
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
  if kind == "order" then
    wrk.headers["Content-Type"] = "application/json"
  end
end

function request()
  if kind ~= "order" then
    return wrk.format(nil)
  end
  local first = math.random(products)
  local second = math.random(products)
  if second == first then
    second = first % products + 1
  end
  local body = string.format(
    '{"customer":{"name":"Customer 1","email":"c1@example.com",' ..
    '"mobile":"+966500000001"},"products":[{"id":%d,"quantity":1},' ..
    '{"id":%d,"quantity":1}]}', first, second)
  -- Headers left nil: wrk.format then sends wrk.headers (the -H options).
  return wrk.format("POST", nil, nil, body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '\nRESULT {"requests":%d,"duration_us":%d,"status_errors":%d,' ..
    '"socket_errors":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
