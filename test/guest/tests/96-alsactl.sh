#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# timeout: 400
# alsactl store and restore keep the user's "Timer Source" in any probe
# order, with the installed init profile (alsactl-profiles/,
# /usr/share/alsa/init/preinit/50-aloop-timer.conf), with the system state
# file /var/lib/alsa/asound.state as alsa-restore.service uses it, and in
# daemon mode as alsa-state.service runs it.  First, without the profile,
# what alsa-utils 1.2.8 does on its own: a stored name that is not listed
# yet is restored as item 0, and the next store saves that fallback.
# Also amixer cset/cget/sget/sset by item name.

TS="Timer Source"
SYS="System clock"
CH="Dummy 0.3 capture"
STATE=/var/lib/alsa/asound.state
PROFILE=/usr/share/alsa/init/preinit/50-aloop-timer.conf

mkdir -p /var/lock /var/lib/alsa /var/run
rm -f "$STATE"
rm -rf /run/aloop-timer
rmmod snd_hrtimer 2>/dev/null

# choice: the card-wide choice as test/src/timersrc reads it
choice() {
	timersrc get 2>&1
}

# stored FILE: the Timer Source value stored for the card Loopback
stored() {
	awk -v q="'" '$1 == "state.Loopback" { in_lb = 1 }
		/^}/ { in_lb = 0 }
		in_lb && $1 == "iface" { iface = $2 }
		in_lb && $1 == "name" { name = substr($0, index($0, q)) }
		in_lb && $1 == "value" && iface == "MIXER" && name == q "Timer Source" q {
			v = substr($0, index($0, q)); gsub(q, "", v); print v }' "$1"
}

reload() {
	aloop_unload
	dummy_unload
}

[ -e "$PROFILE" ] || { not_ok "the init profile is installed at $PROFILE"; exit 0; }

# --- amixer by item name ---------------------------------------------------------
dummy_load || { not_ok "snd-dummy loads"; exit 0; }
aloop_load || { not_ok "the loopback loads"; exit 0; }
check "amixer cset by item name" amixer -q -c Loopback cset name="$TS" "Dummy 0.1 playback"
out=$(amixer -c Loopback cget name="$TS")
rc=$?
check_eq "amixer cget: item 3 of 17, named" "  ; type=ENUMERATED,access=rw------,values=1,items=17|  : values=3" \
	"$(echo "$out" | sed -n '2p')|$(echo "$out" | grep ': values=')"
check_eq "amixer cget lists the item names" "  ; Item #3 'Dummy 0.1 playback'" \
	"$(echo "$out" | grep "Item #3 ")"
check "amixer sset by item name (simple mixer)" amixer -q -c Loopback sset "$TS" "Dummy 0.2 capture"
out=$(amixer -c Loopback sget "$TS")
rc=$?
check_eq "amixer sget: enum, Item0 is the chosen name" "  Capabilities: enum|  Item0: 'Dummy 0.2 capture'" \
	"$(echo "$out" | grep Capabilities)|$(echo "$out" | grep Item0)"
# alsa-lib's parser takes a string that is no item name as a number (0):
# a typo in amixer cset selects the system clock, without an error.
amixer -q -c Loopback cset name="$TS" "No such item" >/dev/null 2>&1
rc=$?
check_eq "amixer cset of a name that is no item: status 0 and item 0 (alsa-lib reads it as the number 0)" \
	"0|$SYS" "$rc|$(choice)"

# --- store with the card present ---------------------------------------------------
amixer -q -c Loopback cset name="$TS" "$CH"
check "alsactl store (system state file)" alsactl store
check_eq "the state file holds the name" "$CH" "$(stored $STATE)"
cp "$STATE" /tmp/saved.state

# --- without the profile: alsa-utils on its own ------------------------------------
reload
mv "$PROFILE" /tmp/profile.off
aloop_load || { not_ok "the loopback loads"; exit 0; }
out=$(alsactl restore Loopback 2>&1)
rc=$?
diag "alsactl restore without the profile: status $rc: $(echo "$out" | head -n 3 | tr '\n' ' ')"
check_eq "without the profile, the chosen card absent: restore writes item 0 (the fallback)" \
	"$SYS" "$(choice)"
alsactl -f /tmp/fallback.state store Loopback
check_eq "without the profile: a store now saves the fallback" "$SYS" "$(stored /tmp/fallback.state)"
mv /tmp/profile.off "$PROFILE"
aloop_unload

# --- with the profile: the chosen card absent at restore and store -----------------
rm -rf /run/aloop-timer
aloop_load || { not_ok "the loopback loads"; exit 0; }
out=$(alsactl restore Loopback 2>&1)
rc=$?
diag "alsactl restore with the profile: status $rc: $(echo "$out" | tr '\n' ' ')"
check_eq "with the profile, the card absent: alsactl restore exits 0, without the generic init" \
	"0|0" "$rc|$(echo "$out" | grep -c 'Found hardware')"
check_eq "restore keeps the name (a placeholder item; cables on the system clock)" \
	"$CH|$CH" "$(choice)|$(cat /proc/asound/Loopback/timer_source)"
check_eq "the placeholder is the only item besides the system clock" "0 System clock
1 $CH" "$(timersrc items 2>&1)"
check "alsactl store while the card is absent" alsactl store
check_eq "the stored choice is still the user's" "$CH" "$(stored $STATE)"
dummy_load || { not_ok "snd-dummy loads after the loopback"; exit 0; }
wait_for 5 sh -c "timersrc items | grep -q '16 Dummy 0.7 capture'"
check_eq "the card appears: the choice is its item 8, cables follow it from now" \
	"8|$CH" "$(ctlval -i MIXER "$TS" 2>&1)|$(choice)"
check "alsactl store with the card present" alsactl store
check_eq "stored: the same name" "$CH" "$(stored $STATE)"

# --- reload in another card order, then restore ------------------------------------
reload
aloop_load index=0 || { not_ok "the loopback loads as card 0"; exit 0; }
dummy_load index=3 || { not_ok "snd-dummy loads as card 3"; exit 0; }
check_eq "reloaded in another order: loopback card 0, snd-dummy card 3" "0 3" \
	"$(aloop_card) $(aloop_card Dummy)"
check_eq "before the restore: the system clock" "$SYS" "$(choice)"
check "alsactl restore (all cards)" alsactl restore
check_eq "after the restore: the choice survived, by name" "$CH" "$(choice)"
reload
dummy_load index=5 || { not_ok "snd-dummy loads as card 5"; exit 0; }
aloop_load index=2 || { not_ok "the loopback loads as card 2"; exit 0; }
check "alsactl restore 2 (by number, as the udev rule runs it)" alsactl restore 2
check_eq "snd-dummy card 5, loopback card 2: the choice survived" "$CH" "$(choice)"

# --- alsactl init --------------------------------------------------------------------
out=$(alsactl init Loopback 2>&1)
rc=$?
check_eq "alsactl init of the loopback card: the profile says it is done (status 0, no generic init)" \
	"0|0" "$rc|$(echo "$out" | grep -c 'Found hardware')"
mv "$PROFILE" /tmp/profile.off
out=$(alsactl init Loopback 2>&1)
rc=$?
mv /tmp/profile.off "$PROFILE"
case $out in
*'Found hardware: "Loopback"'*) check_eq "without the profile: init falls back to the generic method, status 99" 99 "$rc" ;;
*) not_ok "without the profile: init falls back to the generic method, status 99" "status $rc: $out" ;;
esac
amixer -q -c Loopback cset name="$TS" "$SYS"
alsactl init Loopback
check_eq "alsactl init applies the saved choice (it runs apply --force)" "$CH" "$(choice)"

# --- daemon mode (alsa-state.service: alsactl rdaemon) ------------------------------
reload
rm -f /var/run/alsactl.pid
aloop_load || { not_ok "the loopback loads"; exit 0; }
alsactl -p 10 rdaemon >/tmp/daemon.log 2>&1 &
dpid=$!
wait_for 10 test -e /var/run/alsactl.pid
wait_for 10 sh -c "[ \"\$(amixer -c Loopback cget iface=MIXER,name='$TS' | sed -n \"s/.*: values=//p\")\" = 1 ]"
check_eq "rdaemon, the card absent: its restore keeps the name" "$CH" "$(choice)"
alsactl kill save_and_quit
wait "$dpid"
check_eq "rdaemon saves on quit: the user's choice" "$CH" "$(stored $STATE)"
