#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench-timer-source.sh [ROUNDS] - how fast "Timer Source" reacts, in the
# test VM.  Not a test: it prints figures, no pass/fail, and make check
# does not run it.
#   (a) ms from the start of `modprobe snd-dummy` to the INFO event a
#       client waiting on the card-wide Timer Source receives;
#   (b) ms from a write of the card-wide Timer Source to the VALUE event
#       on the per-cable element of a running cable (onto a running
#       snd-dummy stream's timer, and back onto the system clock).
# Each is measured ROUNDS times (default 5) by timersrc (test/src/).
# The per-cable element names the card only once the card's ticks steer
# the cable, so (b) onto a card includes the wait for its next tick (up to
# one period of the card's stream, 21 ms here).
#
# Run it in the VM:
#   make shell
#   sh /opt/aloop/guest/bench-timer-source.sh     (in the guest; then exit)
# Under QEMU's TCG the figures are far slower than on real hardware.

ALOOP_GUEST=$(cd "$(dirname "$0")" && pwd)
ALOOP_TEST=bench-timer-source
IMPL=ours
PATH=/opt/aloop/bin:$PATH
export ALOOP_GUEST ALOOP_TEST IMPL PATH
# shellcheck source=test/guest/lib.sh
. "$ALOOP_GUEST/lib.sh"
cd /tmp || exit 1

rounds=${1:-5}
PB="Dummy 0.0 playback"

# stats: min, median and max of the numbers on stdin
stats() {
	sort -n | awk '{ v[NR] = $1 }
		END {
			if (!NR) { print "  no samples"; exit }
			printf "  min %.3f  median %.3f  max %.3f ms (%d samples)\n",
				v[1], v[int((NR + 1) / 2)], v[NR], NR
		}'
}

# measure FILE ARGS...: "timersrc wait ARGS...", its figure appended to FILE
measure() {
	_f=$1
	shift
	_out=$(timersrc wait "$@" 2>&1)
	_ms=$(echo "$_out" | awk '$1 == "event:" { print $4 }')
	if [ -n "$_ms" ]; then
		echo "$_ms" >>"$_f"
		echo "    $_ms ms"
	else
		echo "    no event: $_out"
	fi
}

if ! aloop_unload || ! dummy_unload; then
	echo "bench: cannot unload the modules" >&2
	exit 1
fi
aloop_load || { echo "bench: the loopback does not load" >&2; exit 1; }

echo "(a) modprobe snd-dummy -> INFO event on the card-wide Timer Source"
: >/tmp/bench.a
i=0
while [ "$i" -lt "$rounds" ]; do
	measure /tmp/bench.a info --timeout 10 --run "modprobe snd-dummy"
	wait_for 10 test -e /proc/asound/Dummy
	dummy_unload
	i=$((i + 1))
done
stats </tmp/bench.a

echo "(b) Timer Source write -> VALUE event on the running cable's element"
dummy_load || { echo "bench: snd-dummy does not load" >&2; exit 1; }
wait_for 5 sh -c "timersrc items | grep -q '$PB'"
aplay -q -D hw:Dummy,0,0 -t raw -f S16_LE -r 48000 -c 2 \
	--period-size=1024 --buffer-size=4096 /dev/zero >/dev/null 2>&1 &
dp=$!
aplay -q -D hw:Loopback,0,0 -t raw -f S16_LE -r 48000 -c 2 \
	--period-size=1024 --buffer-size=8192 /dev/zero >/dev/null 2>&1 &
lp=$!
timersrc set "System clock" >/dev/null
wait_for 5 grep -q "Playback: running" "/proc/asound/Loopback/cable#0"
: >/tmp/bench.b1
: >/tmp/bench.b2
i=0
while [ "$i" -lt "$rounds" ]; do
	echo "  onto $PB:"
	measure /tmp/bench.b1 value --cable 1 0 --timeout 5 --set "$PB"
	sleep 0.2
	echo "  onto System clock:"
	measure /tmp/bench.b2 value --cable 1 0 --timeout 5 --set "System clock"
	sleep 0.2
	i=$((i + 1))
done
echo "  onto $PB:"
stats </tmp/bench.b1
echo "  onto System clock:"
stats </tmp/bench.b2

kill "$lp" "$dp" 2>/dev/null
wait "$lp" "$dp" 2>/dev/null
aloop_unload
dummy_unload
