#!/usr/bin/env bash
# MediaMTX runs this (runOnDemand) while readers want a camera's path. It holds one loopback
# HTTP request open to camera-service; the service starts the camera's FFmpeg publisher when
# the request arrives and releases it when the connection closes, i.e. when MediaMTX stops
# this hook (SIGINT after runOnDemandCloseAfter without readers). The service stays the
# owner of FFmpeg. Usage: on-demand-hook.sh HOST PORT TOKEN PATH
set -u
exec 3<>"/dev/tcp/$1/$2" || exit 1
printf 'GET /internal/demand/%s HTTP/1.1\r\nHost: %s\r\nX-Demand-Token: %s\r\n\r\n' "$4" "$1" "$3" >&3
trap 'exec 3>&-; exit 0' INT TERM HUP
# Block until the service closes the connection or a signal arrives.
while IFS= read -r -u 3 _; do :; done
