#!/usr/bin/env bash
# Records testdata/vendors/*.pcapng (+ .expect.json) from the REAL analytics SDKs
# of Mixpanel, Segment, Amplitude, PostHog and Snowplow (browser SDKs in
# Debian's Chromium, Node SDKs in Node) and from real Google Analytics 4 hits
# replayed, over loopback.
#
#   sudo testdata/vendors/generate.sh                        # every capture
#   sudo testdata/vendors/generate.sh mixpanel segment       # these vendors
#   sudo testdata/vendors/generate.sh mixpanel_js_json_h2c   # these captures (an h2c replay re-records its h2 source)
#
# Needs root (dumpcap on lo, apt-get). Installs what it needs itself: Debian's
# chromium, tshark (dumpcap, editcap), openssl, python3, nodejs/npm if missing;
# the pinned npm packages (package-lock.json) go into a cache folder outside
# the repository (XMTRACK_VENDORS_NPM, default /var/tmp/xmtrack-vendors-npm).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NPM_DIR="${XMTRACK_VENDORS_NPM:-/var/tmp/xmtrack-vendors-npm}"

if [ "$(id -u)" -ne 0 ]; then
  echo "generate.sh: run as root (dumpcap on lo, apt-get)" >&2
  exit 1
fi

need=()
command -v chromium >/dev/null || need+=(chromium)
command -v dumpcap >/dev/null && command -v tshark >/dev/null && command -v editcap >/dev/null || need+=(tshark)
command -v openssl >/dev/null || need+=(openssl)
command -v python3 >/dev/null || need+=(python3)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y --no-install-recommends "${need[@]}"
fi
echo "generate.sh: node $(node --version), $(/usr/bin/chromium --version 2>/dev/null), $(tshark --version | head -1)"

# The pinned npm packages from the committed lock file. puppeteer-core
# downloads no browser; Debian's /usr/bin/chromium is used.
mkdir -p "$NPM_DIR"
if ! cmp -s "$HERE/package-lock.json" "$NPM_DIR/package-lock.json" || [ ! -d "$NPM_DIR/node_modules" ]; then
  cp "$HERE/package.json" "$HERE/package-lock.json" "$NPM_DIR/"
  (cd "$NPM_DIR" && npm ci --no-audit --no-fund --ignore-scripts)
fi

start=$(date +%s)
node "$HERE/generate.js" "$NPM_DIR/node_modules" "$HERE" "$@"
echo "generate.sh: recorded in $(( $(date +%s) - start )) s; checking with plain tshark"
node "$HERE/check.js" "$HERE" "$@"
