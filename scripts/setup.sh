#!/usr/bin/env bash
# One command from a fresh Debian/Ubuntu machine to a working plugin:
# installs what is missing, builds, installs xmtrack where Wireshark looks for
# it (your personal plugin folder; the system one when run as root), and shows
# the decoded events of the bundled sample capture.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
system_install=OFF
[ "$(id -u)" -eq 0 ] && system_install=ON
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXMTRACK_SYSTEM_INSTALL=$system_install >/dev/null
cmake --build build -j"$(nproc)"
cmake --install build

echo
tshark -G plugins | grep -E '^xmtrack' || { echo "xmtrack did not load: see 'tshark -G folders'" >&2; exit 1; }
echo
echo "Decoded events in testdata/sensors_android.pcap:"
tshark -r testdata/sensors_android.pcap -Y xmtrack -T fields -E header=y -E occurrence=a -E aggregator='|' \
  -e frame.number -e xmtrack.sdk -e xmtrack.event_count -e xmtrack.event -e xmtrack.url -e xmtrack.search_term
