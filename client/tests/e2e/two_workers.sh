#!/usr/bin/env bash
# Two workers on one queue: four jobs all succeed and both workers run some.
# shellcheck source=harness.sh disable=SC2154  # WORKER_* ports are set by start_worker
source "$(dirname "$0")/harness.sh"
prepare_assets
start_redis
start_server
start_worker a
start_worker b

jobs=()
for i in 1 2 3 4; do
  # ~1 s each, so both workers are busy at the same time.
  jobs+=("$(cli submit --detach --image "$SAMPLE_IMAGE" --pose "$SAMPLE_POSE" "${LONG_JOB_FLAGS[@]}" \
    --seed "$i" --steps 20)") || fail "submit $i failed"
done
for i in "${!jobs[@]}"; do
  cli watch "${jobs[$i]}" -o "$E2E_DIR/out$i.mp4" --quiet >/dev/null || fail "job ${jobs[$i]} failed"
  check_mp4 "$E2E_DIR/out$i.mp4"
done
series='animate_jobs_finished_total{state="succeeded"}'
done_a=$(metric_value "http://127.0.0.1:$WORKER_METRICS_a/metrics" "$series")
done_b=$(metric_value "http://127.0.0.1:$WORKER_METRICS_b/metrics" "$series")
log "worker a finished ${done_a:-0}, worker b ${done_b:-0}"
[[ $(( ${done_a%.*} + ${done_b%.*} )) -eq 4 ]] || fail "the workers report ${done_a}+${done_b} jobs, not 4"
[[ ${done_a%.*} -ge 1 && ${done_b%.*} -ge 1 ]] || fail "one worker ran every job"
log "PASS two_workers"
