-- wrk sends GET by default; Traefik probes with HEAD.
wrk.method = "HEAD"
