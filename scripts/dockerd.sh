#!/usr/bin/env bash
# Starts the Docker engine when none answers (root only; otherwise says what
# to run), waits for it, and builds the offline busybox test image once.
set -euo pipefail
LOG="${KINETIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kinetic}/dockerd.log"
if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "No Docker engine answers. Start it (e.g. 'sudo systemctl start docker') or add yourself to the docker group." >&2
    exit 1
  fi
  command -v dockerd >/dev/null || { echo "dockerd missing: run scripts/deps.sh" >&2; exit 1; }
  mkdir -p "$(dirname "$LOG")"
  echo "[docker] starting dockerd (log: $LOG)" >&2
  nohup dockerd >"$LOG" 2>&1 &
  for _ in $(seq 1 60); do
    docker version >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker version >/dev/null 2>&1 || { echo "dockerd did not come up; see $LOG" >&2; tail -20 "$LOG" >&2; exit 1; }
fi
IMG=kinetic-test/busybox:1
if [ "${1:-}" = "--test-image" ] && ! docker image inspect "$IMG" >/dev/null 2>&1; then
  [ -x /bin/busybox ] || { echo "busybox-static missing: run scripts/deps.sh" >&2; exit 1; }
  d=$(mktemp -d)
  mkdir -p "$d/bin" "$d/tmp" "$d/output" "$d/work"
  cp /bin/busybox "$d/bin/"
  for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$d/bin/$a"; done
  tar -C "$d" -c . | docker import -c 'ENV PATH=/bin' - "$IMG" >/dev/null
  rm -rf "$d"
  echo "[docker] built test image $IMG" >&2
fi
