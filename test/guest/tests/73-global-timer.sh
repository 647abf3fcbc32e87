#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Global timers in "Timer Source": snd-hrtimer's "HR timer" is listed
# while its module is loaded, and a cable can run on it.
# timeout: 90

items() {
	amixer -c Loopback sget 'Timer Source' | sed -n 's/^ *Items: //p'
}

aloop_load || { not_ok "the loopback loads"; exit 0; }
rmmod snd_hrtimer 2>/dev/null
check_eq "without snd-hrtimer: no HR timer item" "'System clock'" "$(items)"

rm -f /tmp/ev.ready
ctlevents -t 4 -r /tmp/ev.ready >/tmp/ev.log &
ev=$!
wait_for 5 test -e /tmp/ev.ready
modprobe snd-hrtimer
wait_for 3 sh -c "amixer -c Loopback sget 'Timer Source' | grep -q 'HR timer'"
check_eq "snd-hrtimer loaded: HR timer listed first after the system clock" \
	"'System clock' 'HR timer'" "$(items)"
wait "$ev"
check "an INFO event told the control's clients" \
	grep -q "^EVENT INFO MIXER 0 0 0 'Timer Source'" /tmp/ev.log

amixer -q -c Loopback cset name='Timer Source' 'HR timer'
aplay -q -D hw:Loopback,0,0 -t raw -f S16_LE -r 48000 -c 2 -d 2 /dev/zero &
ap=$!
wait_for 3 grep -q "clock: HR timer (following)" "/proc/asound/Loopback/cable#0"
check "a cable runs on the HR timer" \
	grep -q "clock: HR timer (following)" "/proc/asound/Loopback/cable#0"
if rmmod snd_hrtimer 2>/dev/null; then
	not_ok "rmmod snd-hrtimer is refused while a cable runs on it"
else
	ok "rmmod snd-hrtimer is refused while a cable runs on it"
fi
if wait "$ap"; then ok "the cable's audio ran through"; else not_ok "the cable's audio ran through"; fi
check "rmmod snd-hrtimer works once no cable uses it" rmmod snd_hrtimer
wait_for 3 sh -c "! grep -q 'HR timer (following)' /proc/asound/Loopback/cable#0"
check_eq "the chosen name stays listed while the module is gone" \
	"'System clock' 'HR timer'" "$(items)"
amixer -q -c Loopback cset name='Timer Source' 'System clock'
check_eq "choosing the system clock drops it" "'System clock'" "$(items)"
