#!/usr/bin/env bash
# Sets up and runs every test suite (the README's test command; CI runs exactly this):
# unit, integration (real MediaMTX and FFmpeg), the benchmark suite's smoke run and the VM lane
# (real kernel V4L2 devices) on the machine's Node (>= 20.19), then unit and integration again
# on the pinned Node LTS that scripts/provision-node.sh fetches into the cache. Ends with one
# summary line per suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-vm
node scripts/run-tests.mjs --node-lts "$(scripts/provision-node.sh)" unit integration bench vm
