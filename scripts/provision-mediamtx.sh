#!/usr/bin/env bash
# Provision the pinned MediaMTX binary, built from its Go module, cached outside the work tree.
# Prints the binary's path on stdout. MEDIAMTX_BIN, when set to an executable, is used as is.
set -euo pipefail

VERSION="${MEDIAMTX_VERSION:-v1.20.1}"
if [[ -n "${MEDIAMTX_BIN:-}" ]]; then
  [[ -x "$MEDIAMTX_BIN" ]] || { echo "MEDIAMTX_BIN=$MEDIAMTX_BIN is not executable" >&2; exit 1; }
  echo "$MEDIAMTX_BIN"; exit 0
fi

CACHE="${CAMERA_SERVICE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/camera-service}"
OUT="$CACHE/mediamtx-$VERSION/mediamtx"
if [[ -x "$OUT" ]]; then echo "$OUT"; exit 0; fi

command -v go >/dev/null || { echo "Go >= 1.26 is needed to build MediaMTX $VERSION (or set MEDIAMTX_BIN)" >&2; exit 1; }
echo "building MediaMTX $VERSION from its Go module into $OUT ..." >&2
MODDIR=$(cd "$(mktemp -d)" && go mod download -json "github.com/bluenviron/mediamtx@$VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p')
[[ -d "$MODDIR" ]] || { echo "go mod download of mediamtx@$VERSION failed" >&2; exit 1; }

SRC=$(mktemp -d)
trap 'rm -rf "$SRC"' EXIT
cp -r "$MODDIR/." "$SRC/"
chmod -R u+w "$SRC"
# Two embedded files are generated upstream rather than committed: provide them.
printf '%s' "$VERSION" > "$SRC/internal/core/VERSION"
: > "$SRC/internal/servers/hls/hls.min.js"
mkdir -p "$(dirname "$OUT")"
(cd "$SRC" && CGO_ENABLED=0 go build -trimpath -o "$OUT.tmp" .)
cp "$SRC/mediamtx.yml" "$(dirname "$OUT")/mediamtx.yml"
mv "$OUT.tmp" "$OUT"
echo "$OUT"
