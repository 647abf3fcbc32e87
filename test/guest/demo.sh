#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - show our loopback at work in the VM (`make demo`).
#
# Loads our snd-aloop and then snd-dummy as a stand-in for a hardware card,
# shows the loopback's controls before and after that card appeared, plays
# a known signal through a cable with aplay while arecord records it, and
# compares the two.  Its checks are TAP lines like the tests', so the host's
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

# The controls that pick a timer source.  They may not exist (yet): only
# show what is there.
clock_controls() {
	amixer -c Loopback controls 2>/dev/null | grep -iE 'timer|clock|source' |
		sed 's/,.*//'
}

show_clock_controls() {
	_ids=$(clock_controls)
	if [ -z "$_ids" ]; then
		echo "(no timer or clock source control on the loopback card)"
		return
	fi
	for _id in $_ids; do
		amixer -c Loopback cget "$_id"
	done
}

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

say "Timer source controls, now that the dummy card exists"
show_clock_controls

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
for f in /proc/asound/Loopback/cable#0 /proc/asound/Loopback/pcm0p/sub0/hw_params; do
	[ -e "$f" ] && { echo "--- $f (while playing)"; cat "$f"; }
done
if wait "$play"; then ok "aplay"; else not_ok "aplay" "$(cat aplay.err)"; fi
if wait "$rec"; then ok "arecord"; else not_ok "arecord" "$(cat arecord.err)"; fi
echo "played:   $(md5sum <play.raw | cut -d' ' -f1)  $(wc -c <play.raw) bytes"
echo "recorded: $(wc -c <rec.raw) bytes"
check "recording holds the played signal, bit-exact" match_after_silence play.raw rec.raw

say "/proc/asound/Loopback"
for f in /proc/asound/Loopback/*; do
	[ -f "$f" ] || continue
	echo "--- $f"
	cat "$f"
done

say "Unloading"
check "unload snd-dummy" dummy_unload
say "Timer source controls after the dummy card went away"
show_clock_controls
check "unload snd-aloop" aloop_unload

echo "1..$(_aloop_get n)"
echo "# $(_aloop_get ok) passed, $(_aloop_get not_ok) failed"
[ "$(_aloop_get not_ok)" -eq 0 ]
