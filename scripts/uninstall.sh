#!/usr/bin/env bash
# Removes what scripts/install.sh installed. Run as root:
#
#   scripts/uninstall.sh [--destdir DIR] [--prefix DIR] [--purge]
#     --destdir DIR   remove a staged installation under DIR (also $DESTDIR); nothing is stopped
#     --prefix DIR    the runtime tree given to install.sh (default /opt/camera-service)
#     --purge         also delete the configuration (/etc/camera-service, /etc/mediamtx when
#                     install.sh wrote it) and all data in /var/lib/camera-service: recordings,
#                     snapshots, camera ids, API keys
#
# Without --purge, /etc/camera-service and /var/lib/camera-service (recordings, snapshots,
# state) stay, so a later install.sh picks them up again. Storage paths configured outside
# /var/lib/camera-service are never deleted. The system user camera-service stays (Debian
# practice: files may still be owned by it); remove it with `userdel camera-service`.
set -euo pipefail

DESTDIR="${DESTDIR:-}"
PREFIX=/opt/camera-service
PURGE=0
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while (($#)); do
  case "$1" in
    --destdir) DESTDIR="${2:?--destdir needs a directory}"; shift 2 ;;
    --destdir=*) DESTDIR="${1#*=}"; shift ;;
    --prefix) PREFIX="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) PREFIX="${1#*=}"; shift ;;
    --purge) PURGE=1; shift ;;
    -h|--help) usage ;;
    *) echo "uninstall: unknown option $1" >&2; usage ;;
  esac
done
if [[ -n "$DESTDIR" ]]; then
  [[ -d "$DESTDIR" ]] || { echo "uninstall: $DESTDIR does not exist" >&2; exit 1; }
  DESTDIR=$(cd "$DESTDIR" && pwd)
elif [[ $(id -u) -ne 0 ]]; then
  echo "uninstall: run as root (or use --destdir DIR)" >&2
  exit 1
fi
say() { echo "uninstall: $*" >&2; }
D() { printf '%s%s' "$DESTDIR" "$1"; }

TARGET=$(D "$PREFIX")
MANIFEST="$TARGET/INSTALLED_FILES"
# What install.sh records; the fixed list covers a tree whose manifest is missing.
files=(/usr/local/bin/camera-service /usr/local/bin/camera-service-ctl /etc/systemd/system/camera-service.service
  /etc/sysusers.d/camera-service.conf /etc/tmpfiles.d/camera-service.conf /etc/udev/rules.d/70-camera-service.rules)
external=0
if [[ -f "$MANIFEST" ]]; then
  mapfile -t files < <(grep -v '^#' "$MANIFEST" | grep -v '^$')
  grep -qx /etc/systemd/system/mediamtx.service "$MANIFEST" && external=1
fi

if [[ -z "$DESTDIR" && -d /run/systemd/system ]]; then
  units=(camera-service.service)
  ((external)) && units+=(mediamtx.service)
  systemctl disable --now "${units[@]}" >&2 2>/dev/null || true
fi

for f in "${files[@]}"; do
  case "$f" in /*) ;; *) continue ;; esac
  rm -f "$(D "$f")"
done
rmdir "$(D /etc/systemd/system/camera-service.service.d)" 2>/dev/null || true
rm -rf "$TARGET" "$TARGET.new" "$TARGET.old"
say "removed $PREFIX and ${#files[@]} installed files"

if ((PURGE)); then
  rm -rf "$(D /etc/camera-service)" "$(D /var/lib/camera-service)"
  # /etc/mediamtx only when install.sh wrote it (its first line says so).
  if head -n1 "$(D /etc/mediamtx/mediamtx.yml)" 2>/dev/null | grep -q 'scripts/install.sh'; then
    rm -rf "$(D /etc/mediamtx)"
  fi
  say "purged the configuration and /var/lib/camera-service (recordings, snapshots, state)"
else
  [[ -d "$(D /etc/camera-service)" ]] && say "kept /etc/camera-service (configuration)"
  [[ -d "$(D /var/lib/camera-service)" ]] && say "kept /var/lib/camera-service (recordings, snapshots, state); --purge deletes them"
fi

if [[ -z "$DESTDIR" ]]; then
  command -v udevadm >/dev/null && udevadm control --reload 2>/dev/null || true
  [[ -d /run/systemd/system ]] && systemctl daemon-reload || true
fi
