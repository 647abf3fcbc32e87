#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# report.sh [--no-tap] [[NAME=]DIR...] - judge test VM runs (DIR: build/vm-stock).
#
# Reads DIR/results.tap (the guest's results channel) and prints
#   1. the TAP stream as the guest wrote it,
#   2. every test whose result with our module differs from the in-tree
#      snd-aloop's (informational: differing can be the point),
#   3. kernel splats found in the guest's dmesg, each one a failure,
# and ends with the line "N passed, N failed[, N skipped]".
# Exits non-zero on any failure, on a missing results channel, on a guest
# that did not finish and when no test ran.  --no-tap leaves out part 1
# (make demo: the TAP lines were on the terminal already).
#
# Several runs (make check on two kernels) are judged in turn, each in a
# section headed "=== kernel NAME: KVER ===" and closed by a line
# "kernel NAME: N passed, N failed"; the last line sums them up and any
# failure in any section fails the whole.  DIR/prep.failed, when there,
# says why no VM was booted for that kernel; it counts as a failure.

set -euo pipefail

show_tap=1
if [ "${1:-}" = --no-tap ]; then
	show_tap=
	shift
fi
[ $# -gt 0 ] || set -- build/vm-stock

# Totals over all runs.
all_passed=0
all_failed=0
all_skipped=0

# count PASSED FAILED SKIPPED: add a run's numbers to the totals.
count() {
	all_passed=$((all_passed + $1))
	all_failed=$((all_failed + $2))
	all_skipped=$((all_skipped + $3))
	if [ -n "$name" ]; then
		local summary="kernel $name: $1 passed, $2 failed"
		[ "$3" -eq 0 ] || summary="$summary, $3 skipped"
		echo "$summary"
		echo
	fi
}

# judge DIR: parts 1 to 3 for one run; $name names its kernel, if set.
judge() {
	local dir=$1
	local res=$dir/results.tap
	local con=$dir/console.log
	local problems=0
	local passed failed skipped planned splats nsplats finished total klog

	if [ -n "$name" ]; then
		echo "=== kernel $name: $(cat "$dir/kver" 2>/dev/null || echo "unknown version") ==="
		echo
	fi
	if [ -s "$dir/prep.failed" ]; then
		echo "report: no VM was run: $(cat "$dir/prep.failed")"
		count 0 1 0
		return
	fi
	if [ ! -s "$res" ]; then
		echo "report: no output on the results channel ($res)"
		[ -e "$dir/vm.status" ] && echo "report: $(cat "$dir/vm.status")"
		if [ -e "$con" ]; then
			echo "report: last lines of $con:"
			tail -n 30 "$con" | tr -d '\r' | sed 's/^/  /'
		fi
		count 0 1 0
		return
	fi

	# Serial lines end in \r\n.
	tr -d '\r' <"$res" >"$dir/results.clean"
	sed -n '/^# ALOOP-DMESG-BEGIN$/,/^# ALOOP-DMESG-END$/p' "$dir/results.clean" |
		sed '1d;$d' >"$dir/dmesg.txt"
	if grep -q '^# ALOOP-DMESG-BEGIN$' "$dir/results.clean"; then
		sed '/^# ALOOP-DMESG-BEGIN$/,$d' "$dir/results.clean" >"$dir/tap.txt"
	else
		cp "$dir/results.clean" "$dir/tap.txt"
	fi

	# 1. The TAP stream.
	if [ -n "$show_tap" ]; then
		cat "$dir/tap.txt"
		echo
	fi

	# Counts.
	read -r passed failed skipped planned < <(awk '
		/^ok [0-9]+ / { if (/ # SKIP/) s++; else p++ }
		/^not ok [0-9]+ / { f++ }
		/^1\.\.[0-9]+$/ { plan = substr($0, 4) }
		END { print p + 0, f + 0, s + 0, (plan == "" ? -1 : plan) }
	' "$dir/tap.txt")

	# 2. Ours against the peer, matched by description without "[IMPL] ".
	echo "Behaviour differences vs in-tree snd-aloop:"
	awk '
		function key(s) {
			sub(/^\[(ours|peer)\] /, "", s)
			sub(/ # SKIP.*$/, "", s)
			return s
		}
		function script(k) { sub(/:.*/, "", k); return k }
		/^ok [0-9]+ - / || /^not ok [0-9]+ - / {
			r = /^not ok/ ? "not ok" : (/ # SKIP/ ? "skip" : "ok")
			d = $0; sub(/^(not )?ok [0-9]+ - /, "", d)
			k = key(d); ours[k] = r; order[++n] = k
		}
		/^# peer (ok|not ok|skip) - / {
			d = $0; sub(/^# peer /, "", d)
			r = d; sub(/ - .*/, "", r)
			sub(/^(ok|not ok|skip) - /, "", d)
			k = key(d); peer[k] = r; order[++n] = k; peered[script(k)] = 1
		}
		END {
			for (i = 1; i <= n; i++) {
				k = order[i]
				if (seen[k]++ || !(script(k) in peered)) continue
				o = (k in ours) ? ours[k] : "(none)"
				p = (k in peer) ? peer[k] : "(none)"
				if (o != p) { printf "  %s: ours %s, peer %s\n", k, o, p; ndiff++ }
			}
			if (!length(peered)) print "  (no script ran with the peer)"
			else if (!ndiff) print "  (none)"
		}
	' "$dir/tap.txt"
	echo

	# 3. Kernel splats.  Lines close to each other (stack frames, register
	# dumps, lockdep chains) belong to one splat; each splat is one failure.
	# The console has the whole kernel log since boot, also what a test's
	# `dmesg -c` took out of the guest's dmesg dump, and what a guest that
	# died could not dump; the dump is for a run without a console log.
	if [ -s "$con" ] || ! grep -q '^# ALOOP-DMESG-END$' "$dir/results.clean"; then
		klog=$dir/console.clean
		tr -d '\r' <"$con" >"$klog" 2>/dev/null || : >"$klog"
	else
		klog=$dir/dmesg.txt
	fi
	splats=$(awk '
		{ sub(/^\[ *[0-9]+\.[0-9]+\] /, "") }
		# Boot banners of the debug options (patched kernel).
		/^rcu:[ \t]*RCU lockdep checking is enabled\.$/ { next }
		function start_line() {
			return /WARNING:|BUG:|Oops|general protection fault|possible recursive locking|circular locking|lockdep|KASAN|UBSAN|INFO: task .* blocked|Call Trace:|soft lockup|hard LOCKUP|detected stall|RCU stall|Kernel panic/
		}
		function part_line() {
			return /^ *(\? )?[A-Za-z0-9_.]+\+0x[0-9a-f]+\/0x[0-9a-f]+|<\/?(TASK|IRQ|NMI|SOFTIRQ)>|^ *(RIP|RSP|RAX|RDX|RBP|R1[0-5]|FS|CS|CR2|Code):|^ *(CPU: [0-9]+ PID|Hardware name|Modules linked in)|---\[ end trace|^ *-> #|lock\(/
		}
		{
			if (start_line()) {
				if (!n || NR - last > 20) {
					n++
					lines = 0
					# A bare backtrace: the lines naming the task come first.
					if (/Call Trace:/)
						for (i = 2; i >= 1; i--)
							if (prev[i] != "") print n "\t" prev[i]
				}
				last = NR
			} else if (n && NR - last <= 20 && part_line()) {
				last = NR
			} else {
				prev[2] = prev[1]
				prev[1] = $0
				next
			}
			prev[2] = prev[1]
			prev[1] = $0
			if (lines++ < 30) print n "\t" $0
		}
	' "$klog")
	nsplats=0
	if [ -n "$splats" ]; then
		nsplats=$(tail -n 1 <<<"$splats" | cut -f1)
		echo "Kernel splats in the guest's kernel log: $nsplats (full log: $klog)"
		awk -F'\t' '$1 != prev { print "--- splat " $1 ":"; prev = $1 }
			{ sub(/^[0-9]+\t/, ""); print "  " $0 }' <<<"$splats"
		echo
	fi

	finished=1
	if ! grep -q '^# ALOOP-END' "$dir/results.clean"; then
		finished=
		echo "report: the guest did not finish: $(cat "$dir/vm.status" 2>/dev/null || echo "no status")"
		echo "report: last lines of $con:"
		tr -d '\r' <"$con" 2>/dev/null | tail -n 30 | sed 's/^/  /'
		problems=$((problems + 1))
	fi
	total=$((passed + failed + skipped))
	if [ "$total" -eq 0 ]; then
		echo "report: no test ran"
		problems=$((problems + 1))
	elif [ -n "$finished" ] && [ "$planned" != "$total" ]; then
		echo "report: TAP plan says $planned tests, saw $total"
		problems=$((problems + 1))
	fi

	failed=$((failed + nsplats + problems))
	count "$passed" "$failed" "$skipped"
}

name=
for arg; do
	case $arg in
	*=*)
		name=${arg%%=*}
		judge "${arg#*=}"
		;;
	*) judge "$arg" ;;
	esac
done

summary="$all_passed passed, $all_failed failed"
[ "$all_skipped" -eq 0 ] || summary="$summary, $all_skipped skipped"
echo "$summary"
[ "$all_failed" -eq 0 ]
