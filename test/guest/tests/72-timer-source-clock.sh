#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "Timer Source": on a card's clock the loopback keeps the card's pace,
# whatever the loopback's period size.
# timeout: 120
#
# snd-dummy plays at 48000 Hz with 1024-frame periods; its PCM timer ticks
# once a period.  A cable chosen onto that timer runs with periods of 64,
# 256, 1024 and 1000 frames.  Over 3 s the frames the loopback's playback
# end moved (cable#0, frames_moved) and the frames the dummy's stream moved
# (its hw_ptr, which the PCM core updates about once a dummy period) must
# agree within one loopback period plus 1024 frames of sampling
# granularity: a dropped or doubled tick, or a tick counted as one
# loopback period, breaks that.
# snd-dummy's positions follow its own hrtimer, so its clock and the
# system clock run at the same rate and the figures alone cannot tell
# them apart: the per-cable element and the cable's "clock:" line in proc
# (README: "following" while the card's ticks steer it) tell which clock
# the cable ran on, and it must be the dummy's.

PB="Dummy 0.0 playback"

dummy_play() {
	aplay -D hw:Dummy,0,0 -t raw -f S16_LE -r 48000 -c 2 \
		--period-size=1024 --buffer-size=16384 /dev/zero >/dev/null 2>/tmp/dp.err &
	dp=$!
	wait_for 5 grep -q RUNNING /proc/asound/Dummy/pcm0p/sub0/status
}

playing() {
	awk '/^Cable/ { cur = $4 + 0 }
		cur == 0 && /^  Playback: running/ { f = 1 }
		END { exit !f }' "/proc/asound/Loopback/cable#0"
}

# clock_line: the "clock:" line of cable#0 substream 0
clock_line() {
	awk '/^Cable/ { cur = $4 + 0 }
		cur == 0 && /^  clock:/ { sub(/^  /, ""); print; exit }' \
		"/proc/asound/Loopback/cable#0"
}

cable_is() {
	[ "$(timersrc cable 1 0 2>/dev/null)" = "$1" ]
}

# sample: "MOVED HW_PTR PERIOD": frames_moved and period_size of the
# playback end of cable#0 substream 0, and the dummy's hw_ptr, read by one
# process so that the two positions are taken together
sample() {
	awk '
		FILENAME ~ /status$/ { if ($1 == "hw_ptr") d = $3; next }
		/^Cable/ { cur = $4 + 0 }
		/^  Playback:/ { pb = 1 }
		/^  Capture:/ { pb = 0 }
		cur == 0 && pb && /frames_moved/ { l = $2 }
		cur == 0 && pb && /period_size/ { p = $2 }
		END { print l, d, p }' \
		"/proc/asound/Loopback/cable#0" /proc/asound/Dummy/pcm0p/sub0/status
}

aloop_load || { not_ok "the loopback loads"; exit 0; }
dummy_load || { not_ok "snd-dummy loads"; exit 0; }
wait_for 3 sh -c "timersrc items | grep -q '$PB'"
check_eq "choose $PB" "write: ok
$PB" "$(timersrc set "$PB" 2>&1)"
dummy_play

for P in 64 256 1024 1000; do
	# buffers of about 340 ms, so that a slow guest does not underrun
	B=$(((16384 + P - 1) / P * P))
	aplay -D hw:Loopback,0,0 -t raw -f S16_LE -r 48000 -c 2 \
		--period-size=$P --buffer-size=$B /dev/zero >/dev/null 2>/tmp/lp.err &
	lp=$!
	wait_for 5 playing
	wait_for 3 cable_is "$PB"
	before=$(timersrc cable 1 0 2>&1)
	sleep 0.5
	a=$(sample)
	sleep 3
	b=$(sample)
	after=$(timersrc cable 1 0 2>&1)
	clock=$(clock_line)
	kill "$lp" 2>/dev/null
	wait "$lp" 2>/dev/null

	check_eq "period $P: the cable ran on $PB throughout" "$PB|$PB" "$before|$after"
	check_eq "period $P: proc shows the cable following the dummy's ticks" \
		"clock: $PB (following)" "$clock"
	# shellcheck disable=SC2086 # split the samples into fields
	set -- $a $b
	check_eq "period $P: the loopback accepted period $P" "$P" "$3"
	if [ -z "$1" ] || [ -z "$2" ] || [ -z "$4" ] || [ -z "$5" ]; then
		not_ok "period $P: the loopback and the dummy moved together" \
			"cannot read the positions: '$a' then '$b'"
		continue
	fi
	dl=$(($4 - $1))
	dd=$(($5 - $2))
	diff=$((dl - dd))
	lim=$((P + 1024))
	diag "period $P: loopback moved $dl frames, dummy $dd, difference $diff (limit +-$lim)"
	if [ "$dd" -ge 100000 ] && [ "$diff" -le "$lim" ] && [ "$diff" -ge $((-lim)) ]; then
		ok "period $P: over 3 s the loopback moved the dummy's frames within $lim"
	else
		not_ok "period $P: over 3 s the loopback moved the dummy's frames within $lim" \
			"loopback $dl frames, dummy $dd frames (samples '$a' then '$b')"
	fi
	if grep -qi underrun /tmp/lp.err; then
		not_ok "period $P: no underrun on the loopback" "$(cat /tmp/lp.err)"
	else
		ok "period $P: no underrun on the loopback"
	fi
done
if grep -qi underrun /tmp/dp.err; then
	not_ok "the dummy's stream ran without an underrun" "$(cat /tmp/dp.err)"
else
	ok "the dummy's stream ran without an underrun"
fi
kill "$dp" 2>/dev/null
wait "$dp" 2>/dev/null || :
