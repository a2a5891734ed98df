#!/usr/bin/env bash
# Generates the Python stubs of animate.v1 with Debian's tools (system protoc
# + grpc_python_plugin; Debian's grpc_tools is too old for proto3 optional):
#   generate_stubs.sh PROTO_DIR OUT_DIR   ->  OUT_DIR/animate/v1/animate_service_pb2*.py
set -euo pipefail
proto_dir=${1:?usage: generate_stubs.sh PROTO_DIR OUT_DIR}
out=${2:?usage: generate_stubs.sh PROTO_DIR OUT_DIR}
plugin=$(command -v grpc_python_plugin) || { echo "grpc_python_plugin not found (protobuf-compiler-grpc)" >&2; exit 1; }
mkdir -p "$out"
protoc -I "$proto_dir" --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python="$plugin" "$proto_dir/animate/v1/animate_service.proto"
# Packages for the import path animate.v1 (protoc writes modules only).
touch "$out/animate/__init__.py" "$out/animate/v1/__init__.py"
