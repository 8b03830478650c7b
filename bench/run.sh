#!/bin/sh
# npm run bench / npm run soak: build, raise the open-file limit as far as allowed, run
# dist/bench/<run|soak>.js with the remaining arguments. See docs/performance.md.
set -u
cd "$(dirname "$0")/.." || exit 1
entry=$1
shift
node_modules/.bin/tsc -p tsconfig.json || echo "bench: tsc reported errors (above); measuring the JavaScript it emitted" >&2
ulimit -Hn 1048576 2>/dev/null
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null
exec node "dist/bench/$entry.js" "$@"
