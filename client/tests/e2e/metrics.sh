#!/usr/bin/env bash
# /metrics of the server and the worker parse as Prometheus text and carry
# the contract's series after one job.
# shellcheck source=harness.sh disable=SC2154  # WORKER_* ports are set by start_worker
source "$(dirname "$0")/harness.sh"
prepare_assets
start_redis
start_server
start_worker a
cli submit --image "$SAMPLE_IMAGE" --pose "$SAMPLE_POSE" -o "$E2E_DIR/out.mp4" "${JOB_FLAGS[@]}" \
  --quiet >/dev/null || fail "submit failed"

# Every sample line is `name{labels} value [timestamp]` (HELP/TYPE comments
# aside), and there is at least one.
check_exposition() {
  local url=$1
  curl -fsS --max-time 5 "$url" >"$E2E_DIR/scrape.txt" || fail "cannot scrape $url"
  /usr/bin/python3 -c '
import re, sys
sample = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\]|\\.)*\",?)*\})? "
                    r"[-+]?(\d+(\.\d*)?([eE][-+]?\d+)?|Inf|NaN|\.\d+([eE][-+]?\d+)?)( -?\d+)?$")
n = 0
for line in open(sys.argv[2]).read().splitlines():
    if not line or line.startswith("#"):
        continue
    if not sample.match(line):
        print("unparsable line:", line); sys.exit(1)
    n += 1
if n == 0:
    print("no samples"); sys.exit(1)
print(sys.argv[1], n, "samples")
' "$url" "$E2E_DIR/scrape.txt" || fail "bad exposition at $url"
}
server=http://127.0.0.1:$METRICS_PORT/metrics
worker=http://127.0.0.1:$WORKER_METRICS_a/metrics
check_exposition "$server"
check_exposition "$worker"

need() {
  local url=$1 series=$2 value
  value=$(metric_value "$url" "$series")
  [[ -n $value ]] || fail "$url has no $series"
  log "ok: $series = $value"
}
need "$server" animate_jobs_created_total
need "$server" 'animate_grpc_calls_total{code="OK",method="CreateJob"}'
need "$server" 'animate_upload_bytes_total{kind="reference_image"}'
need "$server" animate_jobs_pending
need "$worker" 'animate_jobs_finished_total{state="succeeded"}'
need "$worker" animate_worker_ready
need "$worker" animate_queue_wait_seconds_count
need "$worker" 'animate_stage_duration_seconds_count{stage="denoising"}'
log "PASS metrics"
