#!/usr/bin/env bash
# Installs camera-service as a systemd service on a Debian / Ubuntu / Raspberry Pi OS host.
# Described in docs/operations.md. Run as root from a clone of the repository:
#
#   scripts/install.sh [options]
#     --destdir DIR          install into DIR (a staging root for packaging and tests; also $DESTDIR):
#                            nothing outside DIR is touched, no user is created, nothing is started
#     --prefix DIR           runtime tree location (default /opt/camera-service)
#     --external-mediamtx    run MediaMTX as its own unit (mediamtx.service) instead of as a child
#                            of the service: binary /usr/local/bin/mediamtx, config /etc/mediamtx/
#     --mediamtx-bin FILE    MediaMTX binary to install (default: $MEDIAMTX_BIN, else the one
#                            scripts/provision-mediamtx.sh builds and caches)
#     --no-build             use the existing build (dist/, node_modules/) instead of scripts/setup.sh
#     --no-start             install and enable, but do not (re)start
#
# Layout (all under DESTDIR when given):
#   /opt/camera-service/                  package.json, dist/src, dist/console, production node_modules,
#                                         ffmpeg-templates, docs,
#                                         bin/mediamtx (managed mode), INSTALLED_FILES
#   /usr/local/bin/camera-service, camera-service-ctl  -> the commands in /opt/camera-service/dist/src
#   /etc/camera-service/config.yaml       written once with a random JWT secret, never overwritten
#   /etc/systemd/system/camera-service.service  (+ mediamtx.service and a drop-in, external mode)
#   /etc/sysusers.d/camera-service.conf   user camera-service, member of group video
#   /etc/tmpfiles.d/camera-service.conf   /var/lib/camera-service/{recordings,snapshots,state}
#   /etc/udev/rules.d/70-camera-service.rules
# Re-running it upgrades in place: the runtime tree is replaced, the configuration and data stay,
# and a running service is restarted. scripts/uninstall.sh removes it again.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

DESTDIR="${DESTDIR:-}"
PREFIX=/opt/camera-service
EXTERNAL=0
MTX_BIN="${MEDIAMTX_BIN:-}"
BUILD=1
START=1
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while (($#)); do
  case "$1" in
    --destdir) DESTDIR="${2:?--destdir needs a directory}"; shift 2 ;;
    --destdir=*) DESTDIR="${1#*=}"; shift ;;
    --prefix) PREFIX="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) PREFIX="${1#*=}"; shift ;;
    --external-mediamtx) EXTERNAL=1; shift ;;
    --mediamtx-bin) MTX_BIN="${2:?--mediamtx-bin needs a file}"; shift 2 ;;
    --mediamtx-bin=*) MTX_BIN="${1#*=}"; shift ;;
    --no-build) BUILD=0; shift ;;
    --no-start) START=0; shift ;;
    -h|--help) usage ;;
    *) echo "install: unknown option $1" >&2; usage ;;
  esac
done
[[ "$PREFIX" == /* ]] || { echo "install: --prefix must be an absolute path" >&2; exit 2; }
if [[ -n "$DESTDIR" ]]; then
  mkdir -p "$DESTDIR"
  DESTDIR=$(cd "$DESTDIR" && pwd)
elif [[ $(id -u) -ne 0 ]]; then
  echo "install: run as root (or use --destdir DIR to stage the installation)" >&2
  exit 1
fi
say() { echo "install: $*" >&2; }
D() { printf '%s%s' "$DESTDIR" "$1"; }

# 1. Build (Debian packages, npm ci, TypeScript, MediaMTX), unless told to use the existing build.
if ((BUILD)); then
  scripts/setup.sh
fi
[[ -f dist/src/main.js ]] || { echo "install: dist/src/main.js is missing: build first (npm ci && npm run build) or drop --no-build" >&2; exit 1; }
[[ -d node_modules ]] || { echo "install: node_modules is missing: run npm ci" >&2; exit 1; }
if [[ -z "$MTX_BIN" ]]; then
  MTX_BIN=$(scripts/provision-mediamtx.sh) || { echo "install: no MediaMTX binary: pass --mediamtx-bin FILE (e.g. a release from github.com/bluenviron/mediamtx for this CPU)" >&2; exit 1; }
fi
[[ -x "$MTX_BIN" ]] || { echo "install: MediaMTX binary $MTX_BIN is not executable" >&2; exit 1; }
NODE=$(readlink -f "$(command -v node)")
case "$NODE" in
  /root/*|/home/*) echo "install: node is $NODE, which the unit cannot run (ProtectHome=yes): install Node system-wide (Debian's nodejs package or NodeSource)" >&2; exit 1 ;;
esac
VERSION=$(node -p 'require("./package.json").version')

# 2. Stage the runtime tree next to its final place, then swap it in (upgrades replace it whole).
TARGET=$(D "$PREFIX")
STAGE="$TARGET.new"
rm -rf "$STAGE"
mkdir -p "$STAGE/dist" "$STAGE/docs" "$STAGE/bin"
cp package.json package-lock.json "$STAGE/"
# dist/src is self-contained: the build copies the on-demand hook into it.
cp -r dist/src "$STAGE/dist/src"
# The operator console (built by npm run build; served at /console/).
[[ -d dist/console ]] && cp -r dist/console "$STAGE/dist/console"
cp -r ffmpeg-templates "$STAGE/ffmpeg-templates"
cp docs/*.md "$STAGE/docs/"
cp README.md "$STAGE/"
[[ -f CHANGELOG.md ]] && cp CHANGELOG.md "$STAGE/"
say "copying production node_modules"
cp -r node_modules "$STAGE/node_modules"
(cd "$STAGE" && npm prune --omit=dev --offline --no-audit --no-fund --loglevel=error >/dev/null)
find "$STAGE/node_modules" -mindepth 1 -maxdepth 1 -type d -empty -delete
if ((EXTERNAL)); then
  rmdir "$STAGE/bin"
else
  install -m 0755 "$MTX_BIN" "$STAGE/bin/mediamtx"
fi

# Files installed outside the runtime tree (uninstall.sh removes exactly these; config and data
# are not listed: they stay unless --purge).
installed=()
put() { # put MODE SOURCE DEST: install one file under DESTDIR and record it
  install -D -m "$1" "$2" "$(D "$3")"
  installed+=("$3")
}

# 3. systemd units and snippets, udev rule.
unit=$(mktemp)
trap 'rm -f "$unit"' EXIT
sed -e "s#/opt/camera-service#$PREFIX#g" -e "s#^ExecStart=/usr/bin/node #ExecStart=$NODE #" systemd/camera-service.service > "$unit"
put 0644 "$unit" /etc/systemd/system/camera-service.service
put 0644 systemd/sysusers.d/camera-service.conf /etc/sysusers.d/camera-service.conf
put 0644 systemd/tmpfiles.d/camera-service.conf /etc/tmpfiles.d/camera-service.conf
put 0644 hardware/udev/70-camera-service.rules /etc/udev/rules.d/70-camera-service.rules
# The commands of package.json's "bin" (camera-service, camera-service-ctl), linked into /usr/local/bin.
mkdir -p "$(D /usr/local/bin)"
while read -r name path; do
  [[ -n "$name" ]] || continue
  chmod 0755 "$STAGE/$path"
  ln -sfn "$PREFIX/$path" "$(D "/usr/local/bin/$name.new")"
  mv -T "$(D "/usr/local/bin/$name.new")" "$(D "/usr/local/bin/$name")"
  installed+=("/usr/local/bin/$name")
done < <(node -p 'Object.entries(require("./package.json").bin ?? {}).map(([n, p]) => `${n} ${p.replace(/^\.\//, "")}`).join("\n")')

# 4. External MediaMTX: its binary, unit, a drop-in tying the service to it, and its config.
if ((EXTERNAL)); then
  put 0755 "$MTX_BIN" /usr/local/bin/mediamtx
  put 0644 systemd/mediamtx.service /etc/systemd/system/mediamtx.service
  dropin=$(mktemp)
  printf '%s\n' '# Written by scripts/install.sh --external-mediamtx: MediaMTX runs as its own unit.' \
    '[Unit]' 'Wants=mediamtx.service' 'After=mediamtx.service' > "$dropin"
  put 0644 "$dropin" /etc/systemd/system/camera-service.service.d/10-external-mediamtx.conf
  rm -f "$dropin"
  if [[ ! -f "$(D /etc/mediamtx/mediamtx.yml)" ]]; then
    mkdir -p "$(D /etc/mediamtx)"
    # The same MediaMTX settings the service writes in managed mode, from the default configuration.
    (cd "$STAGE" && node --input-type=module -e '
      const { loadConfig } = await import("./dist/src/config/load.js");
      const { renderManagedConfig } = await import("./dist/src/mediamtx/managed-config.js");
      const r = loadConfig(undefined, { CAMERA_SERVICE_SECURITY_JWT_SECRET: "x".repeat(32) });
      if (!r.ok) throw new Error(r.problems.join("\n"));
      process.stdout.write(renderManagedConfig(r.config.mediamtx).replace(/^#.*\n/, "# MediaMTX for camera-service (external mode), written once by scripts/install.sh.\n# camera-service configures paths through the API on 127.0.0.1:9997.\n# Anyone who reaches the media ports may read (camera-service media_auth applies to its managed\n# MediaMTX only): add authentication here (authInternalUsers, authMethod) unless the network is closed.\n"));
    ') > "$(D /etc/mediamtx/mediamtx.yml)"
    chmod 0644 "$(D /etc/mediamtx/mediamtx.yml)"
    say "wrote /etc/mediamtx/mediamtx.yml"
  else
    say "kept the existing /etc/mediamtx/mediamtx.yml"
  fi
fi

# 5. Configuration: written once, never overwritten.
CONFIG=$(D /etc/camera-service/config.yaml)
mkdir -p "$(dirname "$CONFIG")"
chmod 0750 "$(dirname "$CONFIG")"
if [[ -f "$CONFIG" ]]; then
  say "kept the existing /etc/camera-service/config.yaml"
else
  secret=$(node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("hex"))')
  if ((EXTERNAL)); then
    mtx_block="  managed: false            # MediaMTX runs as mediamtx.service
  api_url: http://127.0.0.1:9997"
  else
    mtx_block="  managed: true             # the service runs MediaMTX as its child
  binary: $PREFIX/bin/mediamtx"
  fi
  umask_old=$(umask); umask 0027
  cat > "$CONFIG" <<YAML
# camera-service configuration, written by scripts/install.sh on $(date -u +%Y-%m-%d).
# Every key is listed in $PREFIX/docs/configuration.md. Validate after editing with:
#   camera-service check-config --config /etc/camera-service/config.yaml
# then: systemctl restart camera-service
server:
  host: 0.0.0.0
  port: 8002
security:
  # Signs the JSON Web Tokens clients authenticate with; keep it secret (this file is 0640).
  jwt_secret: "$secret"
mediamtx:
$mtx_block
storage:
  recordings_path: /var/lib/camera-service/recordings
  snapshots_path: /var/lib/camera-service/snapshots
  state_path: /var/lib/camera-service/state
logging:
  level: info
YAML
  umask "$umask_old"
  chmod 0640 "$CONFIG"
  say "wrote /etc/camera-service/config.yaml with a new JWT secret"
fi

printf '%s\n' "# Files scripts/install.sh put outside $PREFIX (camera-service $VERSION); scripts/uninstall.sh removes them." \
  "${installed[@]}" > "$STAGE/INSTALLED_FILES"

# 6. Swap the runtime tree in. Files an earlier install put outside it and this one did not
# (e.g. mediamtx.service after switching back to managed mode) are removed.
if [[ -f "$TARGET/INSTALLED_FILES" ]]; then
  while IFS= read -r f; do
    [[ "$f" == /* ]] || continue
    printf '%s\n' "${installed[@]}" | grep -qxF -- "$f" && continue
    rm -f "$(D "$f")"
    say "removed $f (no longer installed)"
  done < "$TARGET/INSTALLED_FILES"
  rmdir "$(D /etc/systemd/system/camera-service.service.d)" 2>/dev/null || true
fi
if [[ -d "$TARGET" ]]; then
  rm -rf "$TARGET.old"
  mv -T "$TARGET" "$TARGET.old"
  mv -T "$STAGE" "$TARGET"
  rm -rf "$TARGET.old"
  say "upgraded $PREFIX to $VERSION"
else
  mkdir -p "$(dirname "$TARGET")"
  mv -T "$STAGE" "$TARGET"
  say "installed $VERSION into $PREFIX"
fi

if [[ -n "$DESTDIR" ]]; then
  say "staged into $DESTDIR (no user created, nothing enabled or started)"
  exit 0
fi

# 7. On the host: user and directories, udev, systemd.
systemd-sysusers /etc/sysusers.d/camera-service.conf
systemd-tmpfiles --create /etc/tmpfiles.d/camera-service.conf
if command -v udevadm >/dev/null && udevadm control --reload 2>/dev/null; then
  udevadm trigger --subsystem-match=video4linux --action=change || true
fi
if [[ ! -d /run/systemd/system ]]; then
  say "systemd is not running on this host: start it by hand with"
  say "  runuser -u camera-service -- camera-service --config /etc/camera-service/config.yaml"
  exit 0
fi
systemctl daemon-reload
units=(camera-service.service)
((EXTERNAL)) && units=(mediamtx.service "${units[@]}")
systemctl enable "${units[@]}" >&2
if ((START)); then
  systemctl restart "${units[@]}"
  say "started: systemctl status camera-service; journalctl -u camera-service -f"
fi
say "a viewer token: camera-service token --role viewer --config /etc/camera-service/config.yaml"
