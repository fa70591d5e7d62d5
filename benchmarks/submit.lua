-- wrk script: store a graded answer through the API, as a learner's phone app would.
-- BENCH_TOKEN is the learner's bearer token; the path is given on wrk's command line.
wrk.method = "POST"
wrk.body = '{"choice": 1}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
