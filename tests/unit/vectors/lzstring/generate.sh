#!/usr/bin/env bash
# Regenerates the LZ-string vectors beside this script with the pinned lz-string
# (package-lock.json), installed into a cache folder outside the repository
# (XMTRACK_LZSTRING_NPM, default /var/tmp/xmtrack-lzstring-npm).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NPM_DIR="${XMTRACK_LZSTRING_NPM:-/var/tmp/xmtrack-lzstring-npm}"
mkdir -p "$NPM_DIR"
if ! cmp -s "$HERE/package-lock.json" "$NPM_DIR/package-lock.json" || [ ! -d "$NPM_DIR/node_modules" ]; then
  cp "$HERE/package.json" "$HERE/package-lock.json" "$NPM_DIR/"
  (cd "$NPM_DIR" && npm ci --no-audit --no-fund --ignore-scripts)
fi
node "$HERE/generate.js" "$NPM_DIR/node_modules"
