#!/usr/bin/env bash
# Sets up and runs camera-service with a managed MediaMTX on this machine (the README's run command).
# State and configuration live in .local/ (created on first run with a random JWT secret).
# Ctrl-C stops the service and MediaMTX.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p .local
CONFIG=".local/config.yaml"
if [[ ! -f "$CONFIG" ]]; then
  secret=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')
  cat > "$CONFIG" <<YAML
# Demo configuration written by scripts/run.sh; see docs/configuration.md for every key.
server:
  host: 127.0.0.1
  port: 8002
security:
  jwt_secret: "$secret"
mediamtx:
  managed: true
  listen_host: 127.0.0.1
test_cameras:
  when_no_hardware: true   # a live test pattern at rtsp://127.0.0.1:8554/camera0?token=<viewer token> when no V4L2 camera is found
storage:
  recordings_path: $PWD/.local/recordings
  snapshots_path: $PWD/.local/snapshots
  state_path: $PWD/.local/state
YAML
  echo "run: wrote $CONFIG" >&2
fi
echo "run: a viewer token for testing (valid 1 h; also for media: rtsp://127.0.0.1:8554/camera0?token=TOKEN):" >&2
node dist/src/main.js token --role viewer --config "$CONFIG" >&2
exec node --max-semi-space-size=1 dist/src/main.js --config "$CONFIG"
