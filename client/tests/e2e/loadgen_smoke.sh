#!/usr/bin/env bash
# animate-loadgen against a real server: every phase completes its bounded
# request count without errors and cleans up the jobs it created.
# shellcheck source=harness.sh
source "$(dirname "$0")/harness.sh"
: "${ANIMATE_LOADGEN:?set ANIMATE_LOADGEN to the animate-loadgen binary}"
start_redis
start_server
report=$("$ANIMATE_LOADGEN" --server "$ANIMATE_SERVER" --channels 2 --requests 40 --uploads 6 \
  --upload-side 128 --json 2>>"$E2E_DIR/cli.log") || fail "animate-loadgen failed"
log "$report"
/usr/bin/python3 - "$report" <<'PY' || fail "unexpected loadgen report"
import json, sys
r = json.loads(sys.argv[1])
assert r["create"]["ok"] == 40 and not r["create"]["errors"], r["create"]
assert r["get"]["ok"] == 40 and not r["get"]["errors"], r["get"]
assert r["upload"]["ok"] == 6 and r["upload"]["mb_per_s"] > 0, r["upload"]
assert r["create"]["p50_ms"] <= r["create"]["p99_ms"] <= r["create"]["max_ms"]
assert r["jobs_removed"] == r["jobs_created"] == 40, r
PY
left=$(cli list --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("jobs", [])))')
[[ $left -eq 0 ]] || fail "$left jobs left after the cleanup"
"$ANIMATE_LOADGEN" --server 10.1.2.3:50051 2>/dev/null && fail "loadgen accepted a remote address"
log "PASS loadgen_smoke"
