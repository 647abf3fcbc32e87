#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [GLOB[,GLOB...]] - run the guest test scripts, TAP on stdout.
#
# GLOBs select scripts by name (with or without .sh); none means all.
# The contract with the test scripts is described at the top of lib.sh.

ALOOP_GUEST=$(cd "$(dirname "$0")" && pwd)
ALOOP_KO=${ALOOP_KO:-/opt/aloop/snd-aloop.ko}
ALOOP_STATE=/tmp/.aloop-tap
PATH=/opt/aloop/bin:$PATH
export ALOOP_GUEST ALOOP_KO ALOOP_STATE PATH
filter=${1:-}
logs=/tmp/.aloop-logs

rm -rf "$ALOOP_STATE" "$logs"
mkdir -p "$ALOOP_STATE" "$logs"
exec 7>&1
# The runner reports its own findings (timeouts, crashes) with lib.sh too.
# shellcheck source=test/guest/lib.sh
. "$ALOOP_GUEST/lib.sh"

selected() {
	[ -n "$filter" ] || return 0
	_old_ifs=$IFS
	IFS=,
	set -f
	for _g in $filter; do
		# shellcheck disable=SC2254 # $_g is meant as a glob
		case $1 in
		$_g | $_g.sh)
			IFS=$_old_ifs
			set +f
			return 0
			;;
		esac
	done
	IFS=$_old_ifs
	set +f
	return 1
}

# header SCRIPT KEY: the value of a "# KEY: value" line in the first 5 lines.
header() {
	head -n 5 "$1" | sed -n "s/^# $2: *\([^ ]*\).*/\1/p" | head -n 1
}

# run_one SCRIPT NAME IMPL
run_one() {
	IMPL=$3
	ALOOP_TEST=$2
	export IMPL ALOOP_TEST
	_t=$(header "$1" timeout)
	case $_t in '' | *[!0-9]*) _t=300 ;; esac
	# KASAN, kmemleak and lockdep under TCG: everything takes longer
	! timing_only_kernel || _t=$((_t * 4))
	case ${ALOOP_TIMEOUT_MIN:-} in
	'' | *[!0-9]*) ;;
	*) [ "$_t" -ge "$ALOOP_TIMEOUT_MIN" ] || _t=$ALOOP_TIMEOUT_MIN ;;
	esac
	echo "# run $ALOOP_TEST [$IMPL]"

	aloop_unload || diag "warning: cannot unload snd_aloop before $ALOOP_TEST"
	dummy_unload || diag "warning: cannot unload snd_dummy before $ALOOP_TEST"
	skew_unload || diag "warning: cannot unload snd_skewcard before $ALOOP_TEST"
	echo 0 >"$ALOOP_STATE/s_results"
	echo 0 >"$ALOOP_STATE/s_fail"
	rm -f "$ALOOP_STATE/timed_out"
	_log=$logs/$ALOOP_TEST.$IMPL.log
	_start=$(date +%s)

	# setsid: the script and everything it starts form one process group,
	# so a timeout or the final cleanup can kill them all at once.
	cd /tmp || exit 1
	# shellcheck disable=SC2016 # expanded by the inner shell
	setsid sh -c '. "$ALOOP_GUEST/lib.sh"; . "$1"' "$ALOOP_TEST" "$1" \
		</dev/null >"$_log" 2>&1 &
	_pid=$!
	# shellcheck disable=SC2016
	setsid sh -c 'sleep "$1"; : >"$ALOOP_STATE/timed_out"
		kill -TERM -"$2"; sleep 5; kill -KILL -"$2"' \
		watchdog "$_t" "$_pid" >/dev/null 2>&1 &
	_wd=$!
	# 2>/dev/null: the shell would print "Terminated" for a killed script.
	wait "$_pid" 2>/dev/null
	_rc=$?
	kill -KILL -"$_wd" 2>/dev/null
	kill -KILL -"$_pid" 2>/dev/null
	wait "$_wd" 2>/dev/null

	if [ -e "$ALOOP_STATE/timed_out" ]; then
		not_ok "script timed out after $_t s"
	elif [ "$_rc" -ne 0 ]; then
		not_ok "script exited with status $_rc"
	elif [ "$(_aloop_get s_results)" -eq 0 ]; then
		not_ok "script reported no results"
	fi
	# With the script's processes gone, nothing may keep the modules
	# busy: a module that cannot be unloaded now leaks a reference.
	for _m in snd_aloop snd_dummy snd_skewcard; do
		_aloop_rmmod "$_m" 2>/dev/null ||
			not_ok "$_m cannot be unloaded after the script" "$(lsmod)"
	done
	if [ "$(_aloop_get s_fail)" -gt 0 ] && [ -s "$_log" ]; then
		diag "output of $ALOOP_TEST [$IMPL], last 40 lines:"
		tail -n 40 "$_log" | sed 's/^/#   | /'
	fi
	echo "# done $ALOOP_TEST [$IMPL] in $(($(date +%s) - _start)) s"
}

echo "TAP version 13"
echo "# kernel $(uname -r)"
if [ -r /opt/aloop/snd-aloop.modinfo ]; then
	grep -E '^(version|srcversion|vermagic):' /opt/aloop/snd-aloop.modinfo | sed 's/^/# ours: /'
fi
# The peer is Debian's in-tree driver: compared on Debian's own kernel
# only, where the comparison means something and time is cheapest.
case ${ALOOP_KERNEL:-stock} in
stock) peers=yes ;;
*)
	peers=no
	echo "# peer runs: only on the stock kernel, not on ${ALOOP_KERNEL}"
	;;
esac
# Leaks are looked for over the whole suite (the debug kernel): not
# those of the boot
kmemleak_forget
for _f in "$ALOOP_GUEST"/tests/*.sh; do
	[ -e "$_f" ] || continue
	_name=${_f##*/}
	_name=${_name%.sh}
	selected "$_name" || continue
	run_one "$_f" "$_name" ours
	if [ "$peers" = yes ] && [ "$(header "$_f" peer)" = yes ]; then
		run_one "$_f" "$_name" peer
	fi
done
IMPL=ours
aloop_unload
dummy_unload
skew_unload
if have_kmemleak; then
	ALOOP_TEST=suite
	kmemleak_check "kmemleak: nothing leaked over the whole suite"
fi

echo "1..$(_aloop_get n)"
echo "# $(_aloop_get ok) passed, $(_aloop_get not_ok) failed, $(_aloop_get skip) skipped;" \
	"peer: $(_aloop_get peer_ok) passed, $(_aloop_get peer_not_ok) failed," \
	"$(_aloop_get peer_skip) skipped"
[ "$(_aloop_get not_ok)" -eq 0 ] && [ "$(_aloop_get n)" -gt 0 ]
