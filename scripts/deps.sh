#!/usr/bin/env bash
# Installs the Debian packages Kinetic needs to build, run and test: the Fyne
# (GLFW/OpenGL) toolchain, the Docker engine, busybox for the offline test
# image, the Secret Service, Xvfb, and what the algod build needs.
# Does nothing when everything is present; as non-root, says what to run.
set -euo pipefail
PKGS=(gcc pkg-config libgl1-mesa-dev xorg-dev libxkbcommon-dev libwayland-dev
  docker.io busybox-static gnome-keyring dbus dbus-x11 libsecret-tools
  xvfb imagemagick xdotool x11-utils autoconf automake libtool make
  gcc-mingw-w64-x86-64 docker-registry miniupnpd-nftables miniupnpc python3 python3-nacl nftables iproute2)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Kinetic needs these Debian packages: ${missing[*]}" >&2
  echo "Run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "[deps] installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq "${missing[@]}" >&2
