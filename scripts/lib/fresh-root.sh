# Shared by scripts/matrix.sh and scripts/fresh-install.sh: runs a script inside a fresh,
# throw-away Debian root file system made by mmdebstrap, with a clean clone of this
# repository's HEAD in it. Nothing is kept or reused between runs: each root starts from
# Debian's minimal base, as a new machine would.
#
# Needs root and mmdebstrap (installed here when missing). mmdebstrap mounts /proc, /sys and
# /dev for the hooks and removes the root afterwards (output /dev/null).

need_root_and_mmdebstrap() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$0: run as root (it builds root file systems with mmdebstrap)" >&2
    exit 2
  fi
  if ! command -v mmdebstrap >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null
  fi
}

# clean_clone DIR: the committed HEAD of this repository, as CI checks it out.
clean_clone() {
  git -C "$REPO" clone --quiet --no-hardlinks "$REPO" "$1"
}

# in_fresh_root SUITE LOG INCLUDE SCRIPT [OUTDIR]: a fresh SUITE root with the packages
# INCLUDE (comma-separated, may be empty) and the clone at /src, in which the bash text SCRIPT
# runs as root (with -euo pipefail). Its output goes to LOG; what SCRIPT leaves in /out is
# copied to OUTDIR. Returns SCRIPT's status (or mmdebstrap's).
#
# The root trusts the certificate authorities this machine added locally
# (/usr/local/share/ca-certificates), as a new machine on the same network would have to: where
# the network reaches the npm registry only through a TLS-inspecting proxy, without them npm
# fails with SELF_SIGNED_CERT_IN_CHAIN and the evidence tools' tests (DuckDB, puppeteer-core)
# cannot install what they need. Nothing else of the host is copied.
#
# Check-Valid-Until is off because the Debian archive reachable here is a dated snapshot whose
# Release files have expired; it changes nothing else about what is installed.
in_fresh_root() {
  local suite=$1 log=$2 include=$3 script=$4 outdir=${5:-} work
  local copy_out=()
  [ -z "$outdir" ] || copy_out=(--customize-hook="copy-out /out $outdir")
  work=$(mktemp -d)
  clean_clone "$work/src"
  printf '%s\n' "$script" >"$work/inside.sh"
  mkdir -p "$work/local-ca"
  cp /usr/local/share/ca-certificates/*.crt "$work/local-ca/" 2>/dev/null || true
  mmdebstrap --variant=minbase --include="ca-certificates${include:+,$include}" \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --customize-hook='mkdir -p "$1/src"' \
    --customize-hook="sync-in $work/src /src" \
    --customize-hook="upload $work/inside.sh /inside.sh" \
    --customize-hook='mkdir -p "$1/out"' \
    --customize-hook="sync-in $work/local-ca /usr/local/share/ca-certificates" \
    --customize-hook='chroot "$1" update-ca-certificates >/dev/null' \
    --customize-hook='chroot "$1" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 bash -euo pipefail /inside.sh' \
    "${copy_out[@]}" \
    "$suite" /dev/null >"$log" 2>&1
  local status=$?
  rm -rf "$work"
  return $status
}

# start_run SUITE...: the releases asked for (all three by default), where the logs go, and
# no verdict yet. Sets suites, logs, failed and summary for gated() and finish_run().
start_run() {
  suites=("$@")
  [ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie sid)
  logs=${XMTRACK_MATRIX_LOGS:-$REPO/build-matrix}
  mkdir -p "$logs"
  failed=0
  summary=()
}

# A release listed in XMTRACK_ADVISORY reports its failure without failing the run.
is_advisory() {
  case " ${XMTRACK_ADVISORY:-} " in *" $1 "*) return 0 ;; esac
  return 1
}

# gated SUITE WHAT LOG INCLUDE SCRIPT [OUTDIR]: in_fresh_root, its verdict recorded.
gated() {
  local suite=$1 what=$2 log=$3 start=$SECONDS verdict tests
  shift 3
  echo "== $suite ($(suite_of "$suite")) $what; log $log"
  if in_fresh_root "$suite" "$log" "$@"; then
    verdict=passed
  else
    verdict=FAILED
    tail -n 40 "$log"
    if is_advisory "$suite"; then
      verdict="FAILED (advisory: not gating, see README)"
    else
      failed=1
    fi
  fi
  tests=$(grep -E "tests passed|tests failed" "$log" | tail -n 1)
  summary+=("$suite ($(suite_of "$suite")) $what: $verdict in $(( SECONDS - start )) s${tests:+; $tests}")
}

finish_run() {
  echo "== $1"
  printf '   %s\n' "${summary[@]}"
  exit $failed
}

# suite_part SUITE WHO: the ctest arguments scripts/test.sh gets in a fresh root of SUITE run by
# WHO (root or sudo-user): which part of the suite each root runs (README "Supported Wireshark
# versions"). The whole suite on bookworm as root. The pure-C core (layers, core, formats) is
# the same source on every version, so its libFuzzer runs (fuzz.<harness> but fuzz.epan) and
# lint run once, on bookworm; the glue, the integration tests, everything that runs tshark or
# libwireshark with the plugin, the core's unit tests and the kept fuzz regressions run on every
# version. As a sudo user what differs is where setup.sh installed the plugin (the personal
# folder) and that tshark keeps the user's privileges: every test that loads the plugin into
# tshark runs again. (fuzz_epan loads no plugin from disk, epan_init(..., FALSE): who runs it
# does not matter.)
suite_part() {
  if [ "$2" = sudo-user ]; then
    echo "-R ^(integration\.|bench\.|robustness\.(two_pass|selftest)\$)"
  elif [ "$1" = bookworm ]; then
    echo ""
  else
    echo "-E ^(lint\.|fuzz\.(base64|percent|inflate|json|form|search|decode|format_[a-z0-9_]+)\$)"
  fi
}

# Wireshark's version in a Debian suite, as apt would install it (for the summary).
suite_of() {
  case "$1" in
    bookworm) echo "Debian 12, Wireshark 4.0" ;;
    trixie) echo "Debian 13, Wireshark 4.4" ;;
    sid|forky) echo "Debian $1, Wireshark 4.6" ;;
    *) echo "$1" ;;
  esac
}
