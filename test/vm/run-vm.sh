#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-vm.sh MODE [KERNEL-CMDLINE...] - boot the test VM (QEMU, TCG).
#
# MODE
#   check  run test/guest/run.sh: TAP goes to build/vm-stock/results.tap, the
#          kernel console to build/vm-stock/console.log; only progress lines are
#          shown here.  Timeout 40 min.
#   demo   run test/guest/demo.sh, its output on this terminal (and in
#          results.tap).  Timeout 10 min.
#   bench  run test/guest/bench.sh: results as in check mode, progress
#          lines shown here.  Timeout 40 min.
#   shell  interactive busybox shell on the console; Ctrl-a x quits QEMU.
# Extra arguments are appended to the kernel command line, for instance
# aloop.tests=GLOB (see test/vm/init.sh).
#
# It boots the kernel build/vm-stock/initramfs.cpio.gz was made for.
# Environment: ALOOP_VM_TIMEOUT (seconds, 0 = none),
# ALOOP_BUILD (default build/vm-stock), ALOOP_CACHE, ALOOP_QEMU_ARGS (more
# options for QEMU, split at spaces).
#
# KVM is never used: on our machines a KVM guest hangs after the BIOS.

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:?usage: run-vm.sh check|demo|shell [KERNEL-CMDLINE...]}
shift
out=${ALOOP_BUILD:-$top/build/vm-stock}
initrd=$out/initramfs.cpio.gz
[ -e "$initrd" ] || { echo "run-vm: $initrd missing (test/vm/mkinitramfs.sh)" >&2; exit 1; }
kver=$(cat "$out/kver")
kroot=${ALOOP_CACHE:-/var/cache/aloop-test}/kernel/$kver
[ ! -e "$out/kroot" ] || kroot=$(cat "$out/kroot")
kernel=$kroot/boot/vmlinuz-$kver

case $mode in
check) limit=${ALOOP_VM_TIMEOUT:-2400} ;;
demo) limit=${ALOOP_VM_TIMEOUT:-600} ;;
bench) limit=${ALOOP_VM_TIMEOUT:-2400} ;;
shell) limit=${ALOOP_VM_TIMEOUT:-0} ;;
*) echo "run-vm: unknown mode $mode" >&2; exit 2 ;;
esac

# Without panic=-1 a panicking guest would sit there until the timeout;
# -no-reboot turns the reboot into a QEMU exit.  Oopses do not panic: they
# must show up in dmesg and be counted by report.sh.
cmdline="console=ttyS0 panic=-1 aloop.mode=$mode $*"
# shellcheck disable=SC2206
qemu=(qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 2
	-nographic -nodefaults -no-user-config -no-reboot
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline"
	${ALOOP_QEMU_ARGS:-})

# ttyS0 is the kernel console, ttyS1 the results channel (init.sh).
con=$out/console.log
res=$out/results.tap
rm -f "$con" "$res" "$out/vm.status"
case $mode in
check | bench)
	qemu+=(-serial "file:$con" -serial "file:$res")
	;;
demo)
	qemu+=(-serial "file:$con"
		-chardev "stdio,id=res,signal=off,logfile=$res" -serial chardev:res)
	;;
shell)
	qemu+=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$con"
		-serial chardev:con -mon chardev=con -serial "file:$res")
	;;
esac

wrap=()
[ "$limit" -gt 0 ] && wrap=(timeout -k 10 "$limit")

if [ "$limit" -gt 0 ]; then
	echo "run-vm: booting $kver, mode $mode, timeout $limit s" >&2
else
	echo "run-vm: booting $kver, mode $mode" >&2
fi
start=$(date +%s)
status=0
if [ "$mode" = check ] || [ "$mode" = bench ]; then
	"${wrap[@]}" "${qemu[@]}" </dev/null >"$out/qemu.log" 2>&1 &
	qpid=$!
	# Progress for whoever watches: which script or configuration runs,
	# what failed.
	touch "$res"
	tail -n +1 -s 0.5 -F --pid="$qpid" "$res" 2>/dev/null |
		grep --line-buffered -E '^(# run |not ok |# bench: [^s]|BENCH-FAIL)' |
		tr -d '\r' || true
	wait "$qpid" || status=$?
else
	"${wrap[@]}" "${qemu[@]}" || status=$?
fi
secs=$(($(date +%s) - start))
if [ "$status" -eq 124 ]; then
	msg="timed out after $limit s"
else
	msg="QEMU exited with status $status after $secs s"
fi
echo "$msg" >"$out/vm.status"
echo "run-vm: $msg; logs in ${out#"$top"/}/" >&2
exit "$status"
