#!/usr/bin/env bash
# Build SeaweedFS's `weed` binary from the Go module proxy, once per version,
# into this machine's cache, and print its path.
#
# `go install github.com/seaweedfs/seaweedfs/weed@VERSION` refuses: the
# module's go.mod has replace directives. So: download the module source
# (go mod download keeps it in the module cache, read-only), copy it to a
# scratch directory and build ./weed there, with -trimpath and CGO off.
# The build takes minutes (about 15 on a loaded 2-core machine); later runs
# find the cached binary and skip it.
#
# Usage: e2e/engines/build-weed.sh [VERSION]   (stdout: the binary's path)
set -euo pipefail

version="${1:-${S3CRYPT_WEED_VERSION:-v0.0.0-20261109003541-7506e5f91cd6}}"
module=github.com/seaweedfs/seaweedfs
dir="${XDG_CACHE_HOME:-$HOME/.cache}/s3crypt-ci/weed-$version"
bin="$dir/weed"

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

echo "== build weed $version (minutes; cached in $dir)" >&2
src=$(cd / && go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
if [ -z "$src" ] || [ ! -d "$src" ]; then
  echo "build-weed: go mod download gave no source directory for $module@$version" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -R "$src/." "$work/src"
chmod -R u+w "$work/src"
mkdir -p "$dir"
# Build into the scratch directory and move into place last, so an
# interrupted build never leaves a half-written binary that looks cached.
(cd "$work/src/weed" && CGO_ENABLED=0 nice -n 10 go build -trimpath -o "$work/weed" .)
mv "$work/weed" "$bin.tmp"
mv "$bin.tmp" "$bin"
echo "$bin"
