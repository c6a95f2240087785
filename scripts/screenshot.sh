#!/usr/bin/env bash
# Makes docs/screenshot.png, a real screenshot of Wireshark (wireshark-qt under Xvfb) with a
# decoded capture open: the packets carrying personal data, the Vendor Telemetry tree and its
# first event expanded, the decoded JSON in the bytes pane, and beside them Statistics >
# Vendor Telemetry > Messages and Events and Analyze > Expert Information.
#   scripts/screenshot.sh [CAPTURE [OUT.png]]   default testdata/sensors_android.pcap, docs/screenshot.png
# Installs what it needs (scripts/deps.sh --screenshot) and builds the plugin first; set
# XMTRACK_PLUGIN=path/to/xmtrack.so to picture a plugin built elsewhere instead, and
# XMTRACK_TRACE=1 to see each step. Runs as root (it installs packages) in about 15 s.
set -euo pipefail
[ -n "${XMTRACK_TRACE:-}" ] && set -x
capture=$(realpath "${1:-$(dirname "$0")/../testdata/sensors_android.pcap}")
out=$(realpath -m "${2:-$(dirname "$0")/../docs/screenshot.png}")
cd "$(dirname "$0")/.."

filter='xmtrack.pii'            # the messages carrying personal data
screen_w=1600 screen_h=1000     # the picture's size
main_w=900                      # Wireshark's main window, left; the two dialogs share the rest
stats_h=440                     # the statistics dialog's height, top right; Expert Information below
nobody=65534                    # Wireshark ignores personal plugin folders when run as root

scripts/deps.sh --screenshot
plugin=${XMTRACK_PLUGIN:-}
if [ -z "$plugin" ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"$(nproc)" >/dev/null
  plugin=build/plugin/wireshark/xmtrack.so
fi
plugin=$(realpath "$plugin")

tmp=$(mktemp -d /tmp/xmtrack-screenshot.XXXXXX)
chmod 755 "$tmp"
xvfb_pid="" ws_pid=""
cleanup() {
  for pid in $ws_pid $xvfb_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in $ws_pid $xvfb_pid; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A throw-away HOME for user nobody: the plugin in its personal plugin folder, an empty global
# plugin folder (an installed copy must not shadow the one pictured), no extcap helpers (none is
# needed, and one outliving Wireshark would stay behind), and a profile made for the picture:
# stacked panes, a readable font, the window size, no questions.
home=$tmp/home
ws_version=$(tshark --version 2>/dev/null | head -1 | awk '{print $3}' | cut -d. -f1,2)
mkdir -p "$home/.local/lib/wireshark/plugins/$ws_version/epan" "$home/.config/wireshark" \
         "$home/no-global-plugins" "$home/no-extcap" "$home/run"
cp "$plugin" "$home/.local/lib/wireshark/plugins/$ws_version/epan/xmtrack.so"
cp "$capture" "$home/"
name=$(basename "$capture")
cat > "$home/.config/wireshark/preferences" <<'EOF'
gui.layout_type: 1
gui.qt.font_name: DejaVu Sans Mono,10,-1,5,50,0,0,0,0,0
gui.ask_unsaved: FALSE
EOF
cat > "$home/.config/wireshark/recent_common" <<EOF
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: $main_w
gui.geometry_main_height: $screen_h
gui.geometry_main_maximized: FALSE
privs.warn_if_elevated: FALSE
sys.warn_if_no_capture: FALSE
EOF
cat > "$home/.config/wireshark/recent" <<'EOF'
gui.geometry_main_upper_pane: 60
gui.geometry_main_lower_pane: 640
EOF
chown -R "$nobody:$nobody" "$home"
chmod 700 "$home/run"
as_nobody=(setpriv --reuid=$nobody --regid=$nobody --clear-groups
           env -i PATH=/usr/bin:/bin HOME="$home" XDG_RUNTIME_DIR="$home/run" LC_ALL=C.UTF-8
           WIRESHARK_PLUGIN_DIR="$home/no-global-plugins" WIRESHARK_EXTCAP_DIR="$home/no-extcap")

# The plugin pictured must be the one loaded, and the capture must hold something to show.
loaded=$("${as_nobody[@]}" tshark -G plugins | awk -F'\t' '$1 ~ /^xmtrack\.so/ {print $NF}')
[ "$loaded" = "$home/.local/lib/wireshark/plugins/$ws_version/epan/xmtrack.so" ] \
  || { echo "screenshot: $plugin did not load in tshark" >&2; exit 1; }
frame=$("${as_nobody[@]}" tshark -r "$home/$name" -Y "$filter" -T fields -e frame.number | head -1)
[ -n "$frame" ] || { echo "screenshot: no frame of $name matches $filter" >&2; exit 1; }

# Waits up to $1 seconds for a visible window whose title matches $2; prints its id.
wait_window() {
  local deadline=$((SECONDS + $1)) id
  while [ $SECONDS -lt $deadline ]; do
    id=$(xdotool search --onlyvisible --name "$2" 2>/dev/null | head -1) || true
    [ -n "$id" ] && { echo "$id"; return 0; }
    kill -0 "$ws_pid" 2>/dev/null || { echo "screenshot: wireshark exited" >&2; return 1; }
    sleep 0.2
  done
  echo "screenshot: no window '$2' after $1 s" >&2
  return 1
}

# The y, in window $1, of the top of each run of lines of the packet details coloured as a
# warning (Wireshark's yellow), looked for in a column right of the text (5 pixels down).
warning_rows() {
  import -window "$1" -crop "1x${screen_h}+$((main_w - 80))+0" +repage -depth 8 txt:- |
    awk -F'[,:() ]+' 'NR > 1 {
        yellow = $3 >= 224 && $4 >= 224 && $5 <= 144
        if (yellow && start == "") start = $2
        if (!yellow && start != "") { if ($2 - start >= 8) print start + 5; start = "" }
      }'
}

# An X server of our own; -displayfd tells which display it took once it accepts clients.
exec 3>"$tmp/display"
Xvfb -displayfd 3 -screen 0 "${screen_w}x${screen_h}x24" -nolisten tcp -ac >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
exec 3>&-
for _ in $(seq 100); do [ -s "$tmp/display" ] && break; sleep 0.1; done
[ -s "$tmp/display" ] || { echo "screenshot: Xvfb did not start" >&2; cat "$tmp/xvfb.log" >&2; exit 1; }
export DISPLAY=":$(head -1 "$tmp/display")"

# -g selects the frame, -z expert opens Analyze > Expert Information.
"${as_nobody[@]}" DISPLAY="$DISPLAY" wireshark -r "$home/$name" -Y "$filter" -g "$frame" -z expert \
  >"$tmp/wireshark.log" 2>&1 &
ws_pid=$!

main=$(wait_window 30 "^$name\$")
expert=$(wait_window 30 "Expert Information")
sleep 1   # let the packet list and the details settle
xdotool windowmove --sync "$expert" "$main_w" "$stats_h" \
        windowsize --sync "$expert" $((screen_w - main_w)) $((screen_h - stats_h))

# Statistics > Vendor Telemetry (the menu's last entry) > Messages and Events. First, as its
# reading of the capture starts Expert Information over.
xdotool windowfocus --sync "$main"
xdotool key alt+s
sleep 0.5
xdotool key Up Right Return
stats=$(wait_window 20 "Messages and Events")
xdotool windowmove --sync "$stats" "$main_w" 0 windowsize --sync "$stats" $((screen_w - main_w)) "$stats_h"
sleep 1

# Details pane: a click on the Vendor Telemetry line (the first one coloured as a warning:
# the message carries personal data) and Right expand it; then, that line selected (blue),
# the same for the first event with personal data. (Typing there would go to the display
# filter: the tree has no type-ahead.) Each waits until the first yellow line is another.
first_yellow=""
expand_warning_line() {
  local y="" deadline=$((SECONDS + 10))
  while [ $SECONDS -lt $deadline ]; do
    y=$(warning_rows "$main" | sed -n 1p)
    [ -n "$y" ] && [ "$y" != "$first_yellow" ] && break
    y=""
    sleep 0.2
  done
  [ -n "$y" ] || { echo "screenshot: no new line coloured as a warning in the packet details" >&2; exit 1; }
  first_yellow=$y
  xdotool mousemove --window "$main" 200 "$y" click 1
  sleep 0.3
  xdotool key Right
}
xdotool windowfocus --sync "$main"
expand_warning_line   # Vendor Telemetry
expand_warning_line   # Event 1
sleep 0.3

# Expert Information: one row per finding (untick "Group by summary", two tabs from the
# list), only the personal data (its search field, one tab further), the warnings opened.
xdotool windowfocus --sync "$expert"
xdotool mousemove --window "$expert" 200 $(((screen_h - stats_h) / 2)) click 1
sleep 0.3
xdotool key Tab Tab space Tab
xdotool type --delay 30 "Personal data"
sleep 0.6
xdotool key shift+Tab shift+Tab shift+Tab
xdotool type --delay 30 "Warning"
xdotool key Right
# Its Summary column wide enough for the whole findings: a double click on the column's right
# edge in the header, the second section edge found there (the header's grey lines).
edge=$(import -window "$expert" -crop "$((screen_w - main_w))x1+0+16" +repage -depth 8 txt:- |
         awk -F'[,:() ]+' 'NR > 1 && $1 > 20 && $3 == $4 && $4 == $5 && $3 <= 230 {print $1}' | sed -n 2p)
[ -n "$edge" ] && xdotool mousemove --window "$expert" "$edge" 16 click --repeat 2 --delay 80 1
xdotool mousemove "$screen_w" "$screen_h"   # no hover highlight
sleep 1

mkdir -p "$(dirname "$out")"
import -window root "$tmp/shot.png"
convert "$tmp/shot.png" +dither -colors 96 -strip -define png:compression-level=9 "$out"
echo "screenshot: $out ($(du -k "$out" | cut -f1) KB)"
