#!/bin/bash
# Guest script (runs inside the VM via run-vm.sh): records v4l2-ctl / udev / sysfs outputs
# of vivid and v4l2loopback nodes into $OUT/fixtures/<source>/<device-name>/.
# Host wrapper: e2e/vm/record-fixtures.sh (copies them into hardware/fixtures/).
set -euo pipefail
FIX=$OUT/fixtures
rm -rf "$FIX"
mkdir -p "$FIX/vivid" "$FIX/v4l2loopback"

# Process start-up is expensive under TCG (~0.2 s each): helpers use bash builtins only.
json_str() { local v=${1//\\/\\\\}; v=${v//\"/\\\"}; v=${v//$'\n'/ }; printf '"%s"' "$v"; }
now() { local up _; read -r up _ < /proc/uptime; echo "$up"; }

# run_to <dir> <file> <cmd...>: stdout -> <dir>/<file>, stderr -> <dir>/<file>.stderr when
# not empty, and a line in <dir>/.commands for meta.json.
run_to() {
  local dir=$1 file=$2; shift 2
  local rc=0
  "$@" > "$dir/$file" 2> "$dir/$file.stderr" || rc=$?
  [[ -s $dir/$file.stderr ]] || rm "$dir/$file.stderr"
  local argv="" a
  for a in "$@"; do argv+="${argv:+, }$(json_str "$a")"; done
  echo "    $(json_str "$file"): { \"argv\": [$argv], \"exitCode\": $rc }" >> "$dir/.commands"
}

sysfs_dump() { # <videoN>
  local c=/sys/class/video4linux/$1 f line
  echo "class=$(readlink -f "$c")"
  for f in name index dev; do
    if [[ -r $c/$f ]]; then echo "$f=$(< "$c/$f")"; else echo "$f=(missing)"; fi
  done
  if [[ -e $c/device ]]; then
    echo "device=$(readlink -f "$c/device")"
    while IFS= read -r line; do echo "device/uevent: $line"; done < "$c/device/uevent"
  else
    echo "device=(missing)"
  fi
  while IFS= read -r line; do echo "uevent: $line"; done < "$c/uevent"
}

# Device Caps lines of a `v4l2-ctl --info` text (the node's own caps, not the device's).
device_caps() { # <info text>
  local line in=0
  while IFS= read -r line; do
    if [[ $line == *"Device Caps"* ]]; then in=1
    elif (( in )); then [[ $line == $'\t\t'* ]] && echo "${line#$'\t\t'}" || break
    fi
  done <<<"$1"
}
node_type() { # <info text> -> video-capture | metadata-capture | video-output | other
  local caps; caps=$(device_caps "$1")
  if [[ $caps == *"Video Capture"* ]]; then echo video-capture
  elif [[ $caps == *"Metadata Capture"* ]]; then echo metadata-capture
  elif [[ $caps == *"Video Output"* ]]; then echo video-output
  else echo other; fi
}
bus_of() { # <info text> -> first "Bus info" value (the V4L2 one, not the media one)
  local line
  while IFS= read -r line; do
    [[ $line =~ ^[[:space:]]*Bus\ info[[:space:]]*:\ (.*)$ ]] && { echo "${BASH_REMATCH[1]}"; return; }
  done <<<"$1"
}

KVER=$(uname -r)
V4L2CTL_VERSION=$(v4l2-ctl --version 2>&1 | head -1)

# record <source> <device-name> <videoN>
record() {
  local src=$1 name=$2 node=$3 dev=/dev/$3
  local d=$FIX/$src/$name caps
  mkdir -p "$d"
  : > "$d/.commands"
  run_to "$d" list-devices.txt v4l2-ctl --list-devices
  run_to "$d" info.txt v4l2-ctl -d "$dev" --info
  run_to "$d" list-formats-ext.txt v4l2-ctl -d "$dev" --list-formats-ext
  run_to "$d" list-ctrls.txt v4l2-ctl -d "$dev" --list-ctrls
  run_to "$d" list-ctrls-menus.txt v4l2-ctl -d "$dev" --list-ctrls-menus
  run_to "$d" all.txt v4l2-ctl -d "$dev" --all
  caps=$(device_caps "$(< "$d/info.txt")")
  if [[ $caps == *"Metadata Capture"* ]]; then
    run_to "$d" list-formats-meta.txt v4l2-ctl -d "$dev" --list-formats-meta
  fi
  if [[ $caps == *"Video Output"* ]]; then
    run_to "$d" list-formats-out-ext.txt v4l2-ctl -d "$dev" --list-formats-out-ext
  fi
  run_to "$d" udev.txt udevadm info --query=all "--name=$dev"
  sysfs_dump "$node" > "$d/sysfs.txt"
  local cmds; cmds=$(< "$d/.commands"); rm "$d/.commands"
  cat > "$d/meta.json" <<JSON
{
  "source": $(json_str "$src"),
  "device": $(json_str "$dev"),
  "kernel": $(json_str "$KVER"),
  "recordedAt": $(json_str "$(printf '%(%Y-%m-%dT%H:%M:%SZ)T' -1)"),
  "v4l2ctl": $(json_str "$V4L2CTL_VERSION"),
  "commands": {
${cmds//$'\n'/$',\n'}
  }
}
JSON
  echo "$(now) recorded $src/$name from $dev"
}

# --- vivid ----------------------------------------------------------------------------
modprobe vivid n_devs=2 node_types=0x20001,0x1
udevadm settle -t 10
for sys in /sys/class/video4linux/video*; do
  node=${sys##*/}
  info=$(v4l2-ctl -d "/dev/$node" --info 2>/dev/null)
  bus=$(bus_of "$info")                   # platform:vivid-000
  type=$(node_type "$info")
  record vivid "${bus#platform:}-$type" "$node"
done
v4l2-ctl --list-devices > "$FIX/vivid/list-devices.txt" 2>/dev/null || true

# --- v4l2loopback (exclusive_caps=1), idle and while an FFmpeg writer feeds it -------------
modprobe v4l2loopback devices=1 exclusive_caps=1 card_label="Loop Cam"
udevadm settle -t 10
v4l2-ctl --list-devices > "$FIX/v4l2loopback/list-devices-with-vivid.txt" 2>/dev/null || true
modprobe -r vivid
udevadm settle -t 10
loops=(/sys/class/video4linux/video*)
loop=${loops[0]##*/}
record v4l2loopback loop-cam-idle "$loop"

echo "$(now) starting writer"
ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi -i testsrc=size=640x480:rate=30 \
  -pix_fmt yuyv422 -f v4l2 "/dev/$loop" &
writer=$!
# No event tells when the writer has set the format; poll the capabilities (bounded).
for ((i = 0; i < 100; i++)); do
  [[ $(node_type "$(v4l2-ctl -d "/dev/$loop" --info 2>/dev/null)") == video-capture ]] && break
  kill -0 "$writer" 2>/dev/null || { echo "ffmpeg writer died" >&2; exit 1; }
  sleep 0.1
done
record v4l2loopback loop-cam-streaming "$loop"
kill "$writer"; wait "$writer" || true
modprobe -r v4l2loopback
echo "$(now) done"
