#!/bin/bash
# Runs inside the VM, chrooted into the host's (read-only) root, as root. run-vm.sh copies
# it to <out-dir>/.vm/ next to the guest script, config and env; the initramfs /init runs it.
# It starts udevd, runs the guest script with OUT=<out-dir> in the project dir, and writes
# <out-dir>/exit-code and <out-dir>/output.log.
set -u
. "$(dirname "$0")/config"              # VM_CWD, VM_OUT, VM_GUEST_TIMEOUT
OUT=$VM_OUT
VMD=$OUT/.vm
read -r up _ < /proc/uptime
echo "$up" > "$VMD/started"             # seconds since kernel start; the host watches this file

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp/home LANG=C.UTF-8 TERM=dumb
export SYSTEMD_IGNORE_CHROOT=1
export OUT VM_GUEST=1
mkdir -p "$HOME"
[ -r "$VMD/env.sh" ] && . "$VMD/env.sh"

/lib/systemd/systemd-udevd --daemon 2>"$VMD/udevd.log" || echo "guest-wrapper: udevd failed to start" >&2
read -r up _ < /proc/uptime
echo "$up" > "$VMD/ready"               # udevd started, about to run the script

cd "$VM_CWD" || { echo 126 > "$OUT/exit-code"; exit 126; }
timeout -k 3 "${VM_GUEST_TIMEOUT:-90}" /bin/bash "$VMD/script.sh" > "$OUT/output.log" 2>&1 < /dev/null
rc=$?
[ $rc -eq 124 ] && echo "guest-wrapper: guest script timed out after ${VM_GUEST_TIMEOUT:-90}s" >> "$OUT/output.log"
read -r up _ < /proc/uptime
echo "$up" > "$VMD/finished"
echo "$rc" > "$OUT/exit-code"
echo "guest-wrapper: script exited with $rc"
exit "$rc"
