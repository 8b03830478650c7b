#!/usr/bin/env bash
# Sets up and runs every test suite (the README's test command; CI runs exactly this):
# unit, integration (real MediaMTX and FFmpeg), and the VM lane (real kernel V4L2 devices).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-vm
node scripts/run-tests.mjs unit integration vm
