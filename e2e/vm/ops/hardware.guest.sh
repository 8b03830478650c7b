#!/usr/bin/env bash
# Guest side of hardware.test.ts: runs as root inside the VM lane, in the project dir.
set -euo pipefail
report() { printf '%s\n' "$1" > "$OUT/report.json"; }
# The rule under test in udev's runtime rules directory (/run is writable in the VM).
mkdir -p /run/udev/rules.d
cp hardware/udev/70-camera-service.rules /run/udev/rules.d/
udevadm control --reload
# Only the example's options (modprobe -C replaces /etc/modprobe.d for this call).
modprobe -C hardware/modprobe.d/v4l2loopback.conf v4l2loopback
udevadm settle --timeout=20
nodes=()
for n in 20 21; do
  dev=/dev/video$n
  [[ -c $dev ]] || { report "{\"error\":\"$dev missing\",\"ls\":\"$(ls /dev | tr '\n' ' ')\"}"; exit 1; }
  props=$(udevadm info -q property "$dev")
  tags=$(printf '%s\n' "$props" | sed -n 's/^TAGS=//p')
  card=$(v4l2-ctl -d "$dev" --info 2>/dev/null | sed -n 's/^\s*Card type\s*:\s*//p' | head -n1)
  marked=$(printf '%s\n' "$props" | sed -n 's/^CAMERA_SERVICE=//p')
  nodes+=("{\"dev\":\"$dev\",\"owner\":\"$(stat -c '%U:%G' "$dev")\",\"mode\":\"$(stat -c '%a' "$dev")\",\"tags\":\"$tags\",\"marked\":\"$marked\",\"card\":\"$card\"}")
done
other=$(udevadm info -q property /dev/null | sed -n 's/^CAMERA_SERVICE=//p')
modprobe -r v4l2loopback
report "{\"nodes\":[$(IFS=,; echo "${nodes[*]}")],\"otherMarked\":\"$other\"}"
