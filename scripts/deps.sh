#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages xmtrack needs that are missing.
#   scripts/deps.sh          build + run (compiler, CMake, Wireshark headers, tshark)
#   scripts/deps.sh --test   also what the test suite uses (valgrind, clang for the fuzzers,
#                            clang-tidy, cppcheck, git, openssl, dpkg-dev for the package, GNU time
#                            for the benchmark; GNU parallel, rsync, openssh server and client, Node
#                            and npm, Chromium for the evidence tools' tests)
#   scripts/deps.sh --package  also what scripts/package.sh uses (dpkg-dev, file)
#   scripts/deps.sh --screenshot  also what scripts/screenshot.sh uses (Wireshark's GUI, Xvfb, xdotool, ImageMagick, fonts)
# Works as root (containers, CI) and as a user with sudo. Package names are the same on
# Debian 12, 13 and sid/forky (scripts/matrix.sh installs from zero on each).
set -euo pipefail

packages=(build-essential cmake pkg-config libglib2.0-dev libdeflate-dev zlib1g-dev libgcrypt20-dev
          wireshark-dev libwireshark-dev tshark python3)
case "${1:-}" in
  --test) packages+=(valgrind clang libclang-rt-dev clang-tidy cppcheck git openssl dpkg-dev file time
                     parallel rsync openssh-server openssh-client nodejs npm chromium) ;;
  --package) packages+=(dpkg-dev file) ;;
  --screenshot) packages+=(wireshark-qt xvfb xdotool imagemagick fonts-dejavu-core fonts-droid-fallback) ;;
  "") ;;
  *) echo "usage: $0 [--test|--screenshot]" >&2; exit 2 ;;
esac

# Tools that may come from elsewhere than Debian's package of that name (NodeSource's nodejs
# bundles npm, and Debian's npm then cannot be installed beside it): present as a command, they
# count as installed.
command_of() {
  case "$1" in
    nodejs) echo node ;;
    npm|chromium) echo "$1" ;;
  esac
}

missing=()
for p in "${packages[@]}"; do
  cmd=$(command_of "$p")
  [ -n "$cmd" ] && command -v "$cmd" >/dev/null && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# Root needs no prefix; anyone else goes through sudo. "env" carries DEBIAN_FRONTEND through
# sudo's environment reset (tshark's package asks about non-root capture otherwise).
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
echo "Installing: ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
