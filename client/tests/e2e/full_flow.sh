#!/usr/bin/env bash
# submit with the CLI -> MP4 valid per ffprobe; status, list, download
# (whole and resumed, sha256 checked), delete.
# shellcheck source=harness.sh disable=SC2154  # WORKER_* ports are set by start_worker
source "$(dirname "$0")/harness.sh"
prepare_assets
start_redis
start_server
start_worker a

# Health: the whole server, one service, an unknown service, a worker.
[[ $(cli health) == SERVING ]] || fail "server health is not SERVING"
[[ $(cli health --service animate.v1.AnimateService) == SERVING ]] || fail "service health"
expect_exit 15 health --service no.such.Service
[[ $(cli health --addr "127.0.0.1:$WORKER_HEALTH_a") == SERVING ]] || fail "worker health"

out=$E2E_DIR/out.mp4
job=$(cli submit --image "$SAMPLE_IMAGE" --pose "$SAMPLE_POSE" --ref-pose "$SAMPLE_REF_POSE" \
  -o "$out" "${JOB_FLAGS[@]}") || fail "submit failed"
log "job $job"
check_mp4 "$out" 5

status=$(cli status "$job" --json)
[[ $(json_field "$status" state) == JOB_STATE_SUCCEEDED ]] || fail "status: $status"
cli status "$job" | grep -q "state: *succeeded" || fail "text status lacks the state"
cli list --state succeeded | grep -q "^$job " || fail "list --state succeeded lacks $job"

# Download: whole, then resumed from a truncated copy; both equal the stream.
cli download "$job" -o "$E2E_DIR/dl.mp4" >/dev/null || fail "download failed"
cmp "$out" "$E2E_DIR/dl.mp4" || fail "downloaded MP4 differs from the streamed one"
head -c 1000 "$out" >"$E2E_DIR/part.mp4"
cli download "$job" -o "$E2E_DIR/part.mp4" --resume >/dev/null || fail "resumed download failed"
cmp "$out" "$E2E_DIR/part.mp4" || fail "resumed download differs"

# Delete: a finished job goes away with its result.
cli delete "$job" >/dev/null || fail "delete failed"
expect_exit 15 status "$job"  # NOT_FOUND
grep -q NOT_FOUND <<<"$LAST_STDERR" || fail "status of a deleted job: $LAST_STDERR"
expect_exit 15 download "$job" -o "$E2E_DIR/gone.mp4"
log "PASS full_flow"
