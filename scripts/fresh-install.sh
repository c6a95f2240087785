#!/usr/bin/env bash
# Proves the README's two commands from zero, in order, as a newcomer runs them: in a fresh root
# file system of each Debian release, once as root and once as an unprivileged user with sudo,
# `scripts/setup.sh` must install what is missing, build, install the plugin (system-wide as
# root, in the personal plugin folder as the user), load it and print the decoded events of the
# bundled sample capture; then `scripts/test.sh` must pass with that plugin still installed
# (nothing is removed in between), with the part of the suite suite_part gives (README
# "Supported Wireshark versions", scripts/lib/fresh-root.sh).
#
#   sudo scripts/fresh-install.sh                  bookworm trixie sid, as root and as a sudo user
#   sudo scripts/fresh-install.sh trixie           one release
#   sudo XMTRACK_AS=sudo-user scripts/fresh-install.sh   only as a sudo user (root: scripts/matrix.sh
#                                                  runs the same two commands as root in its roots)
#
# Same gating as scripts/matrix.sh (XMTRACK_ADVISORY lists releases that report only).
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO/scripts/lib/fresh-root.sh"
need_root_and_mmdebstrap
start_run "$@"

as_whom=${XMTRACK_AS:-both}

# What setup.sh must print: the sample's events as its generator was told to send them
# (testdata/payloads.py, MAIN_BATCH: a search typed in the browser, its DuckDuckGo URL).
read -r -d '' check_output <<'SCRIPT'
check() {
  grep -q "^xmtrack\.so" "$1" || { echo "setup.sh did not show the plugin loaded"; exit 1; }
  grep -q "sensors" "$1" && grep -q "how to hide from xiaomi" "$1" && grep -q "duckduckgo" "$1" \
    || { echo "setup.sh did not print the decoded sample"; exit 1; }
  echo "== setup.sh installed, loaded and decoded"
}
SCRIPT

as_root="$check_output
cd /src
scripts/setup.sh | tee /tmp/setup.out
check /tmp/setup.out
read -r -a part_args <<<\"\$part\"
scripts/test.sh \"\${part_args[@]}\"
echo '== test.sh passed after setup.sh, as root'"

# sudo is part of a machine that has a sudo user; the user has nothing else.
as_sudo_user="$check_output
useradd -m -s /bin/bash tester
echo 'tester ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/tester
cp -a /src /home/tester/xmtrack && chown -R tester: /home/tester/xmtrack
su - tester -c 'cd xmtrack && scripts/setup.sh' | tee /tmp/setup.out
check /tmp/setup.out
su - tester -c 'tshark -G plugins' | grep -q '/home/tester/.local/lib/wireshark/plugins/.*/epan/xmtrack.so' \\
  || { echo 'not installed in the personal plugin folder'; exit 1; }
read -r -a part_args <<<\"\$part\"
su - tester -c \"cd xmtrack && scripts/test.sh \$(printf '%q ' \"\${part_args[@]}\")\"
echo '== test.sh passed after setup.sh, as a sudo user'"

for suite in "${suites[@]}"; do
  [ "$as_whom" = sudo-user ] ||
    gated "$suite" "setup.sh then test.sh $(suite_part "$suite" root), as root" "$logs/fresh-install-$suite-root.log" "" \
      "part='$(suite_part "$suite" root)'
$as_root"
  [ "$as_whom" = root ] ||
    gated "$suite" "setup.sh then test.sh $(suite_part "$suite" sudo-user), as a sudo user" \
      "$logs/fresh-install-$suite-sudo-user.log" sudo "part='$(suite_part "$suite" sudo-user)'
$as_sudo_user"
done
finish_run "fresh install"
