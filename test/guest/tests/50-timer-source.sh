#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# timer_source (parameter and proc): a cable clocked by another card's
# PCM timer, holding over when its ticks stop, and what happens with
# names that do not parse or name no card.
# timeout: 180

# frames_moved of the playback end of cable 0 substream 0 (cable#0 file)
moved() {
	awk '/^Cable/ { n++ } n == 1 && /frames_moved/ { print $2; exit }' \
		"/proc/asound/Loopback/cable#0"
}

dummy_hw_ptr() {
	awk '/^hw_ptr/ { print $3; exit }' /proc/asound/Dummy/pcm0p/sub0/status
}

# Buffers are long (340 ms) so that a guest slowed down by a busy host
# does not underrun and restart a stream in the middle of a measurement.

# start playing silence into cable 0 substream 0; its pid is in $lp
play_loop() {
	aplay -q -D hw:Loopback,0,0 -t raw -f S16_LE -r 48000 -c 2 \
		--period-size=1024 --buffer-size=16384 /dev/zero >/dev/null 2>&1 &
	lp=$!
}

dummy_load || { not_ok "snd-dummy loads"; exit 0; }
# commas separate the cards of an array parameter: "." separates here
aloop_load timer_source=Dummy.0.0 || { not_ok "loads with timer_source=Dummy.0.0"; exit 0; }

# The card's PCM timer ticks only while its stream runs: start it first.
aplay -q -D hw:Dummy,0,0 -t raw -f S16_LE -r 48000 -c 2 \
	--period-size=1024 --buffer-size=16384 /dev/zero >/dev/null 2>&1 &
dp=$!
play_loop
wait_for 5 grep -q running "/proc/asound/Loopback/cable#0"
check_eq "the in-tree syntax becomes an item name" "Dummy 0.0 playback" \
	"$(cat /proc/asound/Loopback/timer_source)"
check "an open cable follows the card's timer (proc)" \
	grep -q "clock: Dummy 0.0 playback (following)" "/proc/asound/Loopback/cable#0"
# uptime in 1/100 s, the loopback's frames_moved and the dummy's hw_ptr,
# read by one process: on the debug kernel starting a process takes long
# enough to skew separate readings by thousands of frames
both() {
	awk 'FILENAME == "/proc/uptime" { split($1, u, "."); t = u[1] u[2] }
		FILENAME ~ /cable/ && /^Cable/ { n++ }
		FILENAME ~ /cable/ && n == 1 && /frames_moved/ && !l { l = $2 }
		FILENAME ~ /status/ && /^hw_ptr/ && !d { d = $3 }
		END { print t, l, d }' /proc/uptime "/proc/asound/Loopback/cable#0" \
		/proc/asound/Dummy/pcm0p/sub0/status
}

# measure: loopback ($dl) and dummy ($dd) frames over 2 s.  A guest that
# stalls for longer than the dummy's buffer makes the dummy lose frames
# (the PCM core skips its hw_ptr ahead), which spoils the comparison: then
# the dummy is more than 5 % off the wall clock and the measurement is
# taken again, twice at most.
measure() {
	for _try in 1 2 3; do
		# shellcheck disable=SC2046 # three numbers
		set -- $(both); t1=$1 l1=$2 d1=$3
		sleep 2
		# shellcheck disable=SC2046
		set -- $(both); t2=$1 l2=$2 d2=$3
		dl=$((l2 - l1)); dd=$((d2 - d1))
		wall=$(((t2 - t1) * 480))
		[ $((dd * 100)) -lt $((wall * 95)) ] || return 0
		diag "try $_try spoilt: the dummy moved $dd frames in $wall frames of wall time"
	done
}

sleep 1
measure
diag "over 2 s: loopback moved $dl frames, dummy $dd frames"
# frames_moved is as of the cable's last wake-up, so allow a period for
# each reading plus one for the card (72-timer-source-clock is precise)
if [ "$dd" -gt 24000 ] && [ "$dl" -ge $((dd - 3072)) ] && [ "$dl" -le $((dd + 3072)) ]; then
	ok "the cable advances in step with the clock card (within 3 periods)"
else
	not_ok "the cable advances in step with the clock card (within 3 periods)" \
		"loopback $dl frames, dummy $dd frames"
fi

# The rate shift scales the card's clock too: 80000 runs 1.25 times fast.
ctlval -d 1 -s 0 'PCM Rate Shift 100000' 80000 >/dev/null
sleep 0.5
measure
want=$((dd * 5 / 4))
diag "shift 80000 over 2 s: loopback moved $dl frames, dummy $dd frames"
if [ "$dd" -gt 24000 ] && [ "$dl" -ge $((want - 3072)) ] && [ "$dl" -le $((want + 3072)) ]; then
	ok "rate shift 80000 on the card's clock runs 1.25x the card"
else
	not_ok "rate shift 80000 on the card's clock runs 1.25x the card" \
		"loopback $dl frames, dummy $dd frames, expected about $want"
fi
ctlval -d 1 -s 0 'PCM Rate Shift 100000' 100000 >/dev/null

# Without ticks the cable holds over at the card's last rate (the
# in-tree driver stands still and the writer fails with EIO).
kill "$dp"; wait "$dp" 2>/dev/null
sleep 0.2
l3=$(moved); sleep 1; l4=$(moved)
if [ -n "$l4" ] && [ $((l4 - l3)) -gt 24000 ]; then
	ok "the cable holds over when the clock card stops"
else
	not_ok "the cable holds over when the clock card stops" "moved from $l3 to ${l4:-closed}"
fi
check "proc shows the holdover" \
	grep -q "clock: Dummy 0.0 playback (holdover)" "/proc/asound/Loopback/cable#0"
kill "$lp" 2>/dev/null; wait "$lp" 2>/dev/null

# a card id that is not present: the system clock, with a dmesg line
echo NoSuchCard,0,0 >/proc/asound/Loopback/timer_source
check_eq "proc accepts a card id that is not present" "NoSuchCard 0.0 playback" \
	"$(cat /proc/asound/Loopback/timer_source)"
dmesg -c >/dev/null
play_loop
sleep 1.5
m=$(moved)
kill "$lp"; wait "$lp" 2>/dev/null
if [ "${m:-0}" -gt 24000 ]; then
	ok "an absent timer card leaves the cable on the system clock"
else
	not_ok "an absent timer card leaves the cable on the system clock" "moved ${m:-none}"
fi

# proc refuses what does not parse (ALSA proc writes are applied at
# close, so the refusal shows in dmesg) and keeps the old value
dmesg -c >/dev/null
echo "Dummy,x" >/proc/asound/Loopback/timer_source
check "proc reports an unparsable timer_source in dmesg" \
	sh -c 'dmesg | grep -q "timer_source: cannot parse \"Dummy,x\""'
check_eq "a refused proc write keeps the old value" "NoSuchCard 0.0 playback" \
	"$(cat /proc/asound/Loopback/timer_source)"
echo "" >/proc/asound/Loopback/timer_source
check_eq "an empty proc write selects the system clock" "" \
	"$(cat /proc/asound/Loopback/timer_source)"

# rmmod is refused while a stream is open
play_loop
wait_for 5 grep -q running "/proc/asound/Loopback/cable#0"
if rmmod snd_aloop 2>/dev/null; then
	not_ok "rmmod is refused while a stream is open"
else
	ok "rmmod is refused while a stream is open"
fi
check "the card is still there after the refused rmmod" test -e /proc/asound/Loopback
kill "$lp"; wait "$lp" 2>/dev/null
check "rmmod works once the stream is closed" aloop_unload

# a timer_source parameter that does not parse: system clock, dmesg line
dmesg -c >/dev/null
if aloop_load "timer_source=Dummy.x"; then
	ok "an unparsable timer_source parameter still loads the card"
	check_eq "an unparsable timer_source parameter is dropped" "" \
		"$(cat /proc/asound/Loopback/timer_source)"
	check "an unparsable timer_source parameter is reported in dmesg" \
		sh -c 'dmesg | grep -q "timer_source=\"Dummy.x\" cannot be parsed"'
else
	not_ok "an unparsable timer_source parameter still loads the card"
fi
