#!/usr/bin/env bash
# API keys and TLS: the CLI's --api-key / ANIMATE_API_KEY and --ca-cert
# against a server with --api-keys-file and --tls-cert/--tls-key; tenants
# do not see each other's jobs.
# shellcheck source=harness.sh
source "$(dirname "$0")/harness.sh"
prepare_assets
start_redis
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$E2E_DIR/key.pem" -out "$E2E_DIR/cert.pem" >/dev/null 2>&1 || fail "openssl failed"
printf '# key tenant\nkey-alpha alpha\nkey-beta beta\n' >"$E2E_DIR/keys.txt"
HEALTH_FLAGS=(--ca-cert "$E2E_DIR/cert.pem")
start_server --api-keys-file "$E2E_DIR/keys.txt" --tls-cert "$E2E_DIR/cert.pem" \
  --tls-key "$E2E_DIR/key.pem"
tls=(--ca-cert "$E2E_DIR/cert.pem")

expect_exit 26 "${tls[@]}" list  # no key: UNAUTHENTICATED
expect_exit 26 "${tls[@]}" --api-key wrong list
expect_exit 24 --api-key key-alpha --timeout 3 list  # plaintext to a TLS port: UNAVAILABLE

export ANIMATE_API_KEY=key-alpha
job=$(cli "${tls[@]}" submit --detach --image "$SAMPLE_IMAGE" --pose "$SAMPLE_POSE" \
  "${JOB_FLAGS[@]}") || fail "submit with ANIMATE_API_KEY over TLS failed"
cli "${tls[@]}" status "$job" >/dev/null || fail "status of our own job failed"
# --api-key wins over the environment; another tenant cannot see the job.
expect_exit 15 "${tls[@]}" --api-key key-beta status "$job"
cli "${tls[@]}" cancel "$job" >/dev/null || fail "cancel failed"
unset ANIMATE_API_KEY
log "PASS auth_tls"
