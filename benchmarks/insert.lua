-- wrk script: the baseline's bare insert (POST /items, no body).
wrk.method = "POST"
