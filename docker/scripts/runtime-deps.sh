#!/bin/sh
# Prints the runtime library packages behind the given -dev packages: their
# direct "Depends:" that are libraries (lib*, not -dev). Used by the runtime
# stages so they install exactly the shared libraries the builder linked
# against, on whatever Debian/Ubuntu release the base image is. Needs the apt
# lists (run after apt-get update). Fails when a package is unknown.
#   runtime-deps.sh libgrpc++-dev libhiredis-dev ...
set -eu
out=""
for dev in "$@"; do
  deps=$(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
           --no-replaces --no-enhances "$dev" 2>/dev/null) || {
    echo "runtime-deps: unknown package $dev" >&2
    exit 1
  }
  libs=$(printf '%s\n' "$deps" | awk '$1 ~ /^\|?Depends:$/ { print $2 }' \
           | grep -E '^lib' | grep -Ev -e '-dev$' -e '^<' || true)
  if [ -z "$libs" ]; then
    echo "runtime-deps: $dev has no runtime library dependency" >&2
    exit 1
  fi
  out="$out $libs"
done
printf '%s\n' $out | sort -u
