-- wrk script (alone, or loaded by another script): at the end, one JSON line for the report.
-- Non-2xx answers are counted apart: a rate measured on error answers would be meaningless.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"duration_us":%d,"errors":%d,"non_2xx":%d,"p50_us":%d,"p99_us":%d}\n',
                         summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
                         latency:percentile(50), latency:percentile(99)))
end
