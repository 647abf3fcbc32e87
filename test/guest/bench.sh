#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - clock-quality benchmark, in the test VM (make bench).
# Not a test: it prints figures, never pass/fail.
#
# For each configuration, clockbench bridge (test/src/clockbench.c) plays
# into the loopback, records from it and plays that into the skewed test
# card (test/fixtures/skewcard.c), as a bridge would, for BENCH_SECONDS
# (default 20) after a 1 s warm-up, and reports the drift between the
# loopback and the card over time, xruns, period wake-up jitter and CPU
# time.  Configurations, all at 48 kHz, S16_LE, 2 channels:
#   in-tree snd-aloop on jiffies;  in-tree snd-aloop with
#   timer_source=Skew.0.0;  ours on the system clock;  ours with
#   "Timer Source" = "Skew 0.0 playback";  ours following the card's
#   stream through snd_pcm_link() (clockbench --link, "Timer Source" left
#   on the system clock);
#   periods 64, 256 and 1024 frames; the card at +100 and -500 ppm.
# Buffers are 4 periods but at least BENCH_MIN_BUFFER frames (default
# 4096, 85 ms): under QEMU's TCG on a busy host the guest stalls for tens
# of milliseconds now and then, and a 256-frame buffer would measure only
# that.  How late the card's period interrupts came is reported with each
# configuration (from /proc/asound/Skew/timing): interrupts more than
# 50 ms late are stalls of the guest.
#
# Output on stdout, for test/vm/bench-report.sh:
#   # bench: ...                      progress and notes
#   BENCH-META,KEY,VALUE
#   BENCH-HEADER,impl,clock,ppm,FIELDS (see clockbench --header),
#               card_late_max_ms,card_late_10ms,card_late_50ms
#   BENCH-SUMMARY,IMPL,CLOCK,PPM,VALUES
#   BENCH-SERIES,IMPL,CLOCK,PPM,PERIOD,T,DRIFT
#   BENCH-FAIL,IMPL,CLOCK,PPM,PERIOD,MESSAGE

ALOOP_GUEST=$(cd "$(dirname "$0")" && pwd)
ALOOP_TEST=bench
IMPL=ours
PATH=/opt/aloop/bin:$PATH
export ALOOP_GUEST ALOOP_TEST IMPL PATH
# shellcheck source=test/guest/lib.sh
. "$ALOOP_GUEST/lib.sh"
cd /tmp || exit 1

SECS=${BENCH_SECONDS:-20}
MINBUF=${BENCH_MIN_BUFFER:-4096}
PERIODS=${BENCH_PERIODS:-64 256 1024}
PPMS=${BENCH_PPMS:-+100 -500}
RT=70
PB="Skew 0.0 playback"

meta() {
	echo "BENCH-META,$1,$2"
}

# run IMPL CLOCK: every ppm and period with the loopback loaded as wanted
run() {
	for ppm in $PPMS; do
		echo "${ppm#+}" >/sys/module/snd_skewcard/parameters/ppm
		for p in $PERIODS; do
			n=4
			while [ $((p * n)) -lt "$MINBUF" ]; do
				n=$((n * 2))
			done
			echo "# bench: $1 $2 ppm $ppm period $p buffer $((p * n))"
			link=
			[ "$2" = link ] && link=--link
			# shellcheck disable=SC2086 # $link: nothing or one word
			clockbench bridge -r 48000 -c 2 -f S16_LE -p "$p" -n "$n" \
				-d "$SECS" -w 1 --step 0.1 --rt $RT $link \
				>/tmp/bench.out 2>/tmp/bench.err
			rc=$?
			sed -n "s/^series,/BENCH-SERIES,$1,$2,$ppm,$p,/p" /tmp/bench.out
			# how late the card's period interrupts came (the
			# guest's stalls), over the whole run
			late=$(awk '$1 == "playback" && $2 == 0 {
				printf "%.1f,%d,%d", $4 / 1000, $6, $7 }' \
				/proc/asound/Skew/timing)
			if [ "$rc" -eq 0 ] && grep -q '^summary,' /tmp/bench.out; then
				sed -n "s/^summary,\(.*\)/BENCH-SUMMARY,$1,$2,$ppm,\1,$late/p" \
					/tmp/bench.out
			else
				echo "BENCH-FAIL,$1,$2,$ppm,$p,status $rc: $(tr '\n' ' ' </tmp/bench.err)"
			fi
			sed 's/^/# bench: stderr: /' /tmp/bench.err
		done
	done
}

# setup IMPL CLOCK: load the loopback for a configuration
setup() {
	aloop_unload || return 1
	IMPL=ours
	[ "$1" = in-tree ] && IMPL=peer
	case $2 in
	jiffies | system | link) aloop_load ;;
	timer_source) aloop_load timer_source=Skew.0.0 ;;
	card)
		aloop_load || return 1
		wait_for 5 sh -c "timersrc items | grep -q '$PB'" &&
			amixer -q -c Loopback cset name='Timer Source' "$PB"
		;;
	esac
}

start=$(date +%s)
meta kernel "$(uname -r)"
meta date "$(date -u +%Y-%m-%d)"
meta seconds "$SECS"
meta min_buffer "$MINBUF"
meta rt "$RT"
meta cpus "$(grep -c ^processor /proc/cpuinfo)"
if [ -r /opt/aloop/snd-aloop.modinfo ]; then
	meta ours "$(sed -n 's/^srcversion: *//p' /opt/aloop/snd-aloop.modinfo)"
fi
echo "BENCH-HEADER,impl,clock,ppm,$(clockbench --header),card_late_max_ms,card_late_10ms,card_late_50ms"

if ! aloop_unload || ! skew_load ppm=0; then
	echo "# bench: cannot set up the modules"
	exit 1
fi
for cfg in in-tree,jiffies in-tree,timer_source ours,system ours,card ours,link; do
	impl=${cfg%,*}
	clock=${cfg#*,}
	if ! setup "$impl" "$clock"; then
		echo "BENCH-FAIL,$impl,$clock,,,the loopback does not load"
		continue
	fi
	run "$impl" "$clock"
	aloop_unload
done
skew_unload
meta elapsed "$(($(date +%s) - start))"
echo "# bench: done in $(($(date +%s) - start)) s"
