#!/usr/bin/env bash
# Runs each fuzz target for a fixed time and fails when one of them ran
# fewer executions than a floor, so a fuzzer that stalls (a hanging input,
# a blocked target) fails the build instead of passing quietly.
#   scripts/fuzz.sh FUZZTIME MIN_EXECS PKG:Target[:MIN] ...
# FUZZTIME is go test's -fuzztime (e.g. 15s); MIN_EXECS the default floor,
# which a target may override with a third field. GO names the go command.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 FUZZTIME MIN_EXECS PKG:Target[:MIN] ..." >&2; exit 2; }
fuzztime=$1 floor=$2
shift 2
GO=${GO:-go}
failed=()
for spec in "$@"; do
  IFS=: read -r pkg target min <<<"$spec"
  if [ -z "$pkg" ] || [ -z "$target" ]; then
    echo "[fuzz] bad target $spec (want PKG:Target[:MIN])" >&2
    exit 2
  fi
  min=${min:-$floor}
  log=$(mktemp)
  echo "[fuzz] $pkg $target for $fuzztime (floor $min executions)"
  rc=0
  "$GO" test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" "$pkg" 2>&1 | tee "$log" || rc=$?
  # go prints "fuzz: elapsed: 15s, execs: 410084 (88168/sec), ..." every
  # few seconds and once at the end; the last one is the total.
  execs=$(sed -n 's/.*fuzz: elapsed: [^,]*, execs: \([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
  deadline=$(grep -c 'context deadline exceeded' "$log" || true)
  rm -f "$log"
  # A stalled target whose last input was still running at the fuzz
  # deadline also makes go test fail ("context deadline exceeded"): it is
  # still named as stalled. Any other go test failure is reported as such.
  if [ -n "$execs" ] && [ "$execs" -lt "$min" ] && { [ "$rc" -eq 0 ] || [ "$deadline" -gt 0 ]; }; then
    failed+=("$pkg:$target ran $execs executions in $fuzztime, fewer than the floor $min: the fuzzer stalled")
  elif [ "$rc" -ne 0 ]; then
    failed+=("$pkg:$target (go test exit $rc)")
  elif [ -z "$execs" ]; then
    failed+=("$pkg:$target (no execution count in go test's output)")
  else
    echo "[fuzz] $pkg $target: $execs executions in $fuzztime"
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  printf '[fuzz] FAIL %s\n' "${failed[@]}" >&2
  exit 1
fi
