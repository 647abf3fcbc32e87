#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The skewed test card (test/fixtures/skewcard.c), and the loopback on its
# clock keeping its pace while the system clock drifts away from it.
# timeout: 600
#
# 1. The card itself: clockbench measures a stream's rate against
#    CLOCK_MONOTONIC from the kernel's (position, timestamp) pairs; with
#    ppm=+500 it must be 1.0005 times nominal, with ppm=0 nominal, also
#    with period jitter on, for playback and capture.
# 2. The loopback: a cable chosen onto "Skew 0.0 playback" while the
#    card's playback runs moves, over 10 s, the frames the card moved
#    within one loopback period plus sampling slack, for +500 and -500
#    ppm; on the system clock it drifts away by the skew (480 frames in
#    20 s at 48 kHz: 20 s, so that the drift stands well clear of the
#    slack; up to 120 s when it does not, as on the debug kernel, whose
#    slow proc reads give each sample ~400 frames of slack).  The
#    loopback's frames are frames_moved of its playback end
#    (/proc/asound/Loopback/cable#0, brought up to date by reading its PCM
#    status first); the card's are its hw_ptr
#    (/proc/asound/Skew/pcm0p/sub0/status), exact when it is read.  Each
#    sample reads the card, the loopback, and the card again: the card's
#    position is the middle of its two reads and half their difference is
#    the sample's slack.  A try in which a stream underran because the
#    guest stalled (see run_cable) is shown and repeated, up to 3 times;
#    when every try was spoilt, the check is skipped saying so.

RATE=48000
LP=64		# loopback period: small, so the bound is tight
CP=256		# the card's period
# Buffers of 341 ms: long enough to ride out most stalls of a busy TCG
# host without an underrun; the clocks do not care.
SECS=10		# on the card's clock
SYS_SECS=20	# on the system clock
PB="Skew 0.0 playback"
PARAMS=/sys/module/snd_skewcard/parameters

# rate DESC EXPECTED-PPM CLOCKBENCH-ARGS...: the card's measured rate.
# A run with an xrun measures nothing (the guest stalled): up to 3 tries.
rate() {
	_desc=$1
	_ppm=$2
	shift 2
	for _try in 1 2 3; do
		_out=$(clockbench rate -D hw:Skew,0,0 -r $RATE -p 1024 -n 8 \
			-d 4 --expect-ppm "$_ppm" --tolerance-ppm 25 "$@" 2>&1)
		_rc=$?
		diag "$_desc: $_out"
		case $_out in *xrun*) ;; *) break ;; esac
	done
	if [ "$_rc" -eq 0 ]; then
		ok "$_desc: rate is nominal $_ppm ppm within 25 ppm"
	else
		not_ok "$_desc: rate is nominal $_ppm ppm within 25 ppm" "$_out"
	fi
}

set_param() {
	echo "$2" >"$PARAMS/$1"
}

playing() {
	awk '/^Cable/ { cur = $4 + 0 }
		cur == 0 && /^  Playback: running/ { f = 1 }
		END { exit !f }' "/proc/asound/Loopback/cable#0"
}

clock_line() {
	awk '/^Cable/ { cur = $4 + 0 }
		cur == 0 && /^  clock:/ { sub(/^  /, ""); print; exit }' \
		"/proc/asound/Loopback/cable#0"
}

# sample: "CARD SLACK MOVED": the card's hw_ptr (middle of two reads),
# half the difference of the two reads, and frames_moved of cable#0's
# playback end, read by one process; the best of 7 tries (smallest slack:
# under TCG a try now and then takes milliseconds).  frames_moved is
# brought up to date first by reading the loopback end's PCM status (the
# pointer callback updates the cable): otherwise it is as old as the
# cable's last period wake-up, which under a busy TCG host comes
# milliseconds late.
sample() {
	_best=
	for _try in 1 2 3 4 5 6 7; do
		_s=$(sample1)
		# shellcheck disable=SC2086 # split the fields
		set -- $_s $_best
		if [ -z "$_best" ] || awk -v a="$2" -v b="$5" 'BEGIN { exit !(a < b) }'; then
			_best=$_s
		fi
	done
	echo "$_best"
}

sample1() {
	S=/proc/asound/Skew/pcm0p/sub0/status
	awk '
		FILENAME ~ /Skew/ && $1 == "hw_ptr" { h[++n] = $3; next }
		FILENAME ~ /status$/ { next }
		/^Cable/ { cur = $4 + 0 }
		/^  Playback:/ { pb = 1 }
		/^  Capture:/ { pb = 0 }
		cur == 0 && pb && /frames_moved/ { l = $2 }
		END { printf "%.1f %.1f %s\n", (h[1] + h[2]) / 2, (h[2] - h[1]) / 2, l }' \
		"$S" /proc/asound/Loopback/pcm0p/sub0/status \
		"/proc/asound/Loopback/cable#0" "$S"
}

# stalls: period interrupts of the card's playback 0 more than 50 ms late
# since it was opened, and the latest one in ms (/proc/asound/Skew/timing)
stalls() {
	awk '$1 == "playback" && $2 == 0 { printf "%d %.1f\n", $7, $4 / 1000 }' \
		/proc/asound/Skew/timing
}

# run_cable PPM CLOCK SECS: the card at PPM, the loopback on CLOCK (card
# or system) for SECS.  Sets D (loopback minus card frames), C (card
# frames), SL (slack), and returns 0 for a measurement, 1 for a failure
# (FAIL says why), 2 when every try was spoilt by the guest stalling
# (SPOILT says how).
#
# An underrun restarts a stream and spoils the figures; it is excused
# when the guest stalled (a period interrupt of the card more than 50 ms
# late, /proc/asound/Skew/timing), and the try is shown and repeated, up
# to 3 times.  Stalls without an underrun spoil nothing: the card's
# position stays exact and the loopback must keep to it.
run_cable() {
	SPOILT=
	for _try in 1 2 3; do
		run_cable1 "$@"
		# shellcheck disable=SC2086 # split the fields
		set -- "$1" "$2" "$3" $ST
		if [ -n "$XR" ] && [ "$5" -eq 0 ]; then
			FAIL="an underrun without a stall: $XR"
			return 1
		fi
		if [ -z "$XR" ] && [ -z "$D" ]; then
			FAIL="cannot read the positions: '$a' then '$b'"
			return 1
		fi
		[ -n "$XR" ] || return 0
		_why="an underrun, $5 stalls since the start, up to $6 ms"
		diag "$1 ppm on $2: try $_try spoilt by $_why"
		SPOILT="$SPOILT${SPOILT:+; }$_why"
	done
	return 2
}

# run_cable1 PPM CLOCK SECS: one try; sets D, C, SL, XR (underruns), ST
# ("WINDOW TOTAL MAX_MS": stalls during the measurement, since the start,
# the worst lateness), STD (ST in words)
run_cable1() {
	D=
	set_param ppm "$1"
	aplay -D hw:Skew,0,0 -t raw -f S16_LE -r $RATE -c 2 \
		--period-size=$CP --buffer-size=$((CP * 64)) /dev/zero \
		>/dev/null 2>/tmp/cp.err &
	cp=$!
	wait_for 5 grep -q RUNNING /proc/asound/Skew/pcm0p/sub0/status
	if [ "$2" = card ]; then
		amixer -q -c Loopback cset name='Timer Source' "$PB"
	else
		amixer -q -c Loopback cset name='Timer Source' 'System clock'
	fi
	aplay -D hw:Loopback,0,0 -t raw -f S16_LE -r $RATE -c 2 \
		--period-size=$LP --buffer-size=$((LP * 256)) /dev/zero \
		>/dev/null 2>/tmp/lp.err &
	lp=$!
	wait_for 5 playing
	sleep 1
	sa=$(stalls)
	a=$(sample)
	sleep "$3"
	b=$(sample)
	sb=$(stalls)
	CL=$(clock_line)
	kill "$lp" "$cp" 2>/dev/null
	wait "$lp" "$cp" 2>/dev/null
	XR=$(grep -i underrun /tmp/cp.err /tmp/lp.err)
	ST=$(echo "$sa $sb" | awk '{ print $3 - $1, $3, $4 }')
	STD=$(echo "$ST" | awk '{ printf "card interrupts >50 ms late while measuring: %d, worst since the start %.0f ms", $1, $3 }')
	# shellcheck disable=SC2086 # split the samples into fields
	set -- $a $b
	[ $# -eq 6 ] || return
	C=$(awk -v a="$1" -v b="$4" 'BEGIN { printf "%.1f", b - a }')
	D=$(awk -v a="$1" -v b="$4" -v la="$3" -v lb="$6" \
		'BEGIN { printf "%.1f", (lb - la) - (b - a) }')
	SL=$(awk -v a="$2" -v b="$5" 'BEGIN { printf "%.1f", a + b }')
}

# within X LO HI: LO <= X <= HI
within() {
	awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'
}

# 1. The card.
skew_load ppm=500 || { not_ok "snd-skewcard loads"; exit 0; }
check_eq "card id and ppm parameter" "Skew 500" \
	"$(cat /proc/asound/Skew/id) $(cat $PARAMS/ppm)"
rate "ppm=+500 playback" 500
rate "ppm=+500 capture" 500 --capture
set_param ppm 0
rate "ppm=0 playback" 0
set_param ppm -500
rate "ppm=-500 capture" -500 --capture
set_param jitter_us 2000
rate "ppm=-500 with 2 ms period jitter, playback" -500 -p 256 -n 32
set_param jitter_us 0
if set_param ppm 200000 2>/dev/null; then
	not_ok "ppm=200000 (out of range) is refused"
else
	check_eq "ppm=200000 (out of range) is refused, ppm stays" -500 \
		"$(cat $PARAMS/ppm)"
fi

# 2. The loopback on the card's clock, and on the system clock.
aloop_load || { not_ok "the loopback loads"; exit 0; }
wait_for 5 sh -c "timersrc items | grep -q '$PB'"
for ppm in 500 -500; do
	desc="$ppm ppm: on the card's clock the loopback stays within one period"
	run_cable $ppm card $SECS
	case $? in
	1) not_ok "$desc" "no measurement: $FAIL" ;;
	2) skip "$desc" "the guest stalled in every try: $SPOILT" ;;
	*)
		check_eq "$ppm ppm: the cable followed the card's ticks" \
			"clock: $PB (following)" "$CL"
		lim=$(awk -v p=$LP -v s="$SL" 'BEGIN { printf "%.1f", p + s }')
		diag "$ppm ppm on $PB: over ${SECS} s the card moved $C frames, the loopback $D frames more (limit +-$lim: period $LP + slack $SL; $STD)"
		if within "$D" "-$lim" "$lim"; then
			ok "$desc"
		else
			not_ok "$desc" \
				"card $C frames, loopback - card = $D frames, limit +-$lim" \
				"samples '$a' then '$b'"
		fi
		;;
	esac

	desc="$ppm ppm: on the system clock the loopback drifts by the skew"
	# The drift grows with time, the slack does not: when the two bands
	# (expected +-limit and 0 +-limit) overlap, the samples were read too
	# slowly to tell the clocks apart (the debug kernel reads proc files
	# slowly) and the measurement is repeated over a time in which the
	# drift would be three limits, at most 6 times as long.
	secs=$SYS_SECS
	while :; do
		run_cable $ppm system $secs
		res=$?
		[ $res -eq 0 ] || break
		exp=$(awk -v c="$C" -v p=$ppm 'BEGIN { printf "%.1f", -c * p / 1e6 }')
		lim=$(awk -v p=$LP -v s="$SL" 'BEGIN { printf "%.1f", p + s }')
		diag "$ppm ppm on the system clock: over $secs s the card moved $C frames, the loopback $D frames more (expected $exp +-$lim; $STD)"
		longer=$(awk -v e="$exp" -v l="$lim" -v t=$secs -v max=$((SYS_SECS * 6)) 'BEGIN {
			if (e < 0) e = -e
			if (e > 2 * l || t >= max) exit
			t = int(t * 3 * l / e) + 1
			print (t < max ? t : max) }')
		[ -n "$longer" ] || break
		diag "the bands overlap: measuring over $longer s"
		secs=$longer
	done
	case $res in
	1) not_ok "$desc" "no measurement: $FAIL" ;;
	2) skip "$desc" "the guest stalled in every try: $SPOILT" ;;
	*)
		# and outside the band a loopback on the card's clock stays in
		if within "$D" "$(awk -v e="$exp" -v l="$lim" 'BEGIN { print e - l }')" \
			"$(awk -v e="$exp" -v l="$lim" 'BEGIN { print e + l }')" &&
			! within "$D" "-$lim" "$lim"; then
			ok "$desc"
		else
			not_ok "$desc" \
				"card $C frames, loopback - card = $D frames, expected $exp +-$lim and beyond +-$lim" \
				"samples '$a' then '$b'"
		fi
		;;
	esac
done
