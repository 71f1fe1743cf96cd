-- One trigger per request, as the quick-start curl sends it; the key comes from the environment.
wrk.method = "POST"
wrk.body = '{"payload":{"name":"world"},"options":{"tags":["bench"]}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SECRET_KEY")
