#!/usr/bin/env bash
# Builds (or reuses) the tiny initramfs of the QEMU VM lane and prints its path.
#
# Contents: a static busybox, the kernel modules needed to mount the host's root over
# virtio 9p (virtio_pci and its dependencies, 9pnet_virtio, 9p), and an /init that mounts
# the host root read-only, prepares a chroot in it and runs the per-run guest wrapper
# (see run-vm.sh). The image is cached outside the work tree, keyed on the kernel version
# and a hash of this script (which contains /init), so it is built once per machine.
#
# Usage: e2e/vm/build-initramfs.sh            -> prints the initramfs path
# Env:   VM_KERNEL            kernel version (default: newest /lib/modules/* with /boot/vmlinuz-*)
#        CAMERA_SERVICE_CACHE cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/camera-service)
set -euo pipefail

die() { echo "build-initramfs: $*" >&2; exit 1; }

pick_kernel() {
  local k best=""
  for k in $(ls -1 /lib/modules 2>/dev/null | sort -V); do
    [[ -r /boot/vmlinuz-$k && -f /lib/modules/$k/modules.dep ]] && best=$k
  done
  [[ -n $best ]] || die "no kernel found (need linux-image-amd64: /boot/vmlinuz-* and /lib/modules/*)"
  echo "$best"
}

KVER=${VM_KERNEL:-$(pick_kernel)}
[[ -r /boot/vmlinuz-$KVER ]] || die "/boot/vmlinuz-$KVER missing or unreadable"
CACHE_ROOT=${CAMERA_SERVICE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/camera-service}
CACHE_DIR=$CACHE_ROOT/vm
SELF_HASH=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)
OUT=$CACHE_DIR/initramfs-$KVER-$SELF_HASH.cpio

# An uncompressed vmlinux boots several seconds faster under TCG than the XZ bzImage (no
# in-guest decompression); qemu boots it through its PVH entry point (needs CONFIG_PVH=y).
# run-vm.sh uses it when present. Keyed on the vmlinuz file's size and mtime.
extract_vmlinux() {
  grep -qx 'CONFIG_PVH=y' "/boot/config-$KVER" 2>/dev/null || return 0
  local src=/boot/vmlinuz-$KVER stamp dest off magic tool tmp
  stamp=$(stat -c '%s-%Y' "$src")
  dest=$CACHE_DIR/vmlinux-$KVER
  [[ -s $dest && $(cat "$dest.stamp" 2>/dev/null) == "$stamp" ]] && return 0
  mkdir -p "$CACHE_DIR"
  tmp=$(mktemp "$CACHE_DIR/vmlinux.XXXXXX")
  for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
    tool=${magic%%:*}
    off=$(LC_ALL=C grep -obUaP "${magic#*:}" "$src" | head -1 | cut -d: -f1) || true
    [[ -n $off ]] || continue
    case $tool in
      xz) tail -c +$((off + 1)) "$src" | xz -dc --single-stream > "$tmp" 2>/dev/null || true ;;
      zstd) tail -c +$((off + 1)) "$src" | zstd -qdc > "$tmp" 2>/dev/null || true ;;
      gzip) tail -c +$((off + 1)) "$src" | gzip -dc > "$tmp" 2>/dev/null || true ;;
    esac
    if [[ $(head -c 4 "$tmp" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]]; then
      chmod 644 "$tmp"; mv "$tmp" "$dest"; echo "$stamp" > "$dest.stamp"; return 0
    fi
  done
  rm -f "$tmp"
  echo "build-initramfs: could not extract vmlinux from $src; booting the bzImage (slower)" >&2
}
extract_vmlinux

if [[ -s $OUT ]]; then echo "$OUT"; exit 0; fi

BUSYBOX=""
for b in /bin/busybox /usr/bin/busybox; do
  if [[ -x $b ]] && file -L "$b" 2>/dev/null | grep -q 'statically linked'; then BUSYBOX=$b; break; fi
done
[[ -n $BUSYBOX ]] || die "need a static busybox (Debian package busybox-static)"
command -v cpio >/dev/null || die "need cpio"
command -v modprobe >/dev/null || die "need modprobe (kmod)"

mkdir -p "$CACHE_DIR"
WORK=$(mktemp -d "$CACHE_DIR/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
R=$WORK/root
mkdir -p "$R"/{bin,dev,proc,sys,host,out,cwd,lib/modules}
cp "$BUSYBOX" "$R/bin/busybox"
for app in sh mount umount mkdir insmod chroot poweroff reboot ip cat echo sleep sync ln; do
  ln -s busybox "$R/bin/$app"
done

# Modules in load order (dependencies first), deduplicated; builtins print "builtin ...".
: > "$R/modules.order"
for mod in virtio_pci 9pnet_virtio 9p; do
  modprobe -S "$KVER" --show-depends "$mod" | while read -r kind path _; do
    [[ $kind == insmod ]] || continue
    name=$(basename "$path")
    case $name in
      *.ko) cp "$path" "$R/lib/modules/$name" ;;
      *.ko.xz) xz -dc "$path" > "$R/lib/modules/${name%.xz}"; name=${name%.xz} ;;
      *.ko.zst) zstd -qdc "$path" > "$R/lib/modules/${name%.zst}"; name=${name%.zst} ;;
      *.ko.gz) gzip -dc "$path" > "$R/lib/modules/${name%.gz}"; name=${name%.gz} ;;
      *) die "unexpected module file $path" ;;
    esac
    grep -qx "$name" "$R/modules.order" || echo "$name" >> "$R/modules.order"
  done
done

cat > "$R/init" <<'INIT'
#!/bin/sh
# PID 1 of the VM lane. Config comes from the writable 9p share "out" (.vm/config):
#   VM_CWD  host directory to run in (the project dir)    VM_OUT  host path of the out dir
export PATH=/bin
msg() { echo "vm-init: $*"; }
halt_vm() { sync; poweroff -f; sleep 5; reboot -f; }
fail() { msg "FATAL: $*"; halt_vm; }
msg "start"    # the kernel is up: a boot that hangs before this line hung in the kernel

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do insmod "/lib/modules/$m" || fail "insmod $m"; done
# virtio-pci probing is synchronous with insmod, but give the 9p channels a moment if needed
n=0
until mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose host /host 2>/dev/null; do
  n=$((n+1)); [ $n -gt 50 ] && fail "cannot mount 9p share 'host'"; sleep 0.1
done
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out /out || fail "cannot mount 9p share 'out'"
[ -r /out/.vm/config ] || fail "missing .vm/config in out share"
. /out/.vm/config
[ -n "$VM_CWD" ] && [ -n "$VM_OUT" ] || fail "VM_CWD/VM_OUT not set"

# Keep a handle on the project dir before tmpfs hides it (fresh clones under /tmp).
mount --bind "/host$VM_CWD" /cwd || fail "project dir $VM_CWD not visible in the guest"
mount -t tmpfs -o mode=1777 tmpfs /host/tmp || fail "tmpfs /tmp"
mount -t tmpfs -o mode=0755 tmpfs /host/run || fail "tmpfs /run"
mount --bind /proc /host/proc
mount --bind /sys /host/sys
mount --bind /dev /host/dev
mkdir -p /host/dev/pts /host/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /host/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm
case "$VM_CWD" in
  /tmp/*|/run/*|/tmp|/run) mkdir -p "/host$VM_CWD"; mount --bind /cwd "/host$VM_CWD" || fail "rebind cwd" ;;
esac
mkdir -p "/host$VM_OUT" 2>/dev/null
mount --bind /out "/host$VM_OUT" || fail "cannot bind out dir at $VM_OUT"
ip link set lo up || msg "warning: lo not up"

msg "chroot"
chroot /host /bin/bash "$VM_OUT/.vm/guest-wrapper.sh"
msg "guest wrapper exited with $?"
halt_vm
INIT
chmod 755 "$R/init"

(cd "$R" && find . -print0 | sort -z | cpio --null -o -H newc --quiet -R 0:0) > "$WORK/initramfs.cpio"
mv "$WORK/initramfs.cpio" "$OUT"
# Drop images built by older versions of this script.
for old in "$CACHE_DIR"/initramfs-*.cpio; do [[ $old == "$OUT" ]] || rm -f "$old"; done
echo "$OUT"
