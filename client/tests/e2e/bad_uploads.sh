#!/usr/bin/env bash
# Uploads are validated before anything is stored: corrupt image, non-video
# pose, oversized upload and wrong hash each fail with INVALID_ARGUMENT
# naming the field, and a rejected upload leaves nothing behind.
# shellcheck source=harness.sh
source "$(dirname "$0")/harness.sh"
prepare_assets
start_redis
start_server --max-upload-bytes 200000

head -c 4000 /dev/urandom >"$E2E_DIR/noise.png"
expect_exit 13 upload --kind reference-image "$E2E_DIR/noise.png"
grep -q "field: chunk" <<<"$LAST_STDERR" || fail "corrupt image: $LAST_STDERR"

head -c 300 "$SAMPLE_IMAGE" >"$E2E_DIR/truncated.png"
expect_exit 13 upload --kind reference-image "$E2E_DIR/truncated.png"
grep -q "INVALID_ARGUMENT" <<<"$LAST_STDERR" || fail "truncated image: $LAST_STDERR"

expect_exit 13 upload --kind pose-video "$SAMPLE_IMAGE"
grep -q "field: chunk" <<<"$LAST_STDERR" || fail "image as pose video: $LAST_STDERR"

head -c 300000 /dev/urandom >"$E2E_DIR/big.mp4"
expect_exit 13 upload --kind pose-video "$E2E_DIR/big.mp4"
grep -q "max_upload_bytes" <<<"$LAST_STDERR" || fail "oversized: $LAST_STDERR"

zeros=$(printf '0%.0s' {1..64})
expect_exit 13 upload --kind reference-image --sha256 "$zeros" "$SAMPLE_IMAGE"
grep -q "field: header.sha256" <<<"$LAST_STDERR" || fail "wrong hash: $LAST_STDERR"
# The rejected bytes were not stored: the real upload is not a duplicate.
answer=$(cli upload --kind reference-image --json "$SAMPLE_IMAGE") || fail "valid upload failed"
[[ $(json_field "$answer" deduplicated) != True ]] || fail "rejected upload was stored: $answer"
# ... and uploading it again is.
answer=$(cli upload --kind reference-image --json "$SAMPLE_IMAGE") || fail "second upload failed"
[[ $(json_field "$answer" deduplicated) == True ]] || fail "identical upload not deduplicated"
log "PASS bad_uploads"
