#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# timeout: 400
# The boot story with the real systemd-udevd and the installed rules
# (udev's, systemd's 99-systemd.rules, alsa-utils' 90-alsa-restore.rules
# and ours, 85-aloop-timer.rules): the loopback probes first, the chosen
# card later.
#
# The guest has no systemd (busybox init), so ENV{SYSTEMD_WANTS} starts
# nothing here.  What is exercised for real: udevd running the rules, the
# alsactl restore that 90-alsa-restore.rules runs (with our alsactl init
# profile), and the properties the rules put on the devices, which
# systemd reads (the "systemd" tag, SYSTEMD_WANTS naming our unit).  What
# is not: systemd starting the unit.  The test does what systemd would:
# it runs the installed unit's ExecStart, with %i/%I of the device.

# udevd needs netlink (uevents) and inotify: every kernel of the rig has
# them (test/vm/patched.config), a kernel without them is a rig error.
if [ ! -e /proc/net/netlink ] || [ ! -d /proc/sys/fs/inotify ]; then
	not_ok "systemd-udevd with the installed rules" "this kernel ($ALOOP_KERNEL) has no netlink or inotify for udevd"
	exit 0
fi

TS="Timer Source"
SYS="System clock"
CH="Dummy 0.3 capture"
STATE=/var/lib/alsa/asound.state
UNIT=/usr/lib/systemd/system/aloop-timer-apply@.service
RULES=/usr/lib/udev/rules.d

mkdir -p /var/lock /var/lib/alsa /run
rm -rf /run/aloop-timer /run/udev
rm -f "$STATE"
rmmod snd_hrtimer 2>/dev/null

choice() {
	timersrc get 2>&1
}

for f in 85-aloop-timer.rules 90-alsa-restore.rules 99-systemd.rules; do
	[ -e "$RULES/$f" ] || not_ok "$RULES/$f is installed"
done
[ -e "$UNIT" ] || { not_ok "$UNIT is installed"; exit 0; }

# the_unit INSTANCE: run the unit's ExecStart as systemd would for
# aloop-timer-apply@INSTANCE.service ("-" prefix: status ignored)
the_unit() {
	_cmd=$(sed -n 's/^ExecStart=-*//p' "$UNIT" | sed "s/%[iI]/$1/g")
	[ -n "$_cmd" ] || { echo "no ExecStart in $UNIT"; return 1; }
	echo "+ $_cmd"
	sh -c "$_cmd"
}

# wants DEV: the SYSTEMD_WANTS and TAGS udev gave the device
props() {
	udevadm info --query=property --name="$1" 2>&1 |
		sed -n 's/^SYSTEMD_WANTS=//p; s/^TAGS=/tags /p'
}

# The user's choice, stored while the card was there.
dummy_load || { not_ok "snd-dummy loads"; exit 0; }
aloop_load || { not_ok "the loopback loads"; exit 0; }
amixer -q -c Loopback cset name="$TS" "$CH"
check "alsactl store" alsactl store
aloop_unload
dummy_unload

# --- udevd -------------------------------------------------------------------------
/usr/lib/systemd/systemd-udevd >/tmp/udevd.log 2>&1 &
udevd=$!
if ! wait_for 10 test -e /run/udev/control; then
	not_ok "systemd-udevd starts" "$(cat /tmp/udevd.log)"
	exit 0
fi
ok "systemd-udevd runs with the installed rules"
stop_udevd() {
	kill "$udevd" 2>/dev/null
	wait "$udevd" 2>/dev/null
}

udevadm monitor --udev --property --subsystem-match=sound >/tmp/mon.log 2>&1 &
mon=$!
sleep 1

# --- boot: the loopback first ------------------------------------------------------
aloop_load || { not_ok "the loopback loads"; stop_udevd; exit 0; }
lc=$(aloop_card)
check "udevadm settle after the loopback's events" udevadm settle --timeout=60
p=$(props /dev/snd/controlC"$lc")
case $p in
*"aloop-timer-apply@controlC$lc.service"*":systemd:"*)
	ok "the loopback's controlC$lc: tagged for systemd, SYSTEMD_WANTS has aloop-timer-apply@controlC$lc.service" ;;
*) not_ok "the loopback's controlC$lc: tagged for systemd, SYSTEMD_WANTS has aloop-timer-apply@controlC$lc.service" "$p" ;;
esac
case $p in
*sound.target*) ok "99-systemd.rules still wants sound.target (alsa-restore.service) there" ;;
*) not_ok "99-systemd.rules still wants sound.target (alsa-restore.service) there" "$p" ;;
esac
check_eq "udev's alsactl restore (with our init profile) kept the choice though its card is absent" \
	"$CH" "$(choice)"
out=$(the_unit "controlC$lc" 2>&1)
rc=$?
check_eq "aloop-timer-apply@controlC$lc.service (as systemd would run it): nothing to change" \
	"0|Loopback: \"$TS\" is '$CH', as saved" "$rc|$(echo "$out" | tail -n 1)"

# --- the chosen card later ---------------------------------------------------------
dummy_load || { not_ok "snd-dummy loads"; stop_udevd; exit 0; }
dc=$(aloop_card Dummy)
check "udevadm settle after snd-dummy's events" udevadm settle --timeout=60
p=$(props /dev/snd/controlC"$dc")
case $p in
*"aloop-timer-apply@controlC$dc.service"*":systemd:"*)
	ok "snd-dummy's controlC$dc: SYSTEMD_WANTS has aloop-timer-apply@controlC$dc.service" ;;
*) not_ok "snd-dummy's controlC$dc: SYSTEMD_WANTS has aloop-timer-apply@controlC$dc.service" "$p" ;;
esac
sleep 1
kill "$mon"
wait "$mon" 2>/dev/null
check_eq "udevadm monitor: the add event of controlC$dc carries SYSTEMD_WANTS for our unit" 1 \
	"$(awk -v dev="/dev/snd/controlC$dc" '/^UDEV / { ev = "" } /^ACTION=add$/ { add = 1 }
		/^DEVNAME=/ { name = substr($0, 9) }
		/^SYSTEMD_WANTS=/ { w = $0 }
		/^$/ { if (add && name == dev && index(w, "aloop-timer-apply@controlC") ) n++; add = 0; name = ""; w = "" }
		END { print n + 0 }' /tmp/mon.log)"
out=$(the_unit "controlC$dc" 2>&1)
rc=$?
check_eq "aloop-timer-apply@controlC$dc.service: the choice is kept" \
	"0|Loopback: \"$TS\" is '$CH', as saved" "$rc|$(echo "$out" | tail -n 1)"
check_eq "the chosen card is there: its item is chosen (8), no longer a placeholder" \
	"8|$CH" "$(ctlval -i MIXER "$TS" 2>&1)|$(choice)"
# The cables run on the card as soon as its stream (capture 3) ticks.
arecord -q -D hw:Dummy,0,3 -t raw -f S16_LE -r 48000 -c 2 --period-size=1024 \
	--buffer-size=16384 /dev/null >/dev/null 2>&1 &
dp=$!
aplay -q -D hw:Loopback,0,0 -t raw -f S16_LE -r 48000 -c 2 --period-size=1024 \
	--buffer-size=16384 /dev/zero >/dev/null 2>&1 &
lp=$!
if wait_for 10 sh -c "[ \"\$(timersrc cable 1 0 2>&1)\" = '$CH' ]"; then
	ok "a cable follows the card that appeared after the loopback"
else
	not_ok "a cable follows the card that appeared after the loopback" "$(timersrc cable 1 0 2>&1)"
fi
kill "$lp" "$dp"
wait "$lp" "$dp" 2>/dev/null

# --- the state file not there yet when the loopback probed (/var not mounted) ------
aloop_unload
dummy_unload
udevadm settle --timeout=60
mv "$STATE" /tmp/later.state
rm -rf /run/aloop-timer
aloop_load || { not_ok "the loopback loads"; stop_udevd; exit 0; }
lc=$(aloop_card)
udevadm settle --timeout=60
out=$(the_unit "controlC$lc" 2>&1)
rc=$?
check_eq "no state file yet: the unit has nothing to apply, the system clock runs" \
	"0|no state file $STATE: nothing to apply|$SYS" "$rc|$(echo "$out" | tail -n 1)|$(choice)"
mv /tmp/later.state "$STATE"
dummy_load || { not_ok "snd-dummy loads"; stop_udevd; exit 0; }
dc=$(aloop_card Dummy)
udevadm settle --timeout=60
case $(props /dev/snd/controlC"$dc") in
*"aloop-timer-apply@controlC$dc.service"*) ;;
*) not_ok "snd-dummy's controlC$dc wants the unit" "$(props /dev/snd/controlC"$dc")" ;;
esac
out=$(the_unit "controlC$dc" 2>&1)
rc=$?
check_eq "the state file is there when the chosen card appears: its unit applies the choice" \
	"0|Loopback: applied '$CH'|$CH" "$rc|$(echo "$out" | tail -n 1)|$(choice)"

# --- without our rule, nothing asks for the unit ----------------------------------------
aloop_unload
dummy_unload
mv "$RULES/85-aloop-timer.rules" /tmp/85.off
udevadm control --reload
dummy_load || { not_ok "snd-dummy loads"; stop_udevd; exit 0; }
udevadm settle --timeout=60
p=$(props /dev/snd/controlC"$(aloop_card Dummy)")
case $p in
*aloop-timer*) not_ok "without 85-aloop-timer.rules, no aloop-timer unit is wanted" "$p" ;;
*) ok "without 85-aloop-timer.rules, no aloop-timer unit is wanted" ;;
esac
mv /tmp/85.off "$RULES/85-aloop-timer.rules"
stop_udevd
