-- wrk script for cnn serve: POSTs the body in the file $BODY to the URL given to wrk, and prints the latency
-- percentiles and the count of non-2xx answers as one line that .ci/serve-load reads. With $HEADER_LENGTH set,
-- the body is a binary-extension request: that many bytes of JSON, then the tensor's bytes.
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
if os.getenv("HEADER_LENGTH") then
  wrk.headers["Content-Type"] = "application/octet-stream"
  wrk.headers["Inference-Header-Content-Length"] = os.getenv("HEADER_LENGTH")
end

function done(summary, latency, requests)
  io.write(string.format("wrk: requests %d, seconds %.2f, requests/s %.1f, p50 %.2f ms, p99 %.2f ms, " ..
    "non-2xx %d, socket errors %d\n", summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
end
