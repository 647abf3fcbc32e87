#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Seeded stress of the loopback with clock cards coming and going.
# timeout: 300
#
# Runs test/src/stress.c for STRESS_SECONDS (default 20) with seed
# STRESS_SEED (default 1): PCM workers on every kind of stream operation
# and link, control and proc writers, a hotplug worker loading and
# unloading snd-dummy, snd-skewcard and snd-hrtimer and unbinding and
# binding the dummy's device, and a worker that tries to unload the
# loopback while it holds it.  Then the same, shorter, with the program
# built with ASan and UBSan.  Asserts: every worker finished in time and
# without a violation, the final state (stress.c checks it), the loopback
# unloads afterwards, kmemleak finds nothing (on kernels that have it);
# the rig fails the run on any kernel splat.  `make stress` sets the two
# variables (kernel command line aloop.env.*) for long runs.

seconds=${STRESS_SECONDS:-20}
seed=${STRESS_SEED:-1}
kver=$(uname -r)

# ko NAME: the module file of the running kernel
ko() {
	find "/lib/modules/$kver" -name "$1.ko" | head -n 1
}

# run_stress DESC PROGRAM SECONDS: run it, report, keep its output
run_stress() {
	_out=/tmp/stress.$2.out
	"$2" -s "$seed" -t "$3" -w 4 -p -u \
		-m "snd_dummy=$(ko snd-dummy)" \
		-m "snd_skewcard=$ALOOP_FIXTURES/snd-skewcard.ko" \
		-m "snd_hrtimer=$(ko snd-hrtimer)" \
		-b snd_dummy=snd_dummy.0 >"$_out" 2>&1
	_rc=$?
	# the figures, for the report and for make stress
	diag "$(sed -n "s/^stress: /stress: [$1] /p" "$_out")"
	if grep -q 'stuck\|ended with' "$_out"; then
		not_ok "$1: every worker finished within the grace time" "$(grep -A 30 'stuck\|ended with' "$_out")"
	else
		ok "$1: every worker finished within the grace time"
	fi
	if grep -q VIOLATION "$_out"; then
		not_ok "$1: no violation" "$(grep VIOLATION "$_out" | head -n 30)"
	else
		ok "$1: no violation"
	fi
	if grep -q 'FAIL final state' "$_out"; then
		not_ok "$1: final state (cables closed, Timer Source items = PCMs present, value = choice)" \
			"$(sed -n '/FAIL final state/,/^stress: final/p' "$_out" | head -n 60)"
	else
		ok "$1: final state (cables closed, Timer Source items = PCMs present, value = choice)"
	fi
	if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$_out"; then
		not_ok "$1: no sanitizer report" "$(grep -A 20 'Sanitizer\|runtime error:' "$_out" | head -n 40)"
	fi
	if [ "$_rc" = 0 ]; then
		ok "$1: stress exits 0 (seed $seed, $3 s)"
	else
		not_ok "$1: stress exits 0 (seed $seed, $3 s)" "exit status $_rc" "$(tail -n 20 "$_out")"
	fi
}

dummy_load || { not_ok "snd-dummy loads"; exit 0; }
skew_load || { not_ok "snd-skewcard loads"; exit 0; }
modprobe snd-hrtimer || { not_ok "snd-hrtimer loads"; exit 0; }
aloop_load || { not_ok "the loopback loads"; exit 0; }
amixer -q -c Loopback cset name='Timer Source' 'Dummy 0.0 playback' ||
	diag "cannot choose Dummy 0.0 playback to start with"

run_stress stress stress "$seconds"
if command -v stress.san >/dev/null; then
	asan_seconds=$((seconds / 4))
	[ "$asan_seconds" -ge 5 ] || asan_seconds=5
	# alsa-lib keeps its configuration cache to the end: not a leak
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=3 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=3 \
		run_stress "stress (ASan+UBSan)" stress.san "$asan_seconds"
else
	skip "stress (ASan+UBSan)" "stress.san is not there"
fi

check "the loopback unloads after the stress" aloop_unload
dummy_unload
skew_unload
rmmod snd_hrtimer 2>/dev/null

kmemleak_check "kmemleak: nothing leaked"
