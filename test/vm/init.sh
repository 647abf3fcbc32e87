#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test VM (busybox sh).  Kernel command line:
#   aloop.mode=check|demo|bench|shell  what to run (default check)
#   aloop.tests=GLOB[,GLOB...]         only run matching test scripts
#   aloop.bench_seconds=N              bench: seconds per configuration
#   aloop.kernel=NAME                  which of the rig's kernels this is
#                                      (stock, rt, patched, debug): $ALOOP_KERNEL
#   aloop.env.NAME=VALUE               export NAME=VALUE to the tests
#                                      (NAME: capitals, digits, _), e.g.
#                                      STRESS_SECONDS for 90-stress
#
# The kernel console stays on ttyS0.  Results go to ttyS1, which the host
# captures on its own (test/vm/run-vm.sh), so kernel messages can never be
# interleaved with TAP lines.  After the run the guest's dmesg is appended
# between marker lines, then the machine powers off.

export PATH=/opt/aloop/bin:/usr/sbin:/usr/bin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
exec </dev/console >/dev/console 2>&1
hostname aloop-vm

mode=check
tests=
bench_seconds=
ALOOP_KERNEL=
set -f  # a glob in aloop.tests= must not expand here
# shellcheck disable=SC2013 # the command line is one line of words
for arg in $(cat /proc/cmdline); do
	case $arg in
	aloop.mode=*) mode=${arg#*=} ;;
	aloop.tests=*) tests=${arg#*=} ;;
	aloop.bench_seconds=*) bench_seconds=${arg#*=} ;;
	aloop.kernel=*) ALOOP_KERNEL=${arg#*=} ;;
	aloop.env.*=*)
		_kv=${arg#aloop.env.}
		case ${_kv%%=*} in
		*[!A-Z0-9_]* | '') echo "aloop-vm: ignoring $arg" ;;
		*) export "${_kv%%=*}=${_kv#*=}" ;;
		esac
		;;
	esac
done
set +f
export ALOOP_KERNEL

res=/dev/ttyS1
[ -c "$res" ] || res=/dev/console
# Do not echo back what the host might send (keys, in demo mode).
stty -F "$res" -echo 2>/dev/null
exec 3>"$res"

echo "aloop-vm: kernel $(uname -r)${ALOOP_KERNEL:+ ($ALOOP_KERNEL)}, mode $mode${tests:+, tests $tests}"
case $mode in
check) sh /opt/aloop/guest/run.sh "$tests" >&3 2>&1 ;;
demo) sh /opt/aloop/guest/demo.sh >&3 2>&1 ;;
bench) BENCH_SECONDS=$bench_seconds sh /opt/aloop/guest/bench.sh >&3 2>&1 ;;
shell)
	echo "aloop-vm: tests in /opt/aloop/guest, run.sh [GLOB]; exit to power off"
	setsid cttyhack sh -l
	;;
*) echo "aloop-vm: unknown aloop.mode=$mode" >&3 ;;
esac
status=$?

{
	echo "# ALOOP-DMESG-BEGIN"
	if [ "$mode" = demo ]; then
		# On the user's terminal: the boot messages are in console.log.
		dmesg | sed -n '/Run \/init as init process/,$p'
	else
		dmesg
	fi
	echo "# ALOOP-DMESG-END"
	echo "# ALOOP-END status=$status"
} >&3
sync
# Closing the tty waits until its output has drained to the host.
exec 3>&-
sleep 1
poweroff -f
