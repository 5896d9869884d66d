#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked GNOME
# Keyring Secret Service (a throwaway keyring under a temporary data dir), so
# go-keyring's Set/Get/Delete work on a headless machine.
#   scripts/with-keyring.sh go test ./...
set -euo pipefail
# The keyring lives under a temporary XDG_DATA_HOME; keep LocalNet's own
# directory where it was before that variable changes.
if [ -z "${KINETIC_LOCALNET_DIR:-}" ]; then
  export KINETIC_LOCALNET_DIR="${XDG_DATA_HOME:-$HOME/.local/share}/kinetic/localnet"
fi
KR=$(mktemp -d)
# The command runs as a child (not exec'd), so that this shell is still
# there when it exits, whatever its status, to remove the keyring's
# temporary directory.
trap 'rm -rf "$KR"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export XDG_DATA_HOME="$KR"
PASS=$(head -c 18 /dev/urandom | base64)
rc=0
dbus-run-session -- bash -c '
  printf %s "$0" | gnome-keyring-daemon --unlock --replace --daemonize --components=secrets >/dev/null
  shift 0
  exec "$@"' "$PASS" "$@" || rc=$?
exit "$rc"
