#!/usr/bin/env bash
# Cross-builds Kinetic for windows/amd64, as `make test` does: first every
# package that needs no cgo (all but the Fyne GUI and what imports it),
# then the app itself with cgo through Debian's mingw-w64 gcc. The first cgo
# build compiles GLFW and takes minutes; Go's build cache keeps it, so later
# runs take seconds. GO names the go command.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
export GOOS=windows GOARCH=amd64
command -v x86_64-w64-mingw32-gcc >/dev/null ||
  { echo "[windows] x86_64-w64-mingw32-gcc missing (scripts/deps.sh installs gcc-mingw-w64-x86-64)" >&2; exit 1; }
# Packages whose dependencies include no Fyne (Fyne's GL driver needs cgo);
# -e lists the others too, with their errors, and they are filtered out.
list() {
  CGO_ENABLED=0 "$GO" list -e -f "$1" ./... 2>/dev/null | grep -v ' fyne.io/' | cut -d' ' -f1 | grep . || true
}
mapfile -t pkgs < <(list '{{if .GoFiles}}{{.ImportPath}}{{range .Deps}} {{.}}{{end}}{{end}}')
[ ${#pkgs[@]} -gt 0 ] || { echo "[windows] no package to build" >&2; exit 1; }
echo "[windows] go build (no cgo): ${#pkgs[@]} packages"
CGO_ENABLED=0 "$GO" build "${pkgs[@]}"
echo "[windows] go build (cgo, mingw-w64): the app"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc "$GO" build -o "$out/kinetic.exe" .
echo "[windows] built kinetic.exe ($(stat -c %s "$out/kinetic.exe") bytes)"
