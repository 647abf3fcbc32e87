#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Random and invalid requests from an unprivileged user.
# timeout: 300
#
# The /dev/snd nodes get group audio and mode 0660, as udev gives them on
# a real system; user "fuzz" (uid 1000) is in group audio, user
# "outsider" (uid 1001) is not.  test/src/fuzz.c drops root to those ids
# before it opens anything.  Asserts: the outsider gets EACCES on every
# node of the card and on writing /proc/asound/Loopback/timer_source; the
# audio user's random and invalid control and PCM requests (raw ioctls,
# mmap, read, write) only fail with errors a caller can cause or give
# valid results, change nothing when refused, and leave every element,
# item list and value as they were (fuzz.c checks all of it), also under
# ASan and UBSan; the rig fails the run on any kernel splat.
# FUZZ_SEED, FUZZ_ITERATIONS (kernel command line aloop.env.*) for longer.

seed=${FUZZ_SEED:-1}
iterations=${FUZZ_ITERATIONS:-60000}

# the users, as a system would have them
grep -q '^fuzz:' /etc/passwd || {
	echo 'fuzz:x:1000:1000:fuzz:/tmp:/bin/sh' >>/etc/passwd
	echo 'outsider:x:1001:1001:outsider:/tmp:/bin/sh' >>/etc/passwd
	echo 'fuzz:x:1000:' >>/etc/group
	echo 'outsider:x:1001:' >>/etc/group
	sed -i 's/^audio:x:29:$/audio:x:29:fuzz/' /etc/group
}
audio=$(awk -F: '$1 == "audio" { print $3 }' /etc/group)

# snd_perms: what udev's rules give the sound nodes on a real system
snd_perms() {
	chgrp "$audio" /dev/snd/*
	chmod 0660 /dev/snd/*
}

dummy_load || { not_ok "snd-dummy loads"; exit 0; }
aloop_load || { not_ok "the loopback loads"; exit 0; }
amixer -q -c Loopback cset name='Timer Source' 'Dummy 0.0 playback' ||
	diag "cannot choose Dummy 0.0 playback to start with"
snd_perms
diag "$(ls -l /dev/snd/ | sed 1d)"

check "a user outside group audio gets EACCES on the card's nodes and on timer_source" \
	fuzz access -u 1001:1001

check "hardware limits hold with (0,0) intervals in hw_refine (no 4 GiB buffers)" \
	fuzz edges -u "1000:1000:$audio"

# run_fuzz DESC PROGRAM: as the audio user; report and keep its output
run_fuzz() {
	_out=/tmp/fuzz.$2.out
	"$2" -s "$seed" -n "$iterations" -t 120 -u "1000:1000:$audio" >"$_out" 2>&1
	_rc=$?
	diag "$(sed -n "s/^fuzz: /fuzz: [$1] /p" "$_out")"
	if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$_out"; then
		not_ok "$1: no sanitizer report" "$(grep -A 20 'Sanitizer\|runtime error:' "$_out" | head -n 40)"
	fi
	if [ "$_rc" = 0 ]; then
		ok "$1: only errors or valid results, state unchanged (seed $seed)"
	else
		not_ok "$1: only errors or valid results, state unchanged (seed $seed)" \
			"exit status $_rc" "$(grep -v '^fuzz: op ' "$_out" | tail -n 40)"
	fi
}

run_fuzz fuzz fuzz
if command -v fuzz.san >/dev/null; then
	ASAN_OPTIONS=detect_leaks=0:exitcode=3 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=3 \
		run_fuzz "fuzz (ASan+UBSan)" fuzz.san
else
	skip "fuzz (ASan+UBSan)" "fuzz.san is not there"
fi

check_eq "root still reads the choice in proc" "Dummy 0.0 playback" \
	"$(cat /proc/asound/Loopback/timer_source)"
check "the loopback unloads after the fuzz" aloop_unload
