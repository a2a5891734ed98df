#!/usr/bin/env bash
# WatchJob resumes: replay from any sequence after the end, and a live watch
# that survives a server restart (kill -9) finishes with the complete MP4.
# shellcheck source=harness.sh
source "$(dirname "$0")/harness.sh"
prepare_assets
start_redis
start_server
start_worker a

job=$(cli submit --detach --image "$SAMPLE_IMAGE" --pose "$SAMPLE_POSE" "${LONG_JOB_FLAGS[@]}") || fail "submit failed"
wait_state "$job" JOB_STATE_RUNNING 60
"$ANIMATE_CLI" watch "$job" -o "$E2E_DIR/live.mp4" >"$E2E_DIR/watch.out" 2>"$E2E_DIR/watch.err" &
watcher=$!
sleep 1
log "restarting animate-server (kill -9) under a live watch"
kill_process server KILL
sleep 1
start_server
wait "$watcher" || fail "watch across the restart failed: $(cat "$E2E_DIR/watch.err")"
grep -q "resuming from sequence" "$E2E_DIR/watch.err" || fail "the watch never reconnected"
check_mp4 "$E2E_DIR/live.mp4"
read -r state last <"$E2E_DIR/watch.out"
[[ $state == succeeded && $last -gt 0 ]] || fail "watch printed '$state $last'"

cli download "$job" -o "$E2E_DIR/dl.mp4" >/dev/null || fail "download failed"
cmp "$E2E_DIR/live.mp4" "$E2E_DIR/dl.mp4" || fail "live MP4 differs from the result"

# Full replay from 0 rebuilds the same MP4 from the chunks.
read -r state replay_last < <(cli watch "$job" --from-seq 0 -o "$E2E_DIR/replay.mp4" --quiet)
[[ $state == succeeded && $replay_last == "$last" ]] || fail "replay: $state $replay_last"
cmp "$E2E_DIR/replay.mp4" "$E2E_DIR/dl.mp4" || fail "replayed MP4 differs"
# From the middle: the rest of the events; the CLI completes the file.
half=$((last / 2))
read -r state mid_last < <(cli watch "$job" --from-seq "$half" -o "$E2E_DIR/half.mp4" --quiet)
[[ $state == succeeded && $mid_last == "$last" ]] || fail "resume from $half: $state $mid_last"
cmp "$E2E_DIR/half.mp4" "$E2E_DIR/dl.mp4" || fail "MP4 after a mid-stream resume differs"
# After the end: nothing to replay, the final state still comes back.
read -r state _ < <(cli watch "$job" --from-seq $((last + 1)) --quiet)
[[ $state == succeeded ]] || fail "watch after the end: $state"
log "PASS watch_resume"
