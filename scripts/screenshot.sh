#!/usr/bin/env bash
# Screenshots of every screen of the real app for docs/screenshots and the
# README, with real data: on the running LocalNet and Docker engine, inside
# one private Secret Service (scripts/with-keyring.sh), it
#   1. creates a provider and a consumer account (kinetic wallet create on a
#      pseudo-terminal, its backup check answered; the words stay in memory)
#      in two throwaway data dirs and funds both from the LocalNet dispenser;
#   2. starts the provider headless (kinetic provide --headless --register)
#      on a free loopback port, serving the offline test image that make
#      docker builds;
#   3. runs one job to the end as the consumer (kinetic submit --wait:
#      verified and released) and pays for a second, longer one;
#   4. opens the desktop app on the consumer's data dir under Xvfb (software
#      GL) and grabs the Marketplace, the job list, a job's detail, the Submit
#      form, the Wallet and the Settings, while the second job runs;
#   5. stops the consumer's window and the headless agent, opens the app on
#      the provider's data dir and grabs the Provide screen, its Wallet and
#      the Dashboard;
#   6. opens the app on a fresh data dir and grabs the first-run setup.
# Every process it starts, the job containers it caused and its temporary
# directories go when it exits; nothing of the user's is read or changed.
# Needs a built bin/kinetic (or KINETIC_BIN), LocalNet up, a Docker engine
# with the test image (make build localnet docker), xdotool, ImageMagick and
# python3 (scripts/deps.sh).
#   scripts/screenshot.sh [OUTDIR] [seconds]   writes OUTDIR/<screen>.png
#                                              (default docs/screenshots)
#   scripts/screenshot.sh OUT.png [seconds]    a first run's Dashboard only
# seconds: how long the app may load once its window shows (default 8).
# The tab positions below match ui/navigation.go's leading tab bar (and the
# Jobs tab's own top bar, ui/submit.go's NewJobsTab) at FYNE_SCALE=1 in a
# 1100x720 window (Fyne's default theme): a screenshot that shows the wrong
# screen means that layout changed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${KINETIC_SHOT_STAGE:-}" = inner ]; then
  # Inside the private keyring session, on the Xvfb display.
  set -euo pipefail
  : "${KIN:?}" "${DATA:?}" "${WAIT:?}" "${OUT:?}"
  IMAGE=kinetic-test/busybox:1 # internal/testkit.TestImageRef
  PIDS=() JOBS=()
  cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    # Only the containers of the jobs this run paid for.
    for j in "${JOBS[@]}"; do
      docker ps -aq --filter "label=kinetic.job=$j" | xargs -r docker rm -f >/dev/null 2>&1 || true
    done
  }
  trap cleanup EXIT
  fail() { echo "screenshot.sh: $*" >&2; exit 1; }

  # wallet_create DIR: kinetic wallet create on a pseudo-terminal, the
  # backup words it asks for typed back. Nothing but its last line (the
  # address) is printed; the words are never written anywhere.
  wallet_create() {
    python3 - "$KIN" --data-dir "$1" wallet create <<'PY'
import os, pty, re, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
buf = b""
def read_until(pat):
    global buf
    while True:
        m = re.search(pat, buf)
        if m:
            return m
        r, _, _ = select.select([fd], [], [], 60)
        d = b""
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                pass
        if not d:
            # The output may hold recovery words: say only what failed.
            sys.exit("wallet create: no %r prompt (it ended or timed out)" % pat.decode())
        buf += d
m = read_until(rb"Type word (\d+): ")
words = dict((int(n), w) for n, w in re.findall(rb"(\d+)\. +(\S+)", buf[:m.start()]))
while m.group(0).startswith(b"Type"):
    os.write(fd, words[int(m.group(1))] + b"\n")
    buf = buf[m.end():]
    m = read_until(rb"Type word (\d+): |backup checked: [^\r\n]*[\r\n]")
print(m.group(0).decode().strip())
words.clear()
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st))
PY
  }

  # gui DIR NAME: the desktop app on DIR (its own Fyne preferences), in
  # the background until its window shows and WAIT seconds more.
  gui() {
    XDG_CONFIG_HOME=$1/config "$KIN" --data-dir "$1" >"$DATA/$2.out" 2>&1 &
    APP=$!
    PIDS+=("$APP")
    # The first GL client on a fresh Xvfb can take a minute to show.
    for i in $(seq 1800); do
      xwininfo -name Kinetic 2>/dev/null | grep -q IsViewable && break
      kill -0 "$APP" 2>/dev/null && [ "$i" -lt 1800 ] || { tail -5 "$DATA/$2.out" >&2; fail "no Kinetic window ($2)"; }
      sleep 0.1
    done
    sleep "$WAIT"
  }
  # stop PID: SIGTERM (the app and the agent shut down cleanly on it), then
  # wait for it to exit.
  stop() {
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    # A new window must not be taken for the one that closed.
    for i in $(seq 100); do xwininfo -name Kinetic >/dev/null 2>&1 || break; sleep 0.1; done
  }
  # click X Y [SETTLE]: a click, the pointer moved off the tab bar so that no
  # hover highlight shows, then time for the screen to load.
  click() {
    xdotool mousemove "$1" "$2" click 1
    sleep 0.3
    xdotool mousemove 1099 719
    sleep "${3:-2.5}"
  }
  # grab NAME: the window into OUT/NAME.png, refused when blank.
  grab() {
    local png=$OUT/$1.png
    import -window root -crop 1100x720+0+0 +repage "$png"
    sd=$(convert "$png" -format "%[fx:standard_deviation]" info:)
    awk -v s="$sd" 'BEGIN {exit !(s > 0.01)}' || fail "$png is blank"
    echo "screenshot: $png"
  }
  # The navigation's tab centres (x 52), in ui/navigation.go's order.
  TAB_MARKET=35 TAB_JOBS=92 TAB_WALLET=149 TAB_PROVIDE=206 TAB_DASH=263 TAB_SETTINGS=320

  if [ "${SHOT_DASHBOARD_ONLY:-}" = 1 ]; then
    gui "$DATA/first" first
    grab "$(basename "${OUT_FILE%.png}")"
    exit 0
  fi

  P=$DATA/provider C=$DATA/consumer
  mkdir -p "$P" "$C"
  wallet_create "$P"
  wallet_create "$C"
  "$KIN" --data-dir "$P" wallet fund --amount 50000000
  "$KIN" --data-dir "$C" wallet fund --amount 100000000
  PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  URL=http://127.0.0.1:$PORT
  "$KIN" --data-dir "$P" provide --headless --register --advertise "$URL" --price 1800000 \
    --listen "127.0.0.1:$PORT" --allow-image "${IMAGE%%:*}" >"$DATA/provider.out" 2>&1 &
  AGENT=$!
  PIDS+=("$AGENT")
  for i in $(seq 600); do
    grep -q "serving on" "$DATA/provider.out" && break
    kill -0 "$AGENT" 2>/dev/null && [ "$i" -lt 600 ] || { tail -5 "$DATA/provider.out" >&2; fail "the provider agent did not start"; }
    sleep 0.1
  done
  echo "provider: $(grep -m1 '^registered' "$DATA/provider.out")"
  job() { # job FILE SECONDS COMMAND
    printf '{"version":1,"image":"%s","command":["sh","-c","%s"],"cpus":0.5,"memoryMB":128,"maxSeconds":%d,"network":"none"}\n' \
      "$IMAGE" "$3" "$2" >"$1"
  }
  # paid OUTFILE: the job id "kinetic submit" printed.
  paid() { sed -n 's/^job \([0-9a-f]*\) paid.*/\1/p' "$1" | head -1; }
  job "$DATA/done.json" 120 'echo kinetic > /output/hello.txt; sha256sum /output/hello.txt'
  "$KIN" --data-dir "$C" submit --provider "$URL" --wait "$DATA/done.json" >"$DATA/submit-done.out" 2>&1 &
  SUB=$!
  PIDS+=("$SUB")
  wait "$SUB" || { JOBS+=("$(paid "$DATA/submit-done.out")"); tail -5 "$DATA/submit-done.out" >&2; fail "the first job did not settle"; }
  JOBS+=("$(paid "$DATA/submit-done.out")")
  echo "settled job: ${JOBS[0]} ($(tail -1 "$DATA/submit-done.out"))"
  # The second job is still running while the consumer's window is open
  # (its autopilot follows it); it stays under its 10-minute deadline.
  job "$DATA/running.json" 600 'for i in $(seq 300); do echo step $i; sleep 1; done > /output/log.txt'
  "$KIN" --data-dir "$C" submit --provider "$URL" "$DATA/running.json" >"$DATA/submit-running.out" 2>&1 ||
    { tail -5 "$DATA/submit-running.out" >&2; fail "the second job was not paid"; }
  JOBS+=("$(paid "$DATA/submit-running.out")")
  echo "running job: ${JOBS[1]}"

  # The consumer's window.
  gui "$C" consumer
  # The Marketplace searched for the provider's endpoint (the shared
  # LocalNet may list others), its row opened.
  click 52 $TAB_MARKET 1
  click 445 21 0.3
  xdotool type --delay 20 "127.0.0.1:$PORT"
  sleep 1
  click 300 140 && grab marketplace
  # My jobs lists the jobs in job id order: rows at y 120 and 198.
  ROW_DONE=120 ROW_RUNNING=198
  [[ "${JOBS[0]}" < "${JOBS[1]}" ]] || ROW_DONE=198 ROW_RUNNING=120
  click 52 $TAB_JOBS && grab jobs
  click 300 $ROW_RUNNING && grab job-running
  click 300 $ROW_DONE 3 && grab job-detail
  click 52 $TAB_WALLET 4 && grab wallet
  click 52 $TAB_SETTINGS && grab settings
  # Submit job: the container template on the test image, to the provider.
  click 52 $TAB_JOBS 1
  click 223 21 1
  click 675 62 1
  click 675 172 1 # its menu's third entry
  click 675 101 0.3
  xdotool key ctrl+a && xdotool type --delay 20 "$IMAGE"
  sleep 2 && grab submit
  stop "$APP"

  # The provider's window, once its headless agent has let go of the store.
  stop "$AGENT"
  gui "$P" provider
  click 52 $TAB_PROVIDE 4 && grab provide
  click 52 $TAB_WALLET 4 && grab provider-wallet
  click 52 $TAB_DASH && grab dashboard
  stop "$APP"

  # A first run: no account yet, the setup on the Wallet tab.
  gui "$DATA/first" first
  click 52 $TAB_WALLET && grab onboarding
  exit 0
fi

OUT=${1:-$ROOT/docs/screenshots}
WAIT=${2:-8}
KIN=${KINETIC_BIN:-$ROOT/bin/kinetic}
[ -x "$KIN" ] || { echo "no $KIN: run make build" >&2; exit 1; }
KIN=$(cd "$(dirname "$KIN")" && pwd)/$(basename "$KIN")
export KINETIC_LOCALNET_DIR=${KINETIC_LOCALNET_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/kinetic/localnet}
DISP=:${KINETIC_SCREENSHOT_DISPLAY:-97}
Xvfb "$DISP" -screen 0 1280x800x24 >/dev/null 2>&1 &
XPID=$!
DATA=$(mktemp -d)
trap 'kill $XPID 2>/dev/null || true; rm -rf "$DATA"' EXIT
for i in $(seq 100); do DISPLAY=$DISP xwininfo -root >/dev/null 2>&1 && break; sleep 0.1; done
case $OUT in
*.png) ONLY=1 OUT_FILE=$OUT OUT=$(dirname "$OUT") ;;
*) ONLY=0 OUT_FILE= ;;
esac
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
[ -z "$OUT_FILE" ] || OUT_FILE=$OUT/$(basename "$OUT_FILE")
DISPLAY=$DISP FYNE_SCALE=1 KINETIC_SHOT_STAGE=inner KIN=$KIN DATA=$DATA WAIT=$WAIT OUT=$OUT \
  OUT_FILE=$OUT_FILE SHOT_DASHBOARD_ONLY=$ONLY bash "$ROOT/scripts/with-keyring.sh" bash "$0"
