#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages xmtrack needs that are missing.
#   scripts/deps.sh          build + run (compiler, CMake, Wireshark headers, tshark)
#   scripts/deps.sh --test   also what the test suite uses (valgrind, clang for the fuzzers, clang-tidy, cppcheck)
#   scripts/deps.sh --screenshot  also what scripts/screenshot.sh uses (Wireshark's GUI, Xvfb, xdotool, ImageMagick, fonts)
set -euo pipefail

packages=(build-essential cmake pkg-config libglib2.0-dev libdeflate-dev zlib1g-dev libgcrypt20-dev
          wireshark-dev libwireshark-dev tshark python3)
if [ "${1:-}" = "--test" ]; then
  packages+=(valgrind clang libclang-rt-dev clang-tidy cppcheck)
fi
if [ "${1:-}" = "--screenshot" ]; then
  packages+=(wireshark-qt xvfb xdotool imagemagick fonts-dejavu-core fonts-droid-fallback)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive   # tshark asks about non-root capture otherwise
$sudo apt-get update -qq
$sudo -E apt-get install -y -qq --no-install-recommends "${missing[@]}"
