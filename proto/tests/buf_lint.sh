#!/usr/bin/env bash
# Lints proto/ with buf, installing the pinned buf into .tools/ first if needed.
#   buf_lint.sh <repo root>
set -euo pipefail
root=${1:?usage: buf_lint.sh <repo root>}
bash "$root/scripts/install-dev-tools.sh" >/dev/null
cd "$root/proto"
"$root/.tools/bin/buf" lint
echo "buf lint: proto/ clean"
