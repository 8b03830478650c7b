#!/usr/bin/env bash
# Guest side of systemd.test.ts: runs as root inside the VM lane, in the project dir.
# Boots a real systemd as PID 1 of a new PID and mount namespace (the VM's root file system is
# the host's, read-only: /run, /var and the account files are replaced by writable copies in
# that namespace), runs systemd/camera-service.service as shipped plus a drop-in that only
# points ExecStart at this tree and a test config, shortens WatchdogSec and logs to a file,
# and reports what systemd and the kernel say about the service. Writes $OUT/report.json and
# $OUT/progress.log; systemd's own messages go to the VM console.
set -uo pipefail
W=/tmp/sdtest
rm -rf "$W"; mkdir -p "$W"
PROJECT=$PWD
# MTX: the provisioned MediaMTX (the test passes scripts/provision-mediamtx.sh's answer).
MTX=${MTX:-$(ls /root/.cache/camera-service/mediamtx-*/mediamtx 2>/dev/null | head -n1)}
[[ -x "$MTX" ]] || { echo "no MediaMTX binary (MTX=$MTX)" >&2; exit 1; }

# Accounts as sysusers.d would create them (group video exists on Debian).
cp /etc/passwd /etc/group "$W/"
echo 'camera-service:x:995:995:camera-service daemon:/var/lib/camera-service:/usr/sbin/nologin' >> "$W/passwd"
echo 'camera-service:x:995:' >> "$W/group"
sed -i -E 's/^(video:x:44:)(.*)$/\1\2,camera-service/; s/^(video:x:44:),/\1/' "$W/group"

cat > "$W/config.yaml" <<YAML
server: {host: 127.0.0.1, port: 18002}
security: {jwt_secret: "vm-test-secret-0123456789abcdef-0123"}
mediamtx: {managed: true, binary: /run/cs/mediamtx, api_url: "http://127.0.0.1:19997", listen_host: 127.0.0.1, rtsp_port: 18554, rtp_port: 0, hls_port: 0, webrtc_port: 0}
storage: {recordings_path: /var/lib/camera-service/recordings, snapshots_path: /var/lib/camera-service/snapshots, state_path: /var/lib/camera-service/state}
test_cameras: {patterns: [{name: vm, width: 160, height: 120, fps: 5}]}
streaming: {default_mode: always_on}
YAML

cat > "$W/inner.sh" <<EOF
set -e
mount --make-rprivate /
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/cs /run/systemd/system/camera-service.service.d /run/cs/project
# The unit has PrivateTmp=yes: a checkout under /tmp (a fresh clone) would be invisible to it.
mount --bind "$PROJECT" /run/cs/project
cp "$W/config.yaml" /run/cs/config.yaml
cp "$MTX" /run/cs/mediamtx
chmod 0644 /run/cs/config.yaml
mount --bind "$W/passwd" /etc/passwd
mount --bind "$W/group" /etc/group
mount -t tmpfs -o mode=0755 tmpfs /var
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
cp "$PROJECT/systemd/camera-service.service" /run/systemd/system/
cat > /run/systemd/system/camera-service.service.d/vm-test.conf <<UNIT
[Service]
ExecStart=
ExecStart=/usr/bin/node /run/cs/project/dist/src/main.js --config /run/cs/config.yaml
WatchdogSec=6
# The watchdog's SIGABRT would make node, MediaMTX and FFmpeg dump cores into tmpfs: slow under TCG.
LimitCORE=0
StandardOutput=append:/run/cs/service.log
StandardError=append:/run/cs/service.log
UNIT
# Units of a normal boot that cannot work in this namespace (binfmt, a second udevd, AppArmor) are masked.
for u in systemd-binfmt.service proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount apparmor.service \\
         systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket systemd-udev-trigger.service \\
         systemd-update-utmp.service systemd-journal-flush.service; do
  ln -sf /dev/null /run/systemd/system/\$u
done
export container=camera-service-vm-test
exec /lib/systemd/systemd --system --unit=camera-service.service --log-target=console --log-level=info
EOF

unshare --pid --mount --fork --mount-proc /bin/bash "$W/inner.sh" > "$W/systemd.log" 2>&1 &
UNSHARE=$!

sd_pid() { pgrep -P "$UNSHARE" -x systemd | head -n1; }
for _ in $(seq 1 200); do [[ -n "$(sd_pid)" ]] && break; sleep 0.1; done
SD=$(sd_pid)
ctl() { nsenter -t "$SD" -m -p -r -w systemctl --no-pager "$@"; }
show() { ctl show camera-service -p "$1" --value; }
in_ns() { nsenter -t "$SD" -m -p -r -w "$@"; }
json() { node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$1"; }
fail() {
  step "FAIL $1; jobs: $(timeout 20 nsenter -t "$SD" -m -p -r -w systemctl --no-pager list-jobs 2>&1 | tr '\n' ';')"
  report "{\"error\":$(json "$1"),\"systemd\":$(json "$(tail -c 4000 "$W/systemd.log")"),\"service\":$(json "$(in_ns tail -c 3000 /run/cs/service.log 2>/dev/null)"),\"status\":$(json "$(timeout 20 nsenter -t "$SD" -m -p -r -w systemctl --no-pager status camera-service 2>&1 | tail -n 20)")}"
  kill -KILL "$UNSHARE" 2>/dev/null
  exit 1
}
report() { printf '%s\n' "$1" > "$OUT/report.json"; }
step() { echo "$(cut -d' ' -f1 /proc/uptime) $*" >> "$OUT/progress.log"; }
step "systemd pid $SD"
[[ -n "$SD" ]] || fail "systemd did not start"

# 1. Start: activating until READY=1, then active.
wait_for() { # wait_for SECONDS CONDITION...
  local n=$(( $1 * 10 )); shift
  for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
  return 1
}
is_state() { [[ "$(show ActiveState 2>/dev/null)" == "$1" ]]; }
step "waiting for active"
wait_for 90 is_state active || fail "camera-service did not become active (state $(show ActiveState 2>/dev/null))"
started_state=$(show SubState)
status_text=$(show StatusText)
main1=$(show MainPID)
ready=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18002/health/ready)
# Everything below looks from inside the namespace (its PIDs, its /proc and /sys/fs/cgroup).
proc_status=$(in_ns cat "/proc/$main1/status" 2>/dev/null)
uid=$(awk '/^Uid:/ {print $2}' <<<"$proc_status")
groups=$(awk '/^Groups:/ {$1=""; print}' <<<"$proc_status" | xargs)
nnp=$(awk '/^NoNewPrivs:/ {print $2}' <<<"$proc_status")
capbnd=$(awk '/^CapBnd:/ {print $2}' <<<"$proc_status")
# ProtectSystem=strict / ProtectHome / PrivateTmp / StateDirectory as the service sees them.
fs=$(in_ns nsenter -t "$main1" -m -r -w sh -c 'touch /usr/x 2>&1 | sed "s/.*: //"; echo "root entries $(ls -A /root 2>/dev/null | wc -l)"; echo "tmp entries $(ls -A /tmp | wc -l)"; touch /var/lib/camera-service/state/probe && echo state writable' | tr '\n' '|')
# The managed MediaMTX and the stream's FFmpeg run in the unit's control group too.
cg=/sys/fs/cgroup/system.slice/camera-service.service/cgroup.procs
unit_procs=$(in_ns sh -c "for p in \$(cat $cg); do tr '\\0' ' ' < /proc/\$p/cmdline; echo; done" 2>/dev/null | awk '{print $1}' | xargs -n1 basename 2>/dev/null | sort | uniq -c | awk '{print $2"x"$1}' | paste -sd, -)
step "active: $status_text, ready $ready, fs $fs"
# 2. Watchdog: freeze the event loop (SIGSTOP); systemd must kill and restart the service.
in_ns kill -STOP "$main1"
step "stopped $main1"
wait_for 60 is_state activating || wait_for 60 is_state active
step "state $(show ActiveState)/$(show SubState), restarts $(show NRestarts), jobs $(timeout 20 nsenter -t "$SD" -m -p -r -w systemctl --no-pager list-jobs 2>&1 | tr '\n' ';')"
restarted() { [[ "$(show NRestarts 2>/dev/null)" -ge 1 ]]; }
wait_for 60 restarted || fail "no restart after the watchdog should have fired"
wait_for 90 is_state active || fail "not active again after the watchdog restart"
main2=$(show MainPID)
restarts=$(show NRestarts)
step "restarted as $main2"

# 3. Stop: STOPPING=1, clean exit 0, nothing left in the control group.
ctl stop camera-service
step "stopped"
stop_result=$(show Result)
exit_status=$(show ExecMainStatus)
left=$(in_ns cat "$cg" 2>/dev/null | wc -l)
service_log=$(in_ns cat /run/cs/service.log 2>/dev/null)
stopping_seen=$(grep -c '"msg":"shutdown requested"' <<<"$service_log")

kill -KILL "$UNSHARE" 2>/dev/null
report "$(node -e 'const [a,...v]=process.argv.slice(1); const keys=a.split(","); const o={}; keys.forEach((k,i)=>o[k]=v[i]); process.stdout.write(JSON.stringify(o))' \
  startedState,statusText,ready,uid,groups,noNewPrivs,capBnd,fs,unitProcesses,mainPid1,mainPid2,restarts,stopResult,exitStatus,leftInCgroup,stoppingSeen \
  "$started_state" "$status_text" "$ready" "$uid" "$groups" "$nnp" "$capbnd" "$fs" "$unit_procs" "$main1" "$main2" "$restarts" "$stop_result" "$exit_status" "$left" "$stopping_seen")"
