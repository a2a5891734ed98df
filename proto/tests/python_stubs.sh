#!/usr/bin/env bash
# Generates the Python stubs the way the client does and imports them: keeps
# the API usable from Python (proto3 `optional` needs protoc >= 3.15, so this
# uses the system protoc + grpc_python_plugin, not Debian's old grpc_tools).
#   python_stubs.sh <proto dir>
set -euo pipefail
proto_dir=${1:?usage: python_stubs.sh <proto dir>}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
protoc -I "$proto_dir" --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \
  "$proto_dir/animate/v1/animate_service.proto"
# Debian's python3 has python3-grpcio and python3-protobuf (scripts/setup.sh).
python=/usr/bin/python3
[[ -x $python ]] || python=python3
cd "$out"
"$python" - <<'PY'
from animate.v1 import animate_service_pb2 as pb
from animate.v1 import animate_service_pb2_grpc as pb_grpc
params = pb.JobParams(steps=0, sampler=pb.SAMPLER_UNIPC)
assert params.HasField("steps") and not params.HasField("seed")
assert pb.JobState.Name(pb.JOB_STATE_SUCCEEDED) == "JOB_STATE_SUCCEEDED"
assert hasattr(pb_grpc, "AnimateServiceStub")
print("python stubs: generated and imported")
PY
