#!/usr/bin/env bash
# Installs what camera-service needs on a fresh machine, idempotently:
#   Debian packages (when root and missing), npm packages, the TypeScript build, and MediaMTX.
# Usage: scripts/setup.sh [--with-vm]   (--with-vm adds QEMU, a kernel and v4l2loopback for the VM test lane,
#                                       what the operations tests need, and the second Node (the LTS) the
#                                       unit and integration suites also run on; scripts/test.sh passes it)
set -euo pipefail
cd "$(dirname "$0")/.."

runtime_pkgs=(ffmpeg v4l-utils)
vm_pkgs=(qemu-system-x86 linux-image-amd64 busybox-static cpio kmod udev linux-headers-amd64 v4l2loopback-dkms)
# The operations tests: systemd-analyze/-notify/-sysusers/-tmpfiles, python3 for a notify-socket listener,
# promtool (Debian's prometheus package) for the alert rules.
ops_test_pkgs=(systemd python3 prometheus)
# The MQTT tests: a real broker (mosquitto, with mosquitto_passwd) on a free loopback port.
mqtt_test_pkgs=(mosquitto)
# The console's browser tests: Debian's chromium, driven by playwright-core (no browser download).
console_test_pkgs=(chromium)
pkgs=("${runtime_pkgs[@]}")
[[ "${1:-}" == "--with-vm" ]] && pkgs+=("${vm_pkgs[@]}" "${ops_test_pkgs[@]}" "${mqtt_test_pkgs[@]}" "${console_test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or install them: apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("setup: Node >= 20.19 is needed, found "+process.version); process.exit(1) }'
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
echo "setup: building" >&2
npm run --silent build >&2
scripts/provision-mediamtx.sh >/dev/null
if [[ "${1:-}" == "--with-vm" ]]; then scripts/provision-node.sh >/dev/null; fi
