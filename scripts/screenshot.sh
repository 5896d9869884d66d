#!/usr/bin/env bash
# Screenshots of every screen of the real app for docs/screenshots and the
# README: one bin/kinetic (throwaway --data-dir and Fyne preferences) under
# Xvfb (software GL) with a private Secret Service, on the running LocalNet;
# each tab of the navigation is clicked with xdotool and the window grabbed.
# Needs a built bin/kinetic (or KINETIC_BIN), LocalNet up and a Docker
# engine (make localnet docker), xdotool and ImageMagick (scripts/deps.sh).
#   scripts/screenshot.sh [OUTDIR] [seconds]   writes OUTDIR/<tab>.png
#                                              (default docs/screenshots)
#   scripts/screenshot.sh OUT.png [seconds]    the Dashboard only
# seconds: how long the app may load once its window shows (default 8).
# The tab positions below match ui/navigation.go's leading tab bar at
# FYNE_SCALE=1 in a 1100x720 window (Fyne's default theme): a screenshot that
# shows the wrong tab means that layout changed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/docs/screenshots}
WAIT=${2:-8}
KIN=${KINETIC_BIN:-$ROOT/bin/kinetic}
[ -x "$KIN" ] || { echo "no $KIN: run make build" >&2; exit 1; }
export KINETIC_LOCALNET_DIR=${KINETIC_LOCALNET_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/kinetic/localnet}
DISP=:${KINETIC_SCREENSHOT_DISPLAY:-97}
Xvfb "$DISP" -screen 0 1280x800x24 >/dev/null 2>&1 &
XPID=$!
DATA=$(mktemp -d)
trap 'kill $XPID 2>/dev/null || true; rm -rf "$DATA"' EXIT
for i in $(seq 100); do DISPLAY=$DISP xwininfo -root >/dev/null 2>&1 && break; sleep 0.1; done
case $OUT in
*.png) SHOTS="dashboard:263:$OUT" ;;
*)
  mkdir -p "$OUT"
  # name:y of the tab's centre (x is 52), in ui/navigation.go's order, the
  # Dashboard (selected at start) last so every tab is clicked.
  SHOTS=""
  for t in marketplace:35 jobs:92 wallet:149 provide:206 settings:320 dashboard:263; do
    SHOTS="$SHOTS $t:$OUT/${t%%:*}.png"
  done
  ;;
esac
DISPLAY=$DISP FYNE_SCALE=1 XDG_CONFIG_HOME=$DATA/config bash "$ROOT/scripts/with-keyring.sh" bash -c '
  set -euo pipefail
  "$1" --data-dir "$2/data" >"$2/app.out" 2>&1 &
  APP=$!
  trap "kill $APP 2>/dev/null || true" EXIT
  # The first GL client on a fresh Xvfb can take a minute to show.
  for i in $(seq 1800); do
    xwininfo -name Kinetic 2>/dev/null | grep -q IsViewable && break
    kill -0 "$APP" 2>/dev/null && [ "$i" -lt 1800 ] || { echo "no Kinetic window:" >&2; tail -5 "$2/app.out" >&2; exit 1; }
    sleep 0.1
  done
  sleep "$3"
  for s in $4; do
    y=$(echo "$s" | cut -d: -f2) png=$(echo "$s" | cut -d: -f3-)
    xdotool mousemove 52 "$y" click 1
    sleep 0.3
    xdotool mousemove 1099 719   # no hover highlight on the tab bar
    sleep 2.5
    import -window root -crop 1100x720+0+0 +repage "$png"
    sd=$(convert "$png" -format "%[fx:standard_deviation]" info:)
    awk -v s="$sd" "BEGIN {exit !(s > 0.01)}" || { echo "$png is blank" >&2; exit 1; }
    echo "screenshot: $png"
  done' _ "$KIN" "$DATA" "$WAIT" "$SHOTS"
