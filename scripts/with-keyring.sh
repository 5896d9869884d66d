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
  # Wait until the daemon owns the Secret Service name: a client that asks
  # earlier makes D-Bus activate a second daemon, which finds the first
  # one'"'"'s keyring file half-written and falls back to a password prompt.
  for _ in $(seq 100); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true" && break
    sleep 0.05
  done
  shift 0
  exec "$@"' "$PASS" "$@" || rc=$?
exit "$rc"
