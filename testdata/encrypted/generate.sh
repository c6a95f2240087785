#!/usr/bin/env bash
# Records testdata/encrypted/*.pcapng (+ .expect.json): the REAL Sensors JS SDK
# with its encryption plugins (AES, SM, general) in Debian's Chromium, over loopback.
#
#   sudo testdata/encrypted/generate.sh                    # every capture
#   sudo testdata/encrypted/generate.sh aes_ajax_http1 ... # only these
#
# Needs root (dumpcap on lo, apt-get). Installs what it needs itself: Debian's
# chromium, tshark (dumpcap), nodejs/npm if missing; the pinned npm packages
# (package-lock.json) go into a folder outside the repository
# (XMTRACK_ENCRYPTED_NPM, default /var/tmp/xmtrack-encrypted-npm).
# Every capture's pcapng section header is then made neutral (no host CPU, OS or
# application strings) by testdata/tools/neutral_shb.py (XMTRACK_NEUTRAL_SHB to
# point elsewhere); without it the script stops before writing anything final.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NPM_DIR="${XMTRACK_ENCRYPTED_NPM:-/var/tmp/xmtrack-encrypted-npm}"
NEUTRAL_SHB="${XMTRACK_NEUTRAL_SHB:-$HERE/../tools/neutral_shb.py}"

if [ "$(id -u)" -ne 0 ]; then
  echo "generate.sh: run as root (dumpcap on lo, apt-get)" >&2
  exit 1
fi
if [ ! -f "$NEUTRAL_SHB" ]; then
  echo "generate.sh: $NEUTRAL_SHB is missing: captures would carry the recording host in their section header" >&2
  exit 1
fi

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v dumpcap >/dev/null && command -v tshark >/dev/null || need+=(tshark)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y --no-install-recommends "${need[@]}"
fi

mkdir -p "$NPM_DIR"
if ! cmp -s "$HERE/package-lock.json" "$NPM_DIR/package-lock.json" || [ ! -d "$NPM_DIR/node_modules" ]; then
  cp "$HERE/package.json" "$HERE/package-lock.json" "$NPM_DIR/"
  (cd "$NPM_DIR" && npm ci --no-audit --no-fund --ignore-scripts)
fi

start=$(date +%s)
node "$HERE/generate.js" "$NPM_DIR/node_modules" "$HERE" "$@"
if [ $# -gt 0 ]; then files=(); for n in "$@"; do files+=("$HERE/$n.pcapng"); done; else files=("$HERE"/*.pcapng); fi
python3 "$NEUTRAL_SHB" "${files[@]}"
python3 "$NEUTRAL_SHB" --check "${files[@]}"
echo "generate.sh: recorded in $(( $(date +%s) - start )) s"
