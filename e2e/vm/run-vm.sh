#!/usr/bin/env bash
# Boots the QEMU VM lane and runs a bash script inside it, as root, chrooted into the host's
# root file system (shared read-only over 9p), with systemd-udevd running and
# SYSTEMD_IGNORE_CHROOT=1, in the directory this command was invoked from.
#
# Usage: e2e/vm/run-vm.sh <guest-script> <out-dir>
#   The guest sees OUT=<out-dir> (same absolute path as on the host, writable) and should
#   put machine-readable results in $OUT/report.json.
#   Afterwards <out-dir> holds: exit-code, output.log (script stdout+stderr), console.log
#   (serial console: kernel + init), .vm/{started,ready,finished} (guest uptime seconds; their
#   mtimes, host clock, against .vm/qemu-start in ns give boot and run times).
#   Exit status: the script's exit status; 124 on timeout; 125 when the VM failed before
#   the script could report.
# Env:
#   VM_TIMEOUT        host-side hard limit for the whole VM in seconds (default 120); qemu is
#                     killed when it is reached
#   VM_GUEST_TIMEOUT  limit for the guest script (default VM_TIMEOUT - 20)
#   VM_BOOT_TIMEOUT   limit for the guest to reach its wrapper (default 20 s; it takes 2-4 s):
#                     a boot that shows no sign of life by then is diagnosed (console lines,
#                     each vCPU's instruction pointer from the qemu monitor), stopped and
#                     started once more; stderr says so ("run-vm: boot hung")
#   VM_PASS_ENV       space-separated names of environment variables to export in the guest
#   VM_MEM, VM_SMP    guest memory (MiB, default 2048) and CPUs (default 2)
#   VM_QEMU_ARGS      extra qemu arguments (word-split), e.g. for debugging
#   VM_APPEND         extra kernel command line, e.g. "loglevel=7" to see boot messages
#   VM_KERNEL, CAMERA_SERVICE_CACHE  see build-initramfs.sh
# Only one VM runs at a time on a machine (flock); a second caller waits for the first.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
die() { echo "run-vm: $*" >&2; exit 125; }

[[ $# -eq 2 ]] || { echo "usage: $0 <guest-script> <out-dir>" >&2; exit 2; }
SCRIPT=$1
[[ -r $SCRIPT ]] || die "guest script $SCRIPT not readable"
mkdir -p "$2"
OUTDIR=$(cd "$2" && pwd -P)
CWD=$(pwd -P)
VM_TIMEOUT=${VM_TIMEOUT:-120}
VM_GUEST_TIMEOUT=${VM_GUEST_TIMEOUT:-$((VM_TIMEOUT > 40 ? VM_TIMEOUT - 20 : VM_TIMEOUT / 2))}
command -v qemu-system-x86_64 >/dev/null || die "need qemu-system-x86_64 (Debian package qemu-system-x86)"

# Fresh run state in the out dir (other files the caller put there are left alone).
rm -rf "$OUTDIR/.vm"
rm -f "$OUTDIR/exit-code" "$OUTDIR/output.log" "$OUTDIR/console.log"
mkdir -p "$OUTDIR/.vm"
cp "$SCRIPT" "$OUTDIR/.vm/script.sh"
cp "$HERE/guest-wrapper.sh" "$OUTDIR/.vm/guest-wrapper.sh"

# sh-safe single quoting (the config is read by busybox sh in the initramfs too)
sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
  echo "VM_CWD=$(sq "$CWD")"
  echo "VM_OUT=$(sq "$OUTDIR")"
  echo "VM_GUEST_TIMEOUT=$(sq "$VM_GUEST_TIMEOUT")"
} > "$OUTDIR/.vm/config"
: > "$OUTDIR/.vm/env.sh"
for name in ${VM_PASS_ENV:-}; do
  [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "bad name in VM_PASS_ENV: $name"
  [[ -v $name ]] && echo "export $name=$(sq "${!name}")" >> "$OUTDIR/.vm/env.sh"
done

INITRD=$("$HERE/build-initramfs.sh")
KVER=$(basename "$INITRD" | sed -E 's/^initramfs-(.*)-[0-9a-f]{12}\.cpio$/\1/')
KERNEL=/boot/vmlinuz-$KVER
[[ -s $(dirname "$INITRD")/vmlinux-$KVER ]] && KERNEL=$(dirname "$INITRD")/vmlinux-$KVER  # faster (PVH)
[[ -r $KERNEL ]] || die "kernel $KERNEL not readable"

# One lock per machine, not per cache dir: test runs with different HOMEs on one host must not
# run their emulated guests at once (three TCG guests on two cores starved an on-demand start).
LOCK_DIR=/run/lock
[[ -d $LOCK_DIR && -w $LOCK_DIR ]] || LOCK_DIR=${TMPDIR:-/tmp}
LOCK=$LOCK_DIR/camera-service-vm.lock
exec 9>"$LOCK"
flock -w 900 9 || die "another VM holds $LOCK for too long"

VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-20}
MON=$(mktemp -u "${TMPDIR:-/tmp}/camera-service-vm-mon.XXXXXX")   # short: a socket path has 108 bytes

# Each vCPU's instruction pointer, from the qemu monitor (nokaslr: the addresses match the
# kernel's System.map, e.g. from Debian's linux-image-*-dbg package).
vcpu_rips() {
  command -v python3 >/dev/null || { echo "(no python3 to ask the qemu monitor)"; return; }
  python3 - "$MON" <<'PY' 2>&1
import socket, sys, re
s = socket.socket(socket.AF_UNIX)
s.settimeout(3)
s.connect(sys.argv[1])
s.sendall(b"info registers -a\n")
out = b""
try:   # until the registers are out and the monitor prompts again (the socket timeout bounds it)
    while not (re.search(rb"[RE]IP=", out) and out.endswith(b"(qemu) ")):
        b = s.recv(65536)
        if not b:
            break
        out += b
except OSError:
    pass
ips = re.findall(rb"([RE]IP=[0-9a-f]+)", out)   # EIP while a vCPU is still in 16/32-bit mode
print(" ".join(f"vCPU{i} {ip.decode()}" for i, ip in enumerate(ips)) or "no registers")
PY
}

# One boot: runs qemu until it exits; returns 90 when the guest showed no sign of life within
# VM_BOOT_TIMEOUT (qemu stopped), else qemu's status.
boot() {
  rm -f "$OUTDIR/console.log" "$OUTDIR/output.log" "$OUTDIR/exit-code" "$MON" "$OUTDIR/.vm/"{started,ready,finished}
  date +%s%N > "$OUTDIR/.vm/qemu-start"    # host clock; the harness compares it with guest file mtimes
  timeout -k 5 "$VM_TIMEOUT" qemu-system-x86_64 \
    -accel tcg -cpu max -smp "${VM_SMP:-2}" -m "${VM_MEM:-2048}" \
    -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$KERNEL" -initrd "$INITRD" \
    -append "console=ttyS0 panic=-1 quiet loglevel=3 8250.nr_uarts=1 mitigations=off nokaslr ${VM_APPEND:-}" \
    -serial "file:$OUTDIR/console.log" \
    -monitor "unix:$MON,server,nowait" \
    -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$OUTDIR,mount_tag=out,security_model=none,multidevs=remap" \
    ${VM_QEMU_ARGS:-} < /dev/null &
  qpid=$!
  local deadline=$((SECONDS + VM_BOOT_TIMEOUT)) hung=""
  # The wrapper's first act is writing .vm/started; /init prints "vm-init: start" before that.
  while [[ -z $interrupted && ! -e $OUTDIR/.vm/started ]] && kill -0 "$qpid" 2>/dev/null; do
    if (( SECONDS >= deadline )); then hung=1; break; fi
    sleep 0.2
  done
  if [[ -n $hung ]]; then
    {
      echo "run-vm: boot hung: no sign of the guest wrapper ${VM_BOOT_TIMEOUT}s after qemu started (console: $(wc -c < "$OUTDIR/console.log" 2>/dev/null || echo 0) bytes)"
      sed 's/^/run-vm:   console: /' "$OUTDIR/console.log" 2>/dev/null | tail -n 20
      vcpu_rips | sed 's/^/run-vm:   /'
    } >&2
    kill -TERM "$qpid" 2>/dev/null
  fi
  while :; do
    wait "$qpid"; qrc=$?
    kill -0 "$qpid" 2>/dev/null || break     # wait was interrupted by a trap: wait again
  done
  rm -f "$MON"
  [[ -n $hung ]] && return 90
  return 0
}

# timeout(1) runs qemu in its own process group, so Ctrl-C / TERM to us must be passed on.
interrupted=""
qpid=""
trap 'interrupted=1; [[ -n $qpid ]] && kill -TERM "$qpid" 2>/dev/null' INT TERM HUP
set +e
boot
if [[ $? == 90 && -z $interrupted ]]; then
  echo "run-vm: boot hung: stopped that VM; booting once more" >&2
  boot
  [[ $? == 90 ]] && { trap - INT TERM HUP; exec 9>&-; echo "run-vm: boot hung twice; giving up" >&2; exit 125; }
fi
trap - INT TERM HUP
set -e
exec 9>&-
[[ -n $interrupted ]] && { echo "run-vm: interrupted; VM stopped" >&2; exit 130; }

[[ -f $OUTDIR/output.log ]] && cat "$OUTDIR/output.log"
if [[ -s $OUTDIR/exit-code ]]; then
  rc=$(< "$OUTDIR/exit-code")
  [[ $rc == 124 ]] && echo "run-vm: guest script timed out after ${VM_GUEST_TIMEOUT}s" >&2
  exit "$rc"
fi
if [[ $qrc == 124 || $qrc == 137 ]]; then
  echo "run-vm: VM killed after ${VM_TIMEOUT}s (see $OUTDIR/console.log)" >&2
  exit 124
fi
echo "run-vm: VM ended (qemu status $qrc) without a script exit code (see $OUTDIR/console.log)" >&2
tail -n 20 "$OUTDIR/console.log" >&2 || true
exit 125
