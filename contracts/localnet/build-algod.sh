#!/usr/bin/env bash
# Builds the pinned algod, goal and kmd from the go-algorand module source, once,
# into a cache keyed by version. Prints the bin directory on the last line.
#
# Usage: bash contracts/localnet/build-algod.sh   (cache: ${KINETIC_CACHE:-$HOME/.cache/kinetic})
# The LocalNet manager embeds this script and runs it when algod is missing.
set -euo pipefail
ALGOD_VERSION="v0.0.0-20260819145311-dd6de88fbe0e"
CACHE="${KINETIC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kinetic}"
DEST="$CACHE/algod-$ALGOD_VERSION"
BIN="$DEST/bin"
if [ -x "$BIN/algod" ] && [ -x "$BIN/goal" ] && [ -x "$BIN/kmd" ]; then
  echo "$BIN"
  exit 0
fi
log() { echo "[build-algod] $*" >&2; }
need() { command -v "$1" >/dev/null 2>&1; }
if ! need autoconf || ! need automake || ! need libtoolize; then
  if [ "$(id -u)" = 0 ]; then
    log "installing autoconf automake libtool"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq autoconf automake libtool >&2
  else
    log "missing autoconf/automake/libtool: run 'sudo apt-get install autoconf automake libtool'"
    exit 1
  fi
fi
mkdir -p "$DEST"
SRC="$DEST/src"
if [ ! -f "$SRC/.copied" ]; then
  log "downloading go-algorand $ALGOD_VERSION from the Go module proxy"
  dir=$(cd "$DEST" && GOFLAGS=-mod=mod go mod download -json "github.com/algorand/go-algorand@$ALGOD_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] || { log "go mod download gave no Dir"; exit 1; }
  rm -rf "$SRC"
  cp -r "$dir" "$SRC"
  chmod -R u+w "$SRC"
  touch "$SRC/.copied"
fi
arch=$(go env GOARCH)
PREFIX="$SRC/crypto/libs/linux/$arch"
if [ ! -f "$PREFIX/lib/libsodium.a" ]; then
  log "building libsodium (about 40 s)"
  (cd "$SRC/crypto/libsodium-fork" && bash ./autogen.sh >"$DEST/libsodium.log" 2>&1 &&
    ./configure --disable-shared --prefix="$PREFIX" >>"$DEST/libsodium.log" 2>&1 &&
    make -j"$(nproc)" >>"$DEST/libsodium.log" 2>&1 && make install >>"$DEST/libsodium.log" 2>&1) ||
    { log "libsodium build failed, see $DEST/libsodium.log"; exit 1; }
fi
log "building algod, goal and kmd (about 3 minutes on 2 cores)"
mkdir -p "$BIN.tmp"
(cd "$SRC" && go build -o "$BIN.tmp/" ./cmd/algod ./cmd/goal ./cmd/kmd) >&2
rm -rf "$BIN"
mv "$BIN.tmp" "$BIN"
log "done: $BIN"
echo "$BIN"
