#!/usr/bin/env bash
# Takes a screenshot of the running app under Xvfb (software GL), with a
# private Secret Service, for docs/screenshots. Needs a built bin/kinetic,
# a LocalNet that is up and a Docker engine (make localnet docker).
#   scripts/screenshot.sh docs/screenshots/dashboard.png [seconds]
set -euo pipefail
OUT=${1:?usage: scripts/screenshot.sh OUT.png [seconds]}
WAIT=${2:-8}
DISP=:${KINETIC_SCREENSHOT_DISPLAY:-97}
Xvfb "$DISP" -screen 0 1280x800x24 >/dev/null 2>&1 &
XPID=$!
DATA=$(mktemp -d)
trap 'kill $XPID 2>/dev/null || true; rm -rf "$DATA"' EXIT
sleep 1
DISPLAY=$DISP bash "$(dirname "$0")/with-keyring.sh" bash -c '
  bin/kinetic --data-dir "$1" >/dev/null 2>&1 &
  APP=$!
  sleep "$2"
  import -window root -crop 1100x720+0+0 +repage "$3"
  kill $APP' _ "$DATA" "$WAIT" "$OUT"
echo "screenshot: $OUT"
