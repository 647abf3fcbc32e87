#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - show our loopback at work in the VM (`make demo`).
#
# Loads our snd-aloop and then snd-dummy as a stand-in for a hardware card,
# shows the loopback's "Timer Source" picking up that card, puts the
# loopback on the card's clock with amixer while the card's stream runs,
# plays a known signal through a cable with aplay while arecord records
# it, compares the two, and shows the cable following the card's clock.  Its checks are TAP lines like the tests', so the host's
# report.sh judges a demo run too.

ALOOP_GUEST=$(cd "$(dirname "$0")" && pwd)
ALOOP_TEST=demo
IMPL=ours
PATH=/opt/aloop/bin:$PATH
export ALOOP_GUEST ALOOP_TEST IMPL PATH
# shellcheck source=test/guest/lib.sh
. "$ALOOP_GUEST/lib.sh"
cd /tmp || exit 1

say() { printf '\n===== %s\n' "$*"; }

say "Loading our snd-aloop"
check "load snd-aloop" aloop_load || exit 1
cat /proc/asound/cards

say "amixer -c Loopback contents (device 0, substream 0)"
# Every substream has the same set; print one set to keep this readable.
amixer -c Loopback contents | awk '
	/^numid=/ { show = !/device=|subdevice=/; if (!show) hidden++ }
	show { print }
	END { if (hidden) print "(and " hidden " more controls on other substreams)" }'

say "Loading snd-dummy as the 'hardware' card"
check "load snd-dummy" dummy_load
cat /proc/asound/cards

say "Timer Source, now that the dummy card exists"
amixer -c Loopback sget 'Timer Source' | sed 's/Items: /Items:\n    /'

say "Dummy's stream runs; the loopback follows its clock"
# shellcheck disable=SC2086
aplay -q -D hw:Dummy,0,0 -t raw -f S16_LE -r 48000 -c 2 /dev/zero 2>/dev/null &
dummy=$!
check "choose 'Dummy 0.0 playback' with amixer" \
	amixer -q -c Loopback cset name='Timer Source' 'Dummy 0.0 playback'
amixer -c Loopback sget 'Timer Source' | grep Item0

say "Playing 1 s of noise into hw:Loopback,0,0, recording hw:Loopback,1,0"
fmt="-t raw -f S16_LE -r 48000 -c 2"
gen_noise play.raw 192000
# shellcheck disable=SC2086
arecord -q -D hw:Loopback,1,0 $fmt -d 3 rec.raw 2>arecord.err &
rec=$!
sleep 0.5
# shellcheck disable=SC2086
aplay -q -D hw:Loopback,0,0 $fmt play.raw 2>aplay.err &
play=$!
sleep 0.5
echo "--- /proc/asound/Loopback/cable#0 (while playing)"
sed -n '1,/^Cable 0 substream 1/p' "/proc/asound/Loopback/cable#0" | sed '$d'
echo "--- the cable's own Timer Source (device 1, subdevice 0)"
amixer -c Loopback cget iface=PCM,name='Timer Source',device=1,subdevice=0 | tail -n 1
check "the cable follows the dummy's clock" \
	grep -q "clock: Dummy 0.0 playback (following)" "/proc/asound/Loopback/cable#0"
if wait "$play"; then ok "aplay"; else not_ok "aplay" "$(cat aplay.err)"; fi
if wait "$rec"; then ok "arecord"; else not_ok "arecord" "$(cat arecord.err)"; fi
echo "played:   $(md5sum <play.raw | cut -d' ' -f1)  $(wc -c <play.raw) bytes"
echo "recorded: $(wc -c <rec.raw) bytes"
check "recording holds the played signal, bit-exact" match_after_silence play.raw rec.raw
kill "$dummy"
wait "$dummy" 2>/dev/null

say "/proc/asound/Loopback"
for f in /proc/asound/Loopback/*; do
	[ -f "$f" ] || continue
	echo "--- $f"
	cat "$f"
done

say "Unloading snd-dummy: the chosen name stays, cables use the system clock"
check "unload snd-dummy" dummy_unload
amixer -c Loopback sget 'Timer Source' | sed -n 's/^ *Items/  Items/p; s/^ *Item0/  Item0/p'
check "unload snd-aloop" aloop_unload

echo "1..$(_aloop_get n)"
echo "# $(_aloop_get ok) passed, $(_aloop_get not_ok) failed"
[ "$(_aloop_get not_ok)" -eq 0 ]
