#!/usr/bin/env bash
# Same idempotency key + same request = same job; + different request =
# ALREADY_EXISTS. Invalid parameters name their field.
# shellcheck source=harness.sh
source "$(dirname "$0")/harness.sh"
prepare_assets
start_redis
start_server

key=e2e-$RANDOM-$RANDOM
first=$(cli submit --detach --idempotency-key "$key" --image "$SAMPLE_IMAGE" \
  --pose "$SAMPLE_POSE" "${JOB_FLAGS[@]}") || fail "submit failed"
second=$(cli submit --detach --idempotency-key "$key" --image "$SAMPLE_IMAGE" \
  --pose "$SAMPLE_POSE" "${JOB_FLAGS[@]}") || fail "resubmit failed"
[[ $first == "$second" ]] || fail "resubmit made a new job: $first vs $second"
expect_exit 16 submit --detach --idempotency-key "$key" --image "$SAMPLE_IMAGE" \
  --pose "$SAMPLE_POSE" "${JOB_FLAGS[@]}" --seed 99
grep -q ALREADY_EXISTS <<<"$LAST_STDERR" || fail "expected ALREADY_EXISTS: $LAST_STDERR"
count=$(cli list --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("jobs", [])))')
[[ $count -eq 1 ]] || fail "$count jobs listed, expected 1"

# A bad parameter is INVALID_ARGUMENT naming the field.
expect_exit 13 submit --detach --image "$SAMPLE_IMAGE" --pose "$SAMPLE_POSE" --frames 6
grep -q "frame_count" <<<"$LAST_STDERR" || fail "error does not name frame_count: $LAST_STDERR"
# Unknown job: NOT_FOUND.
expect_exit 15 status 0000000000000000000000000000
log "PASS idempotency"
