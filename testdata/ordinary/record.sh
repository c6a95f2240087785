#!/bin/sh
# record.sh: records browse.js's ordinary traffic over loopback with dumpcap
# into ordinary_browsing.pcapng, and what it sent into
# ordinary_browsing.pcapng.expect.json.  Needs root (dumpcap -i lo), node.
#   sudo testdata/ordinary/record.sh
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$HERE/ordinary_browsing.pcapng
LOG=$(mktemp)
dumpcap -q -i lo -f 'tcp port 18471 or tcp port 18472' -w "$OUT" 2>"$LOG" &
PID=$!
# dumpcap says "Capturing on" once it listens
for _ in $(seq 50); do grep -q "Capturing on" "$LOG" && break; sleep 0.1; done
node "$HERE/browse.js" > "$OUT.expect.json.tmp"
python3 - "$OUT.expect.json" <<PY
import json, sys
sent = json.load(open(sys.argv[1] + ".tmp"))
expect = {"capture": "ordinary_browsing.pcapng", "generated_by": "testdata/ordinary/record.sh (do not edit by hand)",
          "tshark_args": ["-d", "tcp.port==%d,http2" % sent["h2c_port"]], **sent}
open(sys.argv[1], "w").write(json.dumps(expect, indent=1, ensure_ascii=False) + "\\n")
PY
rm -f "$OUT.expect.json.tmp"
sleep 0.5
kill -INT $PID
wait $PID || true
rm -f "$LOG"
# dumpcap names the recording host's hardware and kernel in the pcapng headers.
python3 "$HERE/../tools/neutral_shb.py" "$OUT"
chmod 644 "$OUT" "$OUT.expect.json"
echo "recorded $OUT: $(tshark -r "$OUT" -d tcp.port==18472,http2 -Y 'http.request or http2.headers.method' 2>/dev/null | wc -l) request frames"
