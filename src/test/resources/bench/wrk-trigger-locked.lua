-- One trigger per request, locked to worker version 1 (the path of triggerAndWait and version-pinned child runs);
-- BODY overrides the request body, e.g. to compare with a current-version trigger.
wrk.method = "POST"
wrk.body = os.getenv("BODY") or '{"payload":{"name":"world"},"options":{"tags":["bench"],"lockToVersion":"1"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SECRET_KEY")

-- The request count for the writer-connections-per-trigger ratio, and the answers that were not 2xx/3xx, so a
-- benchmark full of 422s cannot pass for a fast one.
done = function(summary, latency, requests)
  io.write(string.format("requests: %d, non-2xx answers: %d\n", summary.requests, summary.errors.status))
end
