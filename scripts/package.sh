#!/usr/bin/env bash
# Builds the Debian package of xmtrack for the Wireshark installed here:
#   scripts/package.sh            -> build-deb/xmtrack_<version>+ws<4.N>_<arch>.deb
# Install it with:  sudo apt install ./build-deb/xmtrack_*.deb
# It goes into Wireshark's system plugin folder and depends on this Wireshark's exact
# libwireshark ABI package, so apt refuses it next to another Wireshark version.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh --package
cmake -S . -B build-deb -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXMTRACK_SYSTEM_INSTALL=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build-deb -j"$(nproc)"
(cd build-deb && cpack -G DEB >/dev/null)
ls build-deb/xmtrack_*.deb
