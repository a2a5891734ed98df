#!/usr/bin/env bash
# Cancel a queued job (at once) and a running job (at the next step); both
# end CANCELLED and the worker goes on with the next job.
# shellcheck source=harness.sh
source "$(dirname "$0")/harness.sh"
prepare_assets
start_redis
start_server
start_worker a

running=$(cli submit --detach --image "$SAMPLE_IMAGE" --pose "$SAMPLE_POSE" "${LONG_JOB_FLAGS[@]}") || fail "submit failed"
wait_state "$running" JOB_STATE_RUNNING 60
queued=$(cli submit --detach --image "$SAMPLE_IMAGE" --pose "$SAMPLE_POSE" "${JOB_FLAGS[@]}" \
  --seed 8) || fail "submit failed"
[[ $(job_state "$queued") == JOB_STATE_QUEUED ]] || fail "second job is not queued"

cli cancel "$queued" >/dev/null || fail "cancel queued failed"
[[ $(job_state "$queued") == JOB_STATE_CANCELLED ]] || fail "queued job not cancelled at once"
expect_exit 1 watch "$queued"

cli cancel "$running" >/dev/null || fail "cancel running failed"
wait_state "$running" JOB_STATE_CANCELLED 60
expect_exit 1 watch "$running"
# Cancelling a finished job is a no-op.
cli cancel "$running" >/dev/null || fail "cancel of a cancelled job failed"
# The worker is free again.
after=$(cli submit --detach --image "$SAMPLE_IMAGE" --pose "$SAMPLE_POSE" "${JOB_FLAGS[@]}" \
  --seed 9) || fail "submit failed"
cli watch "$after" --quiet >/dev/null || fail "job after the cancellations failed"
log "PASS cancel"
