#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-report.sh [VMDIR [OUTDIR]] - turn the guest's benchmark output
# (VMDIR/results.tap, default build/vm-stock, written by test/guest/bench.sh)
# into OUTDIR (default build/bench):
#   results.csv  one line per configuration, the fields of
#                clockbench --header after impl,clock,ppm
#   drift.csv    impl,clock,ppm,period,t,drift: drift over time
#   table.md     the summary as a Markdown table (README quotes it)
#   drift.png    drift over time, one panel per skew and period, and
#   drift-zoom.png  the same with the y axis cut at +-3 periods
# and prints the table.  Installs gnuplot-nox for the plot if it is
# missing.  Never judges the figures; exits non-zero only when the guest
# produced no results.

set -euo pipefail

vm=${1:-build/vm-stock}
out=${2:-build/bench}
res=$vm/results.tap

log() { echo "bench-report: $*" >&2; }

if [ ! -s "$res" ]; then
	log "no output on the results channel ($res)"
	[ -e "$vm/vm.status" ] && log "$(cat "$vm/vm.status")"
	exit 1
fi
mkdir -p "$out"
rm -rf "$out/series"
mkdir -p "$out/series"
clean=$out/results.txt
tr -d '\r' <"$res" >"$clean"

if ! grep -q '^BENCH-HEADER,' "$clean"; then
	log "the guest printed no benchmark header; last lines:"
	tail -n 20 "$clean" | sed 's/^/  /' >&2
	exit 1
fi

meta() {
	sed -n "s/^BENCH-META,$1,//p" "$clean" | tail -n 1
}
kernel=$(meta kernel)
date=$(meta date)
secs=$(meta seconds)
minbuf=$(meta min_buffer)
elapsed=$(meta elapsed)

sed -n 's/^BENCH-HEADER,//p' "$clean" | head -n 1 >"$out/results.csv"
sed -n 's/^BENCH-SUMMARY,//p' "$clean" >>"$out/results.csv"
echo "impl,clock,ppm,period,t,drift" >"$out/drift.csv"
sed -n 's/^BENCH-SERIES,//p' "$clean" >>"$out/drift.csv"

# One file per configuration for the plot: "t drift".
awk -F, -v dir="$out/series" 'NR > 1 {
	f = dir "/" $3 "_" $4 "_" $1 "_" $2 ".dat"
	print $5, $6 > f
}' "$out/drift.csv"

# The table, rows grouped by skew and period.
awk -F, -v kernel="$kernel" -v date="$date" -v secs="$secs" \
	-v minbuf="$minbuf" '
	function label(impl, clock) {
		if (impl == "in-tree" && clock == "jiffies") return "in-tree, jiffies"
		if (impl == "in-tree") return "in-tree, timer_source=Skew.0.0"
		if (clock == "system") return "ours, System clock"
		if (clock == "card") return "ours, Timer Source = Skew 0.0 playback"
		if (clock == "link") return "ours, linked to the card stream"
		return impl ", " clock
	}
	function order(impl, clock) {
		return (impl == "in-tree" ? 0 : 2) + (clock == "jiffies" || clock == "system" ? 0 : clock == "link" ? 2 : 1)
	}
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{
		key = sprintf("%s %08d %d", ($3 + 0 > 0 ? "a" : "b") $3, $(col["period"]), order($1, $2))
		xr = $(col["xrun_capture"]) "/" $(col["xrun_card"]) "/" $(col["xrun_feeder"])
		row[key] = sprintf("| %s | %s | %d | %d | %+.0f | %.0f | %.2f | %+.0f | %s | %d | %.2f | %.2f | %.1f | %d (%.0f ms) |",
			label($1, $2), $3, $(col["period"]), $(col["buffer"]),
			$(col["drift_end"]), $(col["drift_max"]),
			$(col["drift_max_periods"]), $(col["drift_ppm"]), xr,
			$(col["drops"]), $(col["wake_periods"]),
			$(col["jitter_sd"]), $(col["cpu_pct"]),
			$(col["card_late_50ms"]), $(col["card_late_max_ms"]))
		keys[++n] = key
	}
	END {
		printf "Clock-quality benchmark, %s, kernel %s, QEMU TCG; %s s per configuration after a 1 s warm-up, 48 kHz S16_LE stereo, buffers 4 periods but at least %s frames, bridge threads SCHED_FIFO.\n\n", date, kernel, secs, minbuf
		print "| configuration | card ppm | period | buffer | drift at end (frames) | max \\|drift\\| (frames) | max \\|drift\\| (periods) | drift rate (ppm) | xruns capt/card/app | bridge drops | wake-up interval (periods) | wake-up jitter sd (periods) | CPU % | stalls (worst) |"
		print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: | ---: | ---: |"
		# sort the keys (insertion sort: a few dozen rows)
		for (i = 2; i <= n; i++) {
			k = keys[i]
			for (j = i - 1; j >= 1 && keys[j] > k; j--)
				keys[j + 1] = keys[j]
			keys[j + 1] = k
		}
		for (i = 1; i <= n; i++) print row[keys[i]]
	}' "$out/results.csv" >"$out/table.md"

{
	echo
	echo "Drift: frames the loopback's capture end moved minus frames the card"
	echo "moved, accumulated over the run (intervals across an xrun restart left"
	echo "out), sampled at each capture wake-up; the drift columns and the plots"
	echo "take the median of each sample and its two neighbours, which leaves out"
	echo "lone spikes where the guest stalled between a position and its"
	echo "timestamp.  Drift rate: slope of the drift over time, in ppm of 48 kHz."
	echo "Wake-up interval and jitter: the loopback capture end's period"
	echo "interrupts that woke the bridge (htstamps), mean and standard deviation"
	echo "of their spacing in periods.  CPU %: the bridge process (both threads)."
	echo "Stalls: the card's period interrupts that came more than 50 ms late"
	echo "(the guest did not run; they explain most xruns), and the latest."
	echo "Linked: the bridge links the loopback's capture end with the card's"
	echo "playback (snd_pcm_link, as JACK2 does); an xrun stops both and counts"
	echo "where it was seen.  Absolute times under TCG mean little; compare rows."
} >>"$out/table.md"

fails=$(sed -n 's/^BENCH-FAIL,//p' "$clean")

# The plot.
plot=
if ! command -v gnuplot >/dev/null 2>&1; then
	log "installing gnuplot-nox for the plot"
	install() {
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends gnuplot-nox >&2
	}
	if ! install; then
		# package lists may be missing or stale
		if ! apt-get update >&2 || ! install; then
			log "cannot install gnuplot-nox: no plot"
		fi
	fi
fi
# gnuplot_script PNG ZOOM: all panels; ZOOM = y range in periods, or 0
gnuplot_script() {
	local ppm p cfg f line zoom=$2
	echo "set terminal pngcairo size 1800,1000 font 'sans,10'"
	echo "set termoption noenhanced"
	echo "set output '$1'"
	if [ "$zoom" = 0 ]; then
		echo "set multiplot layout 2,3 title 'Loopback minus card (frames) over time (s): kernel $kernel, $date, QEMU TCG'"
	else
		echo "set multiplot layout 2,3 title 'The same, y axis cut at +-$zoom periods'"
	fi
	echo "set grid"
	echo "set key top left font 'sans,8'"
	echo "set xlabel 'seconds'"
	echo "set ylabel 'drift (frames)'"
	for ppm in $ppms; do
		for p in $periods; do
			echo "set title 'card $ppm ppm, period $p'"
			[ "$zoom" = 0 ] || echo "set yrange [$((-zoom * p)):$((zoom * p))]"
			line="plot $p with lines dashtype 2 lc rgb 'gray' title '+-1 period', -$p with lines dashtype 2 lc rgb 'gray' notitle"
			for cfg in in-tree_jiffies in-tree_timer_source ours_system ours_card ours_link; do
				f=$out/series/${ppm}_${p}_$cfg.dat
				[ -s "$f" ] || continue
				case $cfg in
				in-tree_jiffies) t="in-tree, jiffies" ;;
				in-tree_timer_source) t="in-tree, timer_source=Skew.0.0" ;;
				ours_system) t="ours, System clock" ;;
				ours_card) t="ours, Timer Source = Skew 0.0 playback" ;;
				ours_link) t="ours, linked to the card stream" ;;
				esac
				line="$line, '$f' using 1:2 with lines lw 2 title '$t'"
			done
			echo "$line"
		done
	done
	echo "unset multiplot"
}

ppms=$(awk -F, 'NR > 1 { print $3 }' "$out/results.csv" | sort -u | tr '\n' ' ')
periods=$(awk -F, 'NR > 1 { print $4 }' "$out/results.csv" | sort -n -u | tr '\n' ' ')
if command -v gnuplot >/dev/null 2>&1; then
	gnuplot_script "$out/drift.png" 0 >"$out/drift.gp"
	gnuplot_script "$out/drift-zoom.png" 3 >"$out/drift-zoom.gp"
	if gnuplot "$out/drift.gp" 2>"$out/gnuplot.log" &&
		gnuplot "$out/drift-zoom.gp" 2>>"$out/gnuplot.log"; then
		plot=1
	else
		log "gnuplot failed: $(head -n 5 "$out/gnuplot.log")"
	fi
fi

cat "$out/table.md"
echo
if [ -n "$fails" ]; then
	echo "Configurations without results:"
	while IFS= read -r line; do
		echo "  $line"
	done <<<"$fails"
	echo
fi
if ! grep -q '^# ALOOP-END' "$clean"; then
	echo "bench-report: the guest did not finish: $(cat "$vm/vm.status" 2>/dev/null || echo "no status")"
fi
splats=$(sed -n '/^# ALOOP-DMESG-BEGIN$/,/^# ALOOP-DMESG-END$/p' "$clean" |
	grep -E 'WARNING:|BUG:|Oops|Call Trace:|lockdep|soft lockup|RCU stall' || true)
if [ -n "$splats" ]; then
	echo "Kernel splats in the guest's dmesg (the figures may be worthless):"
	echo "$splats" | head -n 20 | sed 's/^/  /'
	echo
fi
echo "bench-report: guest time ${elapsed:-?} s; results in $out/ (results.csv, drift.csv, table.md${plot:+, drift.png, drift-zoom.png})"
