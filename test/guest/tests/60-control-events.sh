#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# peer: yes
# The per-cable controls as a control client sees them: values, refused
# writes, and a value event exactly when a value changes.
# timeout: 120

events() {
	rm -f /tmp/ev.ready
	ctlevents -t "$1" -r /tmp/ev.ready >/tmp/ev.log &
	evpid=$!
	wait_for 5 test -e /tmp/ev.ready
}

# end_events: wait for the recorder (in this shell: a $(...) subshell
# cannot wait for it)
end_events() {
	wait "$evpid"
}

# count_events NAME DEVICE SUBDEVICE: VALUE events for one element
count_events() {
	grep -c "^EVENT VALUE PCM $2 $3 0 '$1'\$" /tmp/ev.log
}

aloop_load || { not_ok "the loopback loads"; exit 0; }

check_eq "PCM Rate Shift 100000 starts at 100000" 100000 \
	"$(ctlval -d 0 -s 0 'PCM Rate Shift 100000')"
check_eq "PCM Notify starts off" 0 "$(ctlval -d 1 -s 7 'PCM Notify')"

events 3
ctlval -d 0 -s 0 'PCM Rate Shift 100000' 90000 >/dev/null
ctlval -d 0 -s 0 'PCM Rate Shift 100000' 90000 >/dev/null
out=$(ctlval -d 0 -s 0 'PCM Rate Shift 100000' 130000)
case $out in
*refused*) ok "an out-of-range rate shift is refused" ;;
*) not_ok "an out-of-range rate shift is refused" "$out" ;;
esac
check_eq "a refused write changes nothing" 90000 \
	"$(ctlval -d 0 -s 0 'PCM Rate Shift 100000')"
end_events
check_eq "one value event for one change (none for a rewrite or a refusal)" 1 \
	"$(count_events 'PCM Rate Shift 100000' 0 0)"

events 3
ctlval -d 1 -s 3 'PCM Notify' 1 >/dev/null
out=$(ctlval -d 1 -s 3 'PCM Notify' 2)
case $out in
*refused*) ok "PCM Notify refuses 2" ;;
*) not_ok "PCM Notify refuses 2" "$out" ;;
esac
check_eq "PCM Notify reads back 1" 1 "$(ctlval -d 1 -s 3 'PCM Notify')"
end_events
check_eq "one value event for PCM Notify" 1 "$(count_events 'PCM Notify' 1 3)"

# Playback on device 1 substream 2 feeds capture on device 0 substream 2,
# whose controls carry device 0 subdevice 2.
events 6
# a long buffer, so that a slow guest does not underrun (and restart)
aplay -q -D hw:Loopback,1,2 -t raw -f S32_LE -r 44100 -c 1 -d 1 \
	--buffer-time=500000 /dev/zero 2>/tmp/aplay.log
end_events
n=$(count_events 'PCM Slave Active' 0 2)
if [ "$n" = 2 ]; then
	ok "PCM Slave Active: one event at start, one at stop"
else
	not_ok "PCM Slave Active: one event at start, one at stop" "got $n" \
		"$(cat /tmp/ev.log /tmp/aplay.log)"
fi
check_eq "PCM Slave Format: one event" 1 "$(grep -c "'PCM Slave Format'" /tmp/ev.log)"
check_eq "PCM Slave Rate: one event" 1 "$(grep -c "'PCM Slave Rate'" /tmp/ev.log)"
check_eq "PCM Slave Channels: one event" 1 "$(grep -c "'PCM Slave Channels'" /tmp/ev.log)"
check_eq "PCM Slave Format shows S32_LE" 10 "$(ctlval -d 0 -s 2 'PCM Slave Format')"
check_eq "PCM Slave Rate shows 44100" 44100 "$(ctlval -d 0 -s 2 'PCM Slave Rate')"
check_eq "PCM Slave Channels shows 1" 1 "$(ctlval -d 0 -s 2 'PCM Slave Channels')"
check_eq "PCM Slave Active is off after playback" 0 "$(ctlval -d 0 -s 2 'PCM Slave Active')"
check_eq "other cables saw no events" 0 \
	"$(grep -v " PCM 0 2 0 " /tmp/ev.log | grep -c '^EVENT')"
