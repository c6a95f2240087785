#!/usr/bin/env bash
# The version matrix: xmtrack built and the whole test suite run, from zero, in a fresh root
# file system of each Debian release, one per Wireshark version users have:
#   bookworm (Debian 12): Wireshark 4.0    trixie (Debian 13): 4.4    sid: 4.6
#
#   sudo scripts/matrix.sh                  all three
#   sudo scripts/matrix.sh trixie sid       some
#
# In each root, as root, the README's two commands in order with nothing removed in between, as
# a newcomer runs them: the set-up command from zero (scripts/setup.sh: installs with the real
# apt command line, builds, installs the plugin system-wide, shows the decoded sample), then the
# test command (scripts/test.sh, with the part of the suite suite_part gives this release:
# scripts/lib/fresh-root.sh) while setup.sh's plugin stays installed. Then the Debian package
# (scripts/package.sh), installed with apt in place of setup.sh's copy and loaded by tshark from
# the system plugin folder; last, every test capture's decoded fields, compared across the
# releases at the end. (The same two commands as a sudo user: scripts/fresh-install.sh.)
#
# Every release gates (exit 1 when any fails). sid changes daily: when it breaks for reasons
# outside this project (a new compiler, a moved header), list it in XMTRACK_ADVISORY (e.g.
# XMTRACK_ADVISORY=sid) to report its failure loudly without failing the run, and say so in
# the README's version table.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO/scripts/lib/fresh-root.sh"
need_root_and_mmdebstrap
start_run "$@"

# Inside the root; $part (set per release below) is suite_part's ctest arguments.
read -r -d '' inside <<'SCRIPT'
cd /src
scripts/setup.sh | tee /tmp/setup.out
grep -q "how to hide from xiaomi" /tmp/setup.out || { echo "setup.sh did not print the decoded sample"; exit 1; }
tshark -G plugins | grep -qE "^xmtrack\.so.*/usr/lib/.*/wireshark/plugins/" \
  || { echo "setup.sh as root did not install the plugin system-wide"; exit 1; }
echo "== setup.sh from zero as root: installed system-wide, loaded, decoded"
read -r -a part_args <<<"$part"
echo "== test.sh ${part_args[*]} with setup.sh's plugin still installed"
scripts/test.sh "${part_args[@]}"
echo "== test.sh passed after setup.sh"
xargs rm -v < build/install_manifest.txt   # from here on the package's own copy must be what loads
scripts/package.sh
deb=$(ls build-deb/xmtrack_*.deb)
echo "== package $deb"
dpkg-deb -f "$deb" Depends
abi=$(dpkg-query -W -f="\${Depends}" libwireshark-dev | grep -o "libwireshark[0-9]*" | head -n 1)
dpkg-deb -f "$deb" Depends | grep -q "$abi (>= " || { echo "package does not depend on $abi"; exit 1; }
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >/dev/null
useradd -m packagecheck
su packagecheck -c "tshark -G plugins" | grep -E "^xmtrack\\.so.*dissector.*/usr/lib/.*/wireshark/plugins/" \
  || { echo "the packaged plugin did not load from the system folder"; exit 1; }
su packagecheck -c "tshark -r /src/testdata/sensors_android.pcap -Y xmtrack -T fields -e xmtrack.search_term" \
  | grep -q "how to hide from xiaomi" || { echo "the packaged plugin did not decode the sample"; exit 1; }
echo "== package installs, loads and decodes"
XMTRACK_PLUGIN=build-test/plugin/wireshark/xmtrack.so python3 tests/integration/decoded_dump.py /out/decoded.json
SCRIPT

for suite in "${suites[@]}"; do
  rm -rf "$logs/out-$suite"; mkdir -p "$logs/out-$suite"
  gated "$suite" "setup.sh, then test.sh $(suite_part "$suite" root), and the package, as root" \
    "$logs/matrix-$suite.log" "" "part='$(suite_part "$suite" root)'
$inside" "$logs/out-$suite"
done

# The decoded output of every test capture must be the same, value for value, on every version.
first=""
for suite in "${suites[@]}"; do
  dump="$logs/out-$suite/out/decoded.json"
  [ -f "$dump" ] || continue
  if [ -z "$first" ]; then
    first=$suite
  elif cmp -s "$logs/out-$first/out/decoded.json" "$dump"; then
    summary+=("decoded fields of every test capture: $suite equals $first")
  else
    summary+=("decoded fields of every test capture: $suite DIFFERS from $first")
    diff "$logs/out-$first/out/decoded.json" "$dump" | head -n 40
    is_advisory "$suite" || failed=1
  fi
done
finish_run matrix
