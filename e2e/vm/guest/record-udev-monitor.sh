#!/bin/bash
# Guest script (runs inside the VM via run-vm.sh): records the raw output of
#   udevadm monitor --udev --subsystem-match=video4linux --property
# while vivid and v4l2loopback devices come and go, into $OUT/udevadm-monitor/.
# Host wrapper: e2e/vm/record-udev-monitor.sh (copies it into hardware/fixtures/udevadm-monitor/).
set -euo pipefail
DEST=$OUT/udevadm-monitor
rm -rf "$DEST"
mkdir -p "$DEST"
steps=$DEST/steps.txt

udevadm monitor --udev --subsystem-match=video4linux --property > "$DEST/vivid-loopback.txt" 2> "$DEST/vivid-loopback.txt.stderr" &
mon=$!
# The monitor prints its header once it listens; wait for it (bounded).
for ((i = 0; i < 100; i++)); do grep -q '^UDEV - ' "$DEST/vivid-loopback.txt" 2>/dev/null && break; sleep 0.05; done

step() { echo "$*" >> "$steps"; "$@"; udevadm settle -t 10; }
step modprobe vivid n_devs=2 node_types=0x20001,0x1
step modprobe v4l2loopback devices=1 exclusive_caps=1 "card_label=Loop Cam"
loop=$(grep -l 'Loop Cam' /sys/class/video4linux/video*/name | head -1 | xargs dirname | xargs basename)
step udevadm trigger --action=change "/sys/class/video4linux/$loop"
step modprobe -r v4l2loopback
echo "echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind" >> "$steps"
echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind; udevadm settle -t 10
echo "echo vivid.0 > /sys/bus/platform/drivers/vivid/bind" >> "$steps"
echo vivid.0 > /sys/bus/platform/drivers/vivid/bind; udevadm settle -t 10
step modprobe -r vivid
sleep 0.3
kill "$mon"; wait "$mon" || true
[[ -s $DEST/vivid-loopback.txt.stderr ]] || rm -f "$DEST/vivid-loopback.txt.stderr"
{
  echo "kernel=$(uname -r)"
  echo "udevadm=$(udevadm --version)"
  echo "v4l2loopback=$(dpkg-query -W -f '${Version}' v4l2loopback-dkms 2>/dev/null || echo '?')"
} > "$DEST/versions.txt"
