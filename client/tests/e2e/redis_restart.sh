#!/usr/bin/env bash
# Redis killed (-9) with jobs in the queue and restarted from its AOF: every
# accepted job is still there and runs to completion.
# shellcheck source=harness.sh
source "$(dirname "$0")/harness.sh"
prepare_assets
start_redis
start_server

jobs=()
for i in 1 2 3; do
  jobs+=("$(cli submit --detach --image "$SAMPLE_IMAGE" --pose "$SAMPLE_POSE" "${JOB_FLAGS[@]}" \
    --seed "$i")") || fail "submit $i failed"
done
log "killing redis (kill -9) with ${#jobs[@]} queued jobs"
kill_process redis KILL
start_redis
wait_for 30 "the server to reach redis again" cli list --state queued
queued=$(cli list --state queued --json)
for job in "${jobs[@]}"; do
  grep -q "$job" <<<"$queued" || fail "job $job lost in the restart: $queued"
done
start_worker a
for job in "${jobs[@]}"; do
  cli watch "$job" --quiet >/dev/null || fail "job $job did not succeed after the restart"
done
log "PASS redis_restart"
