# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# lib.sh - helpers for the guest test scripts (busybox sh, POSIX).
#
# THE CONTRACT (run.sh implements it, test scripts rely on it)
#
# Test scripts are /opt/aloop/guest/tests/*.sh (test/guest/tests/ in git).
# run.sh runs them in name order, each in its own sh process with this file
# already sourced, cwd /tmp, PATH starting with /opt/aloop/bin (programs
# built from test/src/).  Header lines, looked for in the first 5 lines:
#   # peer: yes    run the script twice: first IMPL=ours, then IMPL=peer
#                  (the in-tree Debian snd-aloop), on the stock kernel
#                  only ($ALOOP_KERNEL stock)
#   # timeout: N   kill the script after N seconds (default 300, at least
#                  $ALOOP_TIMEOUT_MIN when that is set); a timeout counts
#                  as a failure; on the debug kernel the runner allows four
#                  times as long
#
# Environment: IMPL (ours | peer), ALOOP_TEST (script name without .sh),
# ALOOP_KO (/opt/aloop/snd-aloop.ko), ALOOP_GUEST (/opt/aloop/guest).
#
# Each script runs in its own session.  When it ends, whatever it left
# running is killed and snd_aloop, snd_dummy and snd_skewcard are
# unloaded (the runner does it again before the next script), so a script
# failing midway does not poison the next; a module that still cannot be
# unloaded then is reported as a failure (a leaked reference).  The
# script's stdout and stderr go to a log whose tail is shown in the
# results if the script failed.  Results are written to fd 7: leave fd 7
# alone.
#
# Results.  DESC is prefixed with "[IMPL] SCRIPT: " in the output, e.g.
#   ok 12 - [ours] 10-datapath: S16_LE 48000 2ch
#   ok DESC                  pass
#   not_ok DESC [DIAG...]    fail; each DIAG line is printed as "# DIAG"
#   skip DESC REASON         "ok N - DESC # SKIP REASON"; counted as skipped
#   check DESC CMD [ARG...]  run CMD; ok if it exits 0, else not_ok with its
#                            output as diagnostics.  CMD runs in a subshell:
#                            variables it sets are lost (module loads stay).
#   check_eq DESC EXPECTED ACTUAL
#   check_transfer DESC LOOPCHECK-ARGS...
#                            one bit-exact transfer with loopcheck: ok if it
#                            exits 0.  An xrun is retried once (under TCG
#                            the guest can stall for longer than a small
#                            buffer lasts; a real bug in the cable fails
#                            the retry too); a second xrun without a data
#                            error on a timing_only_kernel is a skip.
#   diag MSG...              a "# MSG" comment line in the results
# With IMPL=peer, results are not TAP test lines but comments
#   # peer ok - DESC  /  # peer not ok - DESC  /  # peer skip - DESC # SKIP R
# so the in-tree module's behaviour is recorded for comparison (the host's
# report lists every difference) without counting as our tests.
# A script that exits non-zero, times out or reports nothing counts as one
# more failure.  Call the result functions from the script's own process
# (not from several background jobs at once): counters live in files.
#
# Modules:
#   aloop_load [PARAMS...]  load the loopback under test with PARAMS: ours
#                           is insmod $ALOOP_KO after modprobing what it
#                           depends on, the peer is modprobe snd-aloop.  Waits
#                           for /proc/asound/Loopback (or the first id= given).
#                           Returns non-zero on failure.
#   aloop_unload            rmmod snd_aloop, wait until it is gone
#   aloop_card [ID]         print the card number of the loopback (Loopback)
#   dummy_load [PARAMS...]  modprobe snd-dummy, wait for /proc/asound/Dummy
#   dummy_unload
#   skew_load [PARAMS...]   insmod the test card whose clock runs off by
#                           ppm= (/opt/aloop/fixtures/snd-skewcard.ko, from
#                           test/fixtures/skewcard.c), wait for
#                           /proc/asound/Skew (or the id= given)
#   skew_unload
# Other helpers:
#   timing_only_kernel          true on the debug kernel (KASAN, kmemleak,
#                               lockdep under TCG: several times slower),
#                               where a test may turn a failure that can
#                               only be slowness (an xrun without a data
#                               error) into a skip saying so
#   have_kmemleak               true when the kernel has kmemleak
#   kmemleak_forget             scan with kmemleak and forget what it
#                               reports (leaks from before: boot); run.sh
#                               does it before the first script
#   kmemleak_check DESC         ok if kmemleak reports nothing (two scans
#                               6 s apart), not_ok with the report; skip
#                               when the kernel has no kmemleak
#   wait_for SECS CMD...        poll CMD every 0.1 s until it succeeds
#   gen_noise FILE BYTES        random bytes without any zero byte
#   match_after_silence PLAYED RECORDED
#                               ok if RECORDED is zero bytes followed by
#                               exactly PLAYED (anything may follow); says
#                               what differs otherwise.  PLAYED must not
#                               start with a zero byte (use gen_noise).

: "${IMPL:=ours}"
: "${ALOOP_TEST:=manual}"
: "${ALOOP_KO:=/opt/aloop/snd-aloop.ko}"
: "${ALOOP_STATE:=/tmp/.aloop-tap}"
: "${ALOOP_FIXTURES:=/opt/aloop/fixtures}"
mkdir -p "$ALOOP_STATE"
# Sourced outside run.sh (by hand in the shell): results go to stdout.
if ! { true >&7; } 2>/dev/null; then
	exec 7>&1
fi

_aloop_inc() {
	_aloop_v=$(cat "$ALOOP_STATE/$1" 2>/dev/null) || _aloop_v=0
	echo $((_aloop_v + 1)) >"$ALOOP_STATE/$1"
}

_aloop_get() {
	cat "$ALOOP_STATE/$1" 2>/dev/null || echo 0
}

# _aloop_result ok|not_ok|skip DESC [REASON | DIAG...]
_aloop_result() {
	_aloop_kind=$1
	# One line, and "#" would start a TAP directive.
	_aloop_desc="[$IMPL] $ALOOP_TEST: $(printf '%s' "$2" | tr '\n' ' ' | sed 's/#/\\#/g')"
	shift 2
	_aloop_inc s_results
	[ "$_aloop_kind" = not_ok ] && _aloop_inc s_fail
	if [ "$IMPL" = peer ]; then
		_aloop_inc "peer_$_aloop_kind"
		case $_aloop_kind in
		ok) echo "# peer ok - $_aloop_desc" ;;
		not_ok) echo "# peer not ok - $_aloop_desc" ;;
		skip) echo "# peer skip - $_aloop_desc # SKIP $*" ;;
		esac >&7
	else
		_aloop_inc n
		_aloop_inc "$_aloop_kind"
		_aloop_n=$(_aloop_get n)
		case $_aloop_kind in
		ok) echo "ok $_aloop_n - $_aloop_desc" ;;
		not_ok) echo "not ok $_aloop_n - $_aloop_desc" ;;
		skip) echo "ok $_aloop_n - $_aloop_desc # SKIP $*" ;;
		esac >&7
	fi
	if [ "$_aloop_kind" = not_ok ]; then
		for _aloop_d; do
			printf '%s\n' "$_aloop_d" | sed 's/^/# /' >&7
		done
	fi
	return 0
}

ok() { _aloop_result ok "$1"; }
not_ok() { _aloop_result not_ok "$@"; }
skip() { _aloop_result skip "$1" "${2:-}"; }

diag() {
	printf '%s\n' "$*" | sed 's/^/# /' >&7
}

check() {
	_aloop_cd=$1
	shift
	if _aloop_out=$("$@" 2>&1); then
		ok "$_aloop_cd"
	else
		not_ok "$_aloop_cd" "'$*' failed with status $?" \
			"$(printf '%s\n' "$_aloop_out" | tail -n 40)"
	fi
}

check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "expected: $2" "got:      $3"
	fi
}

wait_for() {
	_aloop_w=$(($1 * 10))
	shift
	until "$@"; do
		[ "$_aloop_w" -gt 0 ] || return 1
		_aloop_w=$((_aloop_w - 1))
		sleep 0.1
	done
}

# _aloop_id DEFAULT PARAMS...: the card id a module load will create.
_aloop_id() {
	_aloop_i=$1
	shift
	for _aloop_p; do
		case $_aloop_p in
		id=*)
			_aloop_i=${_aloop_p#id=}
			_aloop_i=${_aloop_i%%,*}
			;;
		esac
	done
	echo "$_aloop_i"
}

# _aloop_rmmod MODULE: unload, retrying while a just-closed user lets go.
_aloop_rmmod() {
	[ -d "/sys/module/$1" ] || return 0
	wait_for 5 rmmod "$1" 2>/dev/null || rmmod "$1" || return 1
	wait_for 10 test ! -d "/sys/module/$1"
}

aloop_load() {
	if [ -d /sys/module/snd_aloop ]; then
		echo "aloop_load: snd_aloop is already loaded" >&2
		return 1
	fi
	if [ "$IMPL" = peer ]; then
		modprobe snd-aloop "$@" || return 1
	else
		# Written by mkinitramfs.sh from the host's modinfo.
		_aloop_deps=$(cat "${ALOOP_KO%.ko}.depends" 2>/dev/null) ||
			_aloop_deps=$(modinfo -F depends "$ALOOP_KO") || _aloop_deps=
		for _aloop_m in $(echo "$_aloop_deps" | tr , ' '); do
			modprobe "$_aloop_m" || return 1
		done
		insmod "$ALOOP_KO" "$@" || return 1
	fi
	_aloop_i=$(_aloop_id Loopback "$@")
	if ! wait_for 10 test -e "/proc/asound/$_aloop_i"; then
		echo "aloop_load: /proc/asound/$_aloop_i did not appear" >&2
		return 1
	fi
}

aloop_unload() {
	_aloop_rmmod snd_aloop
}

aloop_card() {
	_aloop_c=$(readlink "/proc/asound/${1:-Loopback}") || return 1
	echo "${_aloop_c#card}"
}

dummy_load() {
	modprobe snd-dummy "$@" || return 1
	_aloop_i=$(_aloop_id Dummy "$@")
	if ! wait_for 10 test -e "/proc/asound/$_aloop_i"; then
		echo "dummy_load: /proc/asound/$_aloop_i did not appear" >&2
		return 1
	fi
}

dummy_unload() {
	_aloop_rmmod snd_dummy
}

skew_load() {
	if [ -d /sys/module/snd_skewcard ]; then
		echo "skew_load: snd_skewcard is already loaded" >&2
		return 1
	fi
	_aloop_deps=$(cat "$ALOOP_FIXTURES/snd-skewcard.depends" 2>/dev/null) ||
		_aloop_deps=
	for _aloop_m in $(echo "$_aloop_deps" | tr , ' '); do
		modprobe "$_aloop_m" || return 1
	done
	insmod "$ALOOP_FIXTURES/snd-skewcard.ko" "$@" || return 1
	_aloop_i=$(_aloop_id Skew "$@")
	if ! wait_for 10 test -e "/proc/asound/$_aloop_i"; then
		echo "skew_load: /proc/asound/$_aloop_i did not appear" >&2
		return 1
	fi
}

skew_unload() {
	_aloop_rmmod snd_skewcard
}

timing_only_kernel() { [ "${ALOOP_KERNEL:-}" = debug ]; }

check_transfer() {
	_aloop_td=$1
	shift
	_aloop_out=$(loopcheck "$@" 2>&1)
	_aloop_rc=$?
	if [ "$_aloop_rc" -eq 1 ] && printf '%s\n' "$_aloop_out" | grep -q '^loopcheck: XRUN'; then
		diag "$_aloop_td: $(printf '%s\n' "$_aloop_out" | tail -n 1)" "retrying once"
		_aloop_out=$(loopcheck "$@" 2>&1)
		_aloop_rc=$?
	fi
	if [ "$_aloop_rc" -eq 0 ]; then
		ok "$_aloop_td"
	elif [ "$_aloop_rc" -eq 1 ] && timing_only_kernel &&
		printf '%s\n' "$_aloop_out" | grep -q '^loopcheck: XRUN'; then
		skip "$_aloop_td" "xrun twice on the debug kernel, no data error: $(printf '%s\n' "$_aloop_out" | tail -n 1 | cut -c1-160)"
	else
		not_ok "$_aloop_td" "loopcheck $* -> exit $_aloop_rc" "$_aloop_out"
	fi
}

# The debug kernel's kmemleak does not scan by itself (no auto scan).
_KMEMLEAK=/sys/kernel/debug/kmemleak

have_kmemleak() { [ -w $_KMEMLEAK ]; }

kmemleak_forget() {
	have_kmemleak || return 0
	echo scan >$_KMEMLEAK
	echo clear >$_KMEMLEAK
}

kmemleak_check() {
	if ! have_kmemleak; then
		skip "$1" "no kmemleak in this kernel"
		return
	fi
	# an object is reported once it was unreferenced for 5 s and a scan
	# saw it so
	echo scan >$_KMEMLEAK
	sleep 6
	echo scan >$_KMEMLEAK
	_leaks=$(cat $_KMEMLEAK)
	if [ -z "$_leaks" ]; then
		ok "$1"
	else
		not_ok "$1" "$(printf '%s\n' "$_leaks" | head -n 80)"
	fi
}

gen_noise() {
	head -c "$2" /dev/urandom | tr '\000' '\001' >"$1"
}

match_after_silence() {
	_aloop_len=$(wc -c <"$1")
	_aloop_rlen=$(wc -c <"$2")
	# cmp names the first byte that differs from zero ("char N" or "byte N").
	_aloop_at=$(cmp "$2" /dev/zero 2>&1 | awk '{
		for (i = 1; i < NF; i++)
			if ($i == "char" || $i == "byte") { print $(i + 1) + 0; exit }
	}')
	if [ -z "$_aloop_at" ]; then
		echo "recording ($_aloop_rlen bytes) is all silence"
		return 1
	fi
	_aloop_got=$(tail -c +"$_aloop_at" "$2" | head -c "$_aloop_len" | md5sum | cut -d' ' -f1)
	_aloop_want=$(md5sum <"$1" | cut -d' ' -f1)
	if [ "$_aloop_got" != "$_aloop_want" ]; then
		echo "played $_aloop_len bytes; recorded $_aloop_rlen bytes, sound from byte $_aloop_at on does not match them"
		tail -c +"$_aloop_at" "$2" | head -c "$_aloop_len" >"$2.cut"
		cmp "$1" "$2.cut" 2>&1 | head -n 1
		return 1
	fi
}
