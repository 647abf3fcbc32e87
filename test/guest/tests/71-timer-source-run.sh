#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "Timer Source" while cables run: switching clocks without losing a
# frame, the clock card unbound under a running cable, a chosen card
# whose stream is idle, and a choice made before the card is probed.
# timeout: 170
#
# A cable runs on the chosen card's PCM timer only while that timer ticks
# (its stream runs), otherwise on the system clock, and never stalls.  Its
# read-only per-cable "Timer Source" element (iface PCM, device and
# subdevice of its capture end) shows which: playback into
# hw:Loopback,0,S is the cable with device 1, subdevice S.
# Uses timersrc and loopcheck; snd-dummy is the clock card, its playback
# substream 0 played by aplay is the clock ("Dummy 0.0 playback").

PB="Dummy 0.0 playback"
SYS="System clock"
DUMMY_DRV=/sys/bus/platform/drivers/snd_dummy

# dummy_play: play silence into the clock card, period 1024; pid in $dp
dummy_play() {
	aplay -q -D hw:Dummy,0,0 -t raw -f S16_LE -r 48000 -c 2 \
		--period-size=1024 --buffer-size=16384 /dev/zero >/dev/null 2>&1 &
	dp=$!
	wait_for 5 grep -q RUNNING /proc/asound/Dummy/pcm0p/sub0/status
}

dummy_stop() {
	kill "$dp" 2>/dev/null
	wait "$dp" 2>/dev/null || :
}

# loop_play SUB: play silence into hw:Loopback,0,SUB; pid in $lp
loop_play() {
	aplay -q -D "hw:Loopback,0,$1" -t raw -f S16_LE -r 48000 -c 2 \
		--period-size=1024 --buffer-size=16384 /dev/zero >/dev/null 2>&1 &
	lp=$!
	wait_for 5 playing "$1"
}

loop_stop() {
	kill "$lp" 2>/dev/null
	wait "$lp" 2>/dev/null || :
}

# sample SUB: "UPTIME FRAMES_MOVED" of the playback end of cable#0
# substream SUB, read by one process
sample() {
	awk -v want="$1" '
		FILENAME == "/proc/uptime" { t = $1; next }
		/^Cable/ { cur = $4 + 0 }
		/^  Playback:/ { pb = 1 }
		/^  Capture:/ { pb = 0 }
		cur == want && pb && /frames_moved/ { f = $2 }
		END { print t, f }' /proc/uptime "/proc/asound/Loopback/cable#0"
}

# playing SUB: the playback end of cable#0 substream SUB is running
playing() {
	awk -v want="$1" '/^Cable/ { cur = $4 + 0 }
		cur == want && /^  Playback: running/ { f = 1 }
		END { exit !f }' "/proc/asound/Loopback/cable#0"
}

# moving DESC SUB SECS: over SECS seconds the playback end of cable#0
# substream SUB moves 48000 frames a second, within 10 %
moving() {
	_a=$(sample "$2")
	sleep "$3"
	_b=$(sample "$2")
	_r=$(echo "$_a $_b" | awk '{ if ($3 > $1 && $4 != "" && $2 != "")
		printf "%d", ($4 - $2) / ($3 - $1); else print "none" }')
	if [ "$_r" != none ] && [ "$_r" -ge 43200 ] && [ "$_r" -le 52800 ]; then
		ok "$1"
	else
		not_ok "$1" "frames/s: $_r (samples: '$_a' then '$_b')"
	fi
}

cable_is() {
	[ "$(timersrc cable "$1" "$2" 2>/dev/null)" = "$3" ]
}

# cable_shows DESC D S NAME [SECS]: the per-cable element shows NAME
# (within SECS seconds, default at once)
cable_shows() {
	wait_for "${5:-0}" cable_is "$2" "$3" "$4"
	check_eq "$1" "$4" "$(timersrc cable "$2" "$3" 2>&1)"
}

# waiter ARGS...: "timersrc wait ARGS..." in the background, subscribed
waiter() {
	rm -f /tmp/w.ready
	timersrc wait "$@" --ready /tmp/w.ready >/tmp/w.out 2>&1 &
	wpid=$!
	wait_for 5 test -e /tmp/w.ready
}

end_waiter() {
	wait "$wpid"
	_rc=$?
	if [ "$_rc" = 0 ]; then
		ok "$1"
	else
		not_ok "$1" "timersrc wait exited with $_rc" "$(cat /tmp/w.out)"
	fi
}

# loopcheck_bg FRAMES: loopcheck through cable 1.0 in the background, pid
# in $lc; 25 ms periods and 250 ms buffers, so that a guest slowed down by
# a busy host does not underrun
loopcheck_bg() {
	loopcheck -D hw:Loopback,0,0 -C hw:Loopback,1,0 -p 1200 -b 12000 \
		--frames "$1" >/tmp/lc.out 2>&1 &
	lc=$!
}

# end_loopcheck DESC: wait for loopcheck ($lc, output in /tmp/lc.out)
end_loopcheck() {
	wait "$lc"
	_rc=$?
	if [ "$_rc" = 0 ]; then
		ok "$1"
		diag "$(cat /tmp/lc.out)"
	else
		not_ok "$1" "loopcheck exited with $_rc" "$(cat /tmp/lc.out)"
	fi
}

aloop_load || { not_ok "the loopback loads"; exit 0; }
dummy_load || { not_ok "snd-dummy loads"; exit 0; }
wait_for 3 sh -c "timersrc items | grep -q '$PB'"

# --- switching while running ---------------------------------------------------
dummy_play
loopcheck_bg $((48000 * 10))
wait_for 5 playing 0
missed=
for i in 1 2 3 4; do
	for to in "$PB" "$SYS"; do
		out=$(timersrc wait value --cable 1 0 --timeout 2 --set "$to" 2>&1)
		[ "$(echo "$out" | sed -n 2p)" = "$to" ] || missed="$missed
$i, onto $to: $out"
		sleep 0.4
	done
done
check_eq "8 switches while running: a VALUE event on cable 1.0 within 2 s, and it shows the choice (misses listed)" \
	"" "${missed#?}"
if kill -0 "$lc" 2>/dev/null; then
	ok "loopcheck still ran after the last switch"
else
	not_ok "loopcheck still ran after the last switch" "$(cat /tmp/lc.out)"
fi
end_loopcheck "switching while running: every frame arrives once, in order, no xrun"

# --- the clock card unbound under a running cable --------------------------------
timersrc set "$PB" >/dev/null
loop_play 1
loopcheck_bg $((48000 * 6))
wait_for 5 playing 0
cable_shows "before unbind: cable 1.0 runs on $PB" 1 0 "$PB" 3
cable_shows "before unbind: cable 1.1 runs on $PB" 1 1 "$PB" 3
sleep 1
command time -o /tmp/unbind.t -f %e sh -c "echo snd_dummy.0 >$DUMMY_DRV/unbind"
t=$(cat /tmp/unbind.t)
diag "unbind took $t s"
if echo "$t" | awk '{ exit !($1 < 1.0) }'; then
	ok "unbind with a cable on the card's timer returns within 1 s"
else
	not_ok "unbind with a cable on the card's timer returns within 1 s" "took: $t"
fi
check_eq "after unbind: cables 1.0 and 1.1 show $SYS at once" "$SYS|$SYS" \
	"$(timersrc cable 1 0 2>&1)|$(timersrc cable 1 1 2>&1)"
dummy_stop
end_loopcheck "unbind under a running cable: every frame arrives once, in order, no xrun"
moving "after unbind: cable 1.1 runs on at 48000 frames/s" 1 2

echo snd_dummy.0 >$DUMMY_DRV/bind
wait_for 5 test -e /proc/asound/Dummy
wait_for 3 sh -c "timersrc items | grep -q 'Dummy 0.7 capture'"
check_eq "bound again, its stream idle: cable 1.1 still on $SYS" "$SYS" \
	"$(timersrc cable 1 1 2>&1)"
waiter value --cable 1 1 --timeout 5
dummy_play
end_waiter "the card's stream restarted: VALUE event on cable 1.1"
cable_shows "the card's stream restarted: cable 1.1 runs on $PB" 1 1 "$PB" 2
dummy_stop
loop_stop

# --- the chosen card idle ---------------------------------------------------------
loop_play 0
cable_shows "chosen card idle: cable 1.0 shows $SYS" 1 0 "$SYS" 2
moving "chosen card idle: the cable runs at 48000 frames/s" 0 2
waiter value --cable 1 0 --timeout 5
dummy_play
end_waiter "its stream starts: VALUE event on cable 1.0"
cable_shows "its stream starts: cable 1.0 runs on $PB" 1 0 "$PB" 2
waiter value --cable 1 0 --timeout 5
dummy_stop
end_waiter "its stream stops: VALUE event on cable 1.0"
cable_shows "its stream stops: cable 1.0 back on $SYS" 1 0 "$SYS" 2
moving "its stream stopped: the cable keeps running at 48000 frames/s" 0 2
loop_stop

# --- a choice made before the card is probed ------------------------------------
aloop_unload
dummy_unload
aloop_load 'timer_source="Dummy 0.0 playback"' ||
	{ not_ok "loads with timer_source=\"$PB\""; exit 0; }
check_eq "timer_source=\"$PB\" before snd-dummy: items, choice, proc" \
	"0 System clock
1 $PB|$PB|$PB" \
	"$(timersrc items 2>&1)|$(timersrc get 2>&1)|$(cat /proc/asound/Loopback/timer_source)"
loop_play 0
cable_shows "card absent: cable 1.0 shows $SYS" 1 0 "$SYS" 2
moving "card absent: the cable runs at 48000 frames/s" 0 2
dummy_load || { not_ok "snd-dummy loads after the loopback"; exit 0; }
wait_for 3 sh -c "timersrc items | grep -q 'Dummy 0.7 capture'"
check_eq "snd-dummy probed: the choice is kept" "$PB" "$(timersrc get 2>&1)"
waiter value --cable 1 0 --timeout 5
dummy_play
end_waiter "snd-dummy's stream starts: VALUE event on cable 1.0"
cable_shows "snd-dummy's stream starts: cable 1.0 follows it" 1 0 "$PB" 2
moving "on snd-dummy's clock: the cable runs at 48000 frames/s" 0 2
dummy_stop
loop_stop
