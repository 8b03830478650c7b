#!/usr/bin/env bash
# Re-records the real-device fixtures in hardware/fixtures/{vivid,v4l2loopback}/ by booting
# the VM lane and running e2e/vm/guest/record-fixtures.sh inside it.
# Usage (from the project dir): e2e/vm/record-fixtures.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
cd "$ROOT"
OUTDIR=$(mktemp -d "${TMPDIR:-/tmp}/camera-service-fixtures.XXXXXX")
trap 'rm -rf "$OUTDIR"' EXIT

VM_TIMEOUT=${VM_TIMEOUT:-150} "$HERE/run-vm.sh" "$HERE/guest/record-fixtures.sh" "$OUTDIR"

KVER=$(sed -n 's/.*"kernel": "\([^"]*\)".*/\1/p' "$OUTDIR"/fixtures/vivid/*/meta.json | head -1)
V4L2CTL=$(sed -n 's/.*"v4l2ctl": "\([^"]*\)".*/\1/p' "$OUTDIR"/fixtures/vivid/*/meta.json | head -1)
DATE=$(date -u +%Y-%m-%d)
for src in vivid v4l2loopback; do
  dest=hardware/fixtures/$src
  mkdir -p "$dest"
  # Replace the recorded device dirs and list files; keep hand-written files other than README.md.
  find "$dest" -mindepth 1 -maxdepth 1 \( -type d -o -name 'list-devices*.txt' \) -exec rm -rf {} +
  cp -r "$OUTDIR/fixtures/$src/." "$dest/"
done

cat > hardware/fixtures/vivid/README.md <<EOF
# vivid fixtures (real kernel output, recorded in the VM lane)

Recorded $DATE by \`e2e/vm/record-fixtures.sh\` (guest script \`e2e/vm/guest/record-fixtures.sh\`)
inside the QEMU VM lane: Debian kernel $KVER, $V4L2CTL, udev from the host (Debian 12).

Module load: \`modprobe vivid n_devs=2 node_types=0x20001,0x1\`: instance 0 has a video capture
node and a metadata capture node, instance 1 a video capture node only.

Each \`<bus>-<node type>/\` directory holds, for one /dev/videoN node:

| file | command |
| --- | --- |
| \`list-devices.txt\` | \`v4l2-ctl --list-devices\` (all nodes at recording time) |
| \`info.txt\` | \`v4l2-ctl -d /dev/videoN --info\` |
| \`list-formats-ext.txt\` | \`v4l2-ctl -d /dev/videoN --list-formats-ext\` |
| \`list-formats-meta.txt\` | \`v4l2-ctl -d /dev/videoN --list-formats-meta\` (metadata nodes only) |
| \`list-ctrls.txt\` | \`v4l2-ctl -d /dev/videoN --list-ctrls\` |
| \`udev.txt\` | \`udevadm info --query=all --name=/dev/videoN\` |
| \`sysfs.txt\` | \`class=\` readlink -f /sys/class/video4linux/videoN, \`name= index= dev=\` those attributes, \`device=\` readlink -f of its \`device\` link (\`(missing)\` when absent), then \`device/uevent: \` and \`uevent: \` lines |
| \`*.stderr\` | stderr of the command of the same name, only when it printed something |
| \`meta.json\` | device node, kernel, date, and argv + exit code of every command |

Files hold stdout only, byte for byte. \`list-devices.txt\` at this level is the listing
with both vivid instances loaded.
EOF

cat > hardware/fixtures/v4l2loopback/README.md <<EOF
# v4l2loopback fixtures (real kernel output, recorded in the VM lane)

Recorded $DATE by \`e2e/vm/record-fixtures.sh\` (guest script \`e2e/vm/guest/record-fixtures.sh\`)
inside the QEMU VM lane: Debian kernel $KVER, v4l2loopback-dkms $(dpkg-query -W -f '${Version}' v4l2loopback-dkms 2>/dev/null || echo '?'), $V4L2CTL.

Module load: \`modprobe v4l2loopback devices=1 exclusive_caps=1 card_label="Loop Cam"\`.

- \`loop-cam-idle/\`: no writer yet. With \`exclusive_caps=1\` the node advertises only
  Video Output, so a discovery that keeps capture nodes only must not treat it as a camera yet.
- \`loop-cam-streaming/\`: while \`ffmpeg -re -f lavfi -i testsrc=size=640x480:rate=30
  -pix_fmt yuyv422 -f v4l2 /dev/videoN\` feeds it: now Video Capture, one format (YUYV 640x480).
- \`list-devices-with-vivid.txt\`: \`v4l2-ctl --list-devices\` with vivid (2 instances) and
  the loopback device loaded together.

File layout and formats as in ../vivid/README.md (\`list-formats-out-ext.txt\` =
\`v4l2-ctl -d /dev/videoN --list-formats-out-ext\`, recorded for nodes that advertise Video Output).
v4l2loopback devices are virtual: \`sysfs.txt\` shows \`device=(missing)\` and the class path
under /sys/devices/virtual/video4linux/.
EOF
echo "fixtures written to hardware/fixtures/{vivid,v4l2loopback}"
