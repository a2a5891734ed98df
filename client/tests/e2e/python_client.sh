#!/usr/bin/env bash
# The Python client (client/python) against a real stack: stubs generated
# with Debian's protoc + grpc_python_plugin, run with /usr/bin/python3
# (python3-grpcio; a pyenv python3 on PATH may lack grpc).
#   python_client.sh PROTO_DIR PYTHON_CLIENT_DIR
proto_dir=${1:?usage: python_client.sh PROTO_DIR PYTHON_CLIENT_DIR}
python_dir=${2:?}
# shellcheck source=harness.sh
source "$(dirname "$0")/harness.sh"
/usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null ||
  fail "/usr/bin/python3 lacks grpc/protobuf (apt-get install python3-grpcio python3-protobuf)"
bash "$python_dir/generate_stubs.sh" "$proto_dir" "$E2E_DIR/stubs"
prepare_assets
start_redis
start_server
start_worker a
PYTHONDONTWRITEBYTECODE=1 ANIMATE_SAMPLE_DIR=$(dirname "$SAMPLE_IMAGE") PYTHONPATH="$E2E_DIR/stubs:$python_dir" \
  /usr/bin/python3 "$python_dir/test_animate_client.py" || fail "python client tests failed"
log "PASS python_client"
