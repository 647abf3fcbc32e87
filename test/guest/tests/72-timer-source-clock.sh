#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "Timer Source": on a card's clock the loopback keeps the card's pace,
# whatever the loopback's or the card's period size.
# timeout: 150
#
# snd-dummy plays at 48000 Hz; its PCM timer ticks once a period.  A cable
# chosen onto that timer runs with periods of 64, 256, 1024 and 1000
# frames while the dummy's periods are 1024 frames, then with 1024-frame
# periods while the dummy's are 256.  Over 3 s the frames the loopback's
# playback end moved and the frames the dummy's stream moved (their
# hw_ptr) must agree within one loopback period plus one dummy period: a
# dropped or doubled tick, or a tick counted as one loopback period,
# breaks that.
# The PCM core ticks a PCM timer once per snd_pcm_period_elapsed() call
# (sound/core/pcm_lib.c:1822), and snd-dummy calls it once per hrtimer
# expiry even when its hrtimer fired periods late (sound/drivers/dummy.c:
# 385-389): its timer can tick less often than its periods pass, and a
# clock that only counts ticks then falls behind the card.
# snd-dummy's positions follow its own hrtimer, so its clock and the
# system clock run at the same rate and the figures alone cannot tell
# them apart: the per-cable element and the cable's "clock:" line in proc
# (README: "following" while the card's ticks steer it) tell which clock
# the cable ran on, and it must be the dummy's.

PB="Dummy 0.0 playback"

# dummy_play PERIOD: play silence into the clock card; pid in $dp
dummy_play() {
	aplay -D hw:Dummy,0,0 -t raw -f S16_LE -r 48000 -c 2 \
		--period-size="$1" --buffer-size=16384 /dev/zero >/dev/null 2>/tmp/dp.err &
	dp=$!
	wait_for 5 grep -q RUNNING /proc/asound/Dummy/pcm0p/sub0/status
}

# dummy_stop DESC: stop it, reporting any underrun it had
dummy_stop() {
	kill "$dp" 2>/dev/null
	wait "$dp" 2>/dev/null || :
	if grep -qi underrun /tmp/dp.err; then
		not_ok "$1: the dummy's stream ran without an underrun" "$(cat /tmp/dp.err)"
	else
		ok "$1: the dummy's stream ran without an underrun"
	fi
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

# sample: "LOOP_HW_PTR DUMMY_HW_PTR PERIOD": the hardware pointers of the
# loopback's playback end (hw:Loopback,0,0) and of the dummy's stream, and
# the loopback end's period size.  Reading a PCM's status file brings its
# hw_ptr up to date, and one process reads both, so the two positions are
# taken within microseconds of each other.
sample() {
	awk '
		FILENAME ~ /Loopback.*status$/ && $1 == "hw_ptr" { l = $3 }
		FILENAME ~ /Dummy.*status$/ && $1 == "hw_ptr" { d = $3 }
		FILENAME ~ /hw_params$/ && $1 == "period_size:" { p = $2 }
		END { print l, d, p }' \
		/proc/asound/Loopback/pcm0p/sub0/status \
		/proc/asound/Dummy/pcm0p/sub0/status \
		/proc/asound/Loopback/pcm0p/sub0/hw_params
}

# measure DP P: with the dummy's periods of DP frames, run the loopback's
# playback end with periods of P frames and compare
measure() {
	_t="dummy period $1, loopback period $2"
	# buffers of about 340 ms, so that a slow guest does not underrun
	_b=$(((16384 + $2 - 1) / $2 * $2))
	aplay -D hw:Loopback,0,0 -t raw -f S16_LE -r 48000 -c 2 \
		--period-size="$2" --buffer-size=$_b /dev/zero >/dev/null 2>/tmp/lp.err &
	lp=$!
	wait_for 5 playing
	wait_for 3 cable_is "$PB"
	_before=$(timersrc cable 1 0 2>&1)
	sleep 0.5
	_a=$(sample)
	sleep 3
	_z=$(sample)
	_after=$(timersrc cable 1 0 2>&1)
	_clock=$(clock_line)
	kill "$lp" 2>/dev/null
	wait "$lp" 2>/dev/null

	check_eq "$_t: the cable ran on $PB throughout" "$PB|$PB" "$_before|$_after"
	check_eq "$_t: proc shows the cable following the dummy's ticks" \
		"clock: $PB (following)" "$_clock"
	# shellcheck disable=SC2086 # split the samples into fields
	set -- "$1" "$2" $_a $_z
	check_eq "$_t: the loopback accepted period $2" "$2" "$5"
	if [ -z "$3" ] || [ -z "$4" ] || [ -z "$6" ] || [ -z "$7" ]; then
		not_ok "$_t: the loopback and the dummy moved together" \
			"cannot read the positions: '$_a' then '$_z'"
		return
	fi
	_dl=$(($6 - $3))
	_dd=$(($7 - $4))
	_diff=$((_dl - _dd))
	_lim=$(($1 + $2))
	diag "$_t: loopback moved $_dl frames, dummy $_dd, difference $_diff (limit +-$_lim)"
	if [ "$_dd" -ge 100000 ] && [ "$_diff" -le "$_lim" ] && [ "$_diff" -ge $((-_lim)) ]; then
		ok "$_t: over 3 s the loopback moved the dummy's frames within $_lim"
	else
		not_ok "$_t: over 3 s the loopback moved the dummy's frames within $_lim" \
			"loopback $_dl frames, dummy $_dd frames (samples '$_a' then '$_z')"
	fi
	if grep -qi underrun /tmp/lp.err; then
		not_ok "$_t: no underrun on the loopback" "$(cat /tmp/lp.err)"
	else
		ok "$_t: no underrun on the loopback"
	fi
}

aloop_load || { not_ok "the loopback loads"; exit 0; }
dummy_load || { not_ok "snd-dummy loads"; exit 0; }
wait_for 3 sh -c "timersrc items | grep -q '$PB'"
check_eq "choose $PB" "write: ok
$PB" "$(timersrc set "$PB" 2>&1)"

dummy_play 1024
for P in 64 256 1024 1000; do
	measure 1024 "$P"
done
dummy_stop "dummy period 1024"

dummy_play 256
measure 256 1024
dummy_stop "dummy period 256"
