#!/usr/bin/env bash
# Re-records hardware/fixtures/udevadm-monitor/ (raw `udevadm monitor --udev
# --subsystem-match=video4linux --property` output while vivid and v4l2loopback devices are
# added, changed and removed) by booting the VM lane and running
# e2e/vm/guest/record-udev-monitor.sh inside it.
# Usage (from the project dir): e2e/vm/record-udev-monitor.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
cd "$ROOT"
OUTDIR=$(mktemp -d "${TMPDIR:-/tmp}/camera-service-udev.XXXXXX")
trap 'rm -rf "$OUTDIR"' EXIT

VM_TIMEOUT=${VM_TIMEOUT:-120} "$HERE/run-vm.sh" "$HERE/guest/record-udev-monitor.sh" "$OUTDIR"

dest=hardware/fixtures/udevadm-monitor
mkdir -p "$dest"
cp "$OUTDIR/udevadm-monitor/vivid-loopback.txt" "$dest/"
. "$OUTDIR/udevadm-monitor/versions.txt" 2>/dev/null || true
{
  echo "# udevadm monitor fixtures (real output, recorded in the VM lane)"
  echo
  echo "Recorded $(date -u +%Y-%m-%d) by \`e2e/vm/record-udev-monitor.sh\` (guest script"
  echo "\`e2e/vm/guest/record-udev-monitor.sh\`) inside the QEMU VM lane: Debian kernel ${kernel:-?},"
  echo "udevadm ${udevadm:-?}, v4l2loopback-dkms ${v4l2loopback:-?}."
  echo
  echo "\`vivid-loopback.txt\` is the stdout of \`udevadm monitor --udev --subsystem-match=video4linux"
  echo "--property\`, byte for byte, while these steps ran (each followed by \`udevadm settle\`):"
  echo
  sed 's/^/    /' "$OUTDIR/udevadm-monitor/steps.txt"
  echo
  echo "vivid's two instances hang off one platform device, so unbind/bind removes and re-adds"
  echo "all three nodes (video0 capture, video1 metadata, video2 capture) at once."
} > "$dest/README.md"
echo "fixture written to $dest"
