#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "Timer Source": the item list, its order and events, choosing by name,
# and a choice that survives its card going away and coming back.
# timeout: 170
#
# The card-wide element is iface MIXER, device 0, subdevice 0, index 0;
# each cable has a read-only iface PCM element with the device and
# subdevice of its capture end.  Item 0 is "System clock", then one item
# per PCM substream of every card that is not a loopback card, named
# "<card id> <device>.<substream> playback|capture", sorted by card id
# (byte-wise), device, substream, playback before capture.  A chosen name
# whose card is absent stays in the list at its sorted place.
# Uses timersrc, ctlval, ctlevents, amixer and alsactl.

TS="Timer Source"
PROC=/proc/asound/Loopback/timer_source
DUMMY_DRV=/sys/bus/platform/drivers/snd_dummy

# dummy_items ID DEVICES SUBSTREAMS: the items of one card, in order
dummy_items() {
	_d=0
	while [ "$_d" -lt "$2" ]; do
		_s=0
		while [ "$_s" -lt "$3" ]; do
			echo "$1 $_d.$_s playback"
			echo "$1 $_d.$_s capture"
			_s=$((_s + 1))
		done
		_d=$((_d + 1))
	done
}

# numbered: NAME lines as "timersrc items" prints them ("N NAME")
numbered() {
	awk '{ print NR - 1, $0 }'
}

# snd-dummy with its defaults: one PCM device with 8 substreams
DEFAULT_LIST=$({ echo "System clock"; dummy_items Dummy 1 8; } | numbered)

nitems() {
	timersrc items 2>/dev/null | wc -l
}

nitems_is() {
	[ "$(nitems)" -eq "$1" ]
}

# events SECONDS: record control events of the loopback card meanwhile
events() {
	rm -f /tmp/ev.ready
	ctlevents -t "$1" -r /tmp/ev.ready >/tmp/ev.log 2>&1 &
	evpid=$!
	wait_for 5 test -e /tmp/ev.ready
}

# end_events: wait for the recorder (in this shell: a $(...) subshell
# cannot wait for it)
end_events() {
	wait "$evpid"
}

# nev KIND IFACE DEVICE SUBDEVICE: recorded events on that Timer Source
# element whose mask includes KIND (INFO or VALUE)
nev() {
	awk -v m="|$1|" -v i="$2" -v d="$3" -v s="$4" -v n="$TS" -v q="'" '
		$1 == "EVENT" && $3 == i && $4 == d && $5 == s && $6 == 0 &&
		substr($0, index($0, q)) == q n q && index("|" $2 "|", m) { c++ }
		END { print c + 0 }' /tmp/ev.log
}

# cables_without KIND: the per-cable elements (D.S) that got no KIND event
cables_without() {
	_cw=
	for _d in 0 1; do
		for _s in 0 1 2 3 4 5 6 7; do
			[ "$(nev "$1" PCM "$_d" "$_s")" -gt 0 ] || _cw="$_cw $_d.$_s"
		done
	done
	echo "${_cw# }"
}

# waiter: start "timersrc wait ARGS..." in the background, once subscribed
waiter() {
	rm -f /tmp/w.ready
	timersrc wait "$@" --ready /tmp/w.ready >/tmp/w.out 2>&1 &
	wpid=$!
	wait_for 5 test -e /tmp/w.ready
}

# end_waiter DESC: ok if the waiter saw its event
end_waiter() {
	wait "$wpid"
	_rc=$?
	if [ "$_rc" = 0 ]; then
		ok "$1"
	else
		not_ok "$1" "timersrc wait exited with $_rc" "$(cat /tmp/w.out)"
	fi
}

# selected NAME DESC: the card-wide element and proc both show NAME
selected() {
	_p=$1
	[ "$1" = "System clock" ] && _p=
	check_eq "$2: control shows '$1', proc '$_p'" "$1|$_p" \
		"$(timersrc get 2>&1)|$(cat $PROC)"
}

# --- the loopback alone -------------------------------------------------
# Global timers are listed too (73-global-timer): keep snd-hrtimer's out.
rmmod snd_hrtimer 2>/dev/null
aloop_load || { not_ok "the loopback loads"; exit 0; }

info=$(ctlval -i MIXER -I "$TS" 2>&1)
case $info in
"type=ENUMERATED access=rw"?" count=1 "*) ok "card-wide Timer Source: MIXER, ENUMERATED, read-write" ;;
*) not_ok "card-wide Timer Source: MIXER, ENUMERATED, read-write" "$info" ;;
esac
bad=
for d in 0 1; do
	for s in 0 1 2 3 4 5 6 7; do
		info=$(ctlval -i PCM -d $d -s $s -I "$TS" 2>&1)
		case $info in
		"type=ENUMERATED access=r-"?" count=1 "*) ;;
		*) bad="$bad
$d.$s: $info" ;;
		esac
	done
done
if [ -z "$bad" ]; then
	ok "per-cable Timer Source on devices 0-1, subdevices 0-7: PCM, ENUMERATED, read-only"
else
	not_ok "per-cable Timer Source on devices 0-1, subdevices 0-7: PCM, ENUMERATED, read-only" "$bad"
fi
check_eq "one MIXER and 16 PCM Timer Source elements" "1 16" \
	"$(amixer -c Loopback controls | grep -c "iface=MIXER,name='$TS'") $(amixer -c Loopback controls | grep -c "iface=PCM,name='$TS'")"

check_eq "alone: the only item is System clock" "0 System clock" "$(timersrc items 2>&1)"
check_eq "alone: System clock is selected, proc reads an empty line" "System clock|" \
	"$(timersrc get 2>&1)|$(cat $PROC)"
check_eq "alone: cable 1.7 has the same list and shows System clock" \
	"0 System clock|System clock" \
	"$(timersrc items --cable 1 7 2>&1)|$(timersrc cable 1 7 2>&1)"

# --- a card probed after the loopback ---------------------------------------
events 4
dummy_load || { not_ok "snd-dummy loads"; exit 0; }
wait_for 3 nitems_is 17
end_events
check_eq "snd-dummy appears: System clock, then its 16 substreams in order" \
	"$DEFAULT_LIST" "$(timersrc items 2>&1)"
check_eq "a per-cable element (0.3) has the same list" "$DEFAULT_LIST" \
	"$(timersrc items --cable 0 3 2>&1)"
n=$(nev INFO MIXER 0 0)
if [ "$n" -ge 1 ]; then
	ok "snd-dummy appears: INFO event on the card-wide element"
else
	not_ok "snd-dummy appears: INFO event on the card-wide element" "$(cat /tmp/ev.log)"
fi
check_eq "snd-dummy appears: INFO event on every per-cable element (missing listed)" "" \
	"$(cables_without INFO)"
check_eq "snd-dummy appears: no VALUE event, System clock stays item 0" "0 System clock" \
	"$(nev VALUE MIXER 0 0) $(timersrc get 2>&1)"

# --- choosing ---------------------------------------------------------------
events 3
out=$(amixer -c Loopback cset name="$TS" 'Dummy 0.0 playback' 2>&1)
check_eq "amixer cset name='$TS' 'Dummy 0.0 playback' succeeds" 0 $?
end_events
selected "Dummy 0.0 playback" "amixer cset by name"
check_eq "amixer cset: the element holds item 1" 1 "$(ctlval -i MIXER "$TS" 2>&1)"
check_eq "amixer cset: one VALUE event on the card-wide element" 1 "$(nev VALUE MIXER 0 0)"
check_eq "a choice without a running source: cable 1.0 shows System clock" \
	"System clock" "$(timersrc cable 1 0 2>&1)"

out=$(amixer -c Loopback sget "$TS" 2>&1)
want="'System clock' $(dummy_items Dummy 1 8 | sed "s/.*/'&'/" | tr '\n' ' ' | sed 's/ $//')"
check_eq "amixer sget: the Items line" "$want" "$(echo "$out" | sed -n 's/^ *Items: //p')"
check_eq "amixer sget: Item0 is the chosen name" "'Dummy 0.0 playback'" \
	"$(echo "$out" | sed -n 's/^ *Item0: //p')"

# alsactl stores the item's name and restores by name
timersrc set "Dummy 0.5 capture" >/dev/null
check "alsactl store" alsactl -f /tmp/ts.state store Loopback
check_eq "alsactl store: Timer Source is stored as its name" "'Dummy 0.5 capture'" \
	"$(awk -v q="'" '$1 == "iface" { iface = $2 }
		$1 == "name" { name = substr($0, index($0, q)) }
		$1 == "value" && iface == "MIXER" && name == q "Timer Source" q {
			print substr($0, index($0, q)) }' /tmp/ts.state)"
timersrc set "System clock" >/dev/null
check "alsactl restore" alsactl -f /tmp/ts.state restore Loopback
selected "Dummy 0.5 capture" "alsactl restore"

check_eq "timersrc set by name" "write: ok
Dummy 0.7 capture" "$(timersrc set 'Dummy 0.7 capture' 2>&1)"
check_eq "the element holds item 16, proc the name" "16|Dummy 0.7 capture" \
	"$(ctlval -i MIXER "$TS" 2>&1)|$(cat $PROC)"

events 3
out_same=$(timersrc set 'Dummy 0.7 capture' 2>&1)
out17=$(timersrc set --index 17 2>&1)
rc17=$?
outbig=$(timersrc set --index 4294967295 2>&1)
rcbig=$?
end_events
check_eq "rewriting the chosen item: unchanged" "write: unchanged
Dummy 0.7 capture" "$out_same"
check_eq "index 17 (one past the end) is refused with EINVAL, nothing changes" \
	"write: refused: Invalid argument
Dummy 0.7 capture|1" "$out17|$rc17"
check_eq "index 4294967295 is refused with EINVAL, nothing changes" \
	"write: refused: Invalid argument
Dummy 0.7 capture|1" "$outbig|$rcbig"
check_eq "a rewrite and refused writes send no event at all" 0 \
	"$(grep -c '^EVENT' /tmp/ev.log)"
check_eq "after the refused writes: item 16, proc unchanged" "16|Dummy 0.7 capture" \
	"$(ctlval -i MIXER "$TS" 2>&1)|$(cat $PROC)"

# --- proc -------------------------------------------------------------------
echo "Dummy.0.3" >$PROC
selected "Dummy 0.1 capture" "proc Dummy.0.3 (in-tree syntax, SUB = substream 1, capture)"
echo "Dummy" >$PROC
selected "Dummy 0.0 playback" "proc Dummy (device and subdevice 0)"
echo "Dummy 0.6 playback" >$PROC
selected "Dummy 0.6 playback" "proc item name"
echo "" >$PROC
selected "System clock" "proc empty line"
check_eq "proc empty line: item 0, proc reads an empty line" "0|" \
	"$(ctlval -i MIXER "$TS" 2>&1)|$(cat $PROC)"

# --- unbind and bind: the chosen item stays, its index moves ------------------
timersrc set "Dummy 0.3 capture" >/dev/null
check_eq "Dummy 0.3 capture is item 8" 8 "$(ctlval -i MIXER "$TS" 2>&1)"
events 4
waiter info --timeout 5
echo snd_dummy.0 >$DUMMY_DRV/unbind
end_waiter "unbind: a waiting client gets an INFO event"
wait_for 3 nitems_is 2
end_events
check_eq "unbind: System clock and the chosen name are left" "0 System clock
1 Dummy 0.3 capture" "$(timersrc items 2>&1)"
selected "Dummy 0.3 capture" "unbind"
check_eq "unbind: the chosen item is now item 1" 1 "$(ctlval -i MIXER "$TS" 2>&1)"
check_eq "unbind: one VALUE event (8 -> 1)" 1 "$(nev VALUE MIXER 0 0)"
check_eq "unbind: INFO event on every per-cable element (missing listed)" "" \
	"$(cables_without INFO)"
check_eq "unbind: per-cable elements have the same list" "0 System clock
1 Dummy 0.3 capture" "$(timersrc items --cable 1 0 2>&1)"

events 4
waiter info --timeout 5
echo snd_dummy.0 >$DUMMY_DRV/bind
end_waiter "bind: a waiting client gets an INFO event"
wait_for 3 nitems_is 17
end_events
check_eq "bind: the full list is back" "$DEFAULT_LIST" "$(timersrc items 2>&1)"
selected "Dummy 0.3 capture" "bind"
check_eq "bind: the chosen item is item 8 again" 8 "$(ctlval -i MIXER "$TS" 2>&1)"
check_eq "bind: one VALUE event (1 -> 8)" 1 "$(nev VALUE MIXER 0 0)"
check_eq "bind: INFO event on every per-cable element (missing listed)" "" \
	"$(cables_without INFO)"

# --- rmmod and modprobe: the chosen item keeps its index ----------------------
timersrc set "Dummy 0.0 playback" >/dev/null
events 4
if dummy_unload; then
	ok "rmmod snd-dummy works while no loopback stream is open"
else
	not_ok "rmmod snd-dummy works while no loopback stream is open" "$(lsmod)"
fi
wait_for 3 nitems_is 2
end_events
check_eq "rmmod: System clock and the chosen name are left" "0 System clock
1 Dummy 0.0 playback" "$(timersrc items 2>&1)"
selected "Dummy 0.0 playback" "rmmod"
n=$(nev INFO MIXER 0 0)
check_eq "rmmod: INFO event; no VALUE event, the choice stays item 1" "yes 0" \
	"$([ "$n" -ge 1 ] && echo yes || echo "no INFO") $(nev VALUE MIXER 0 0)"

out=$(timersrc wait info --timeout 10 --run "modprobe snd-dummy" 2>&1)
rc=$?
diag "modprobe snd-dummy: $(echo "$out" | head -n 1)"
check_eq "modprobe: a waiting client gets an INFO event" 0 "$rc"
wait_for 3 nitems_is 17
check_eq "modprobe: the full list is back" "$DEFAULT_LIST" "$(timersrc items 2>&1)"
selected "Dummy 0.0 playback" "modprobe"

# --- many cards: order by id, not by card number or probe order ---------------
# Byte-wise, "Zz" < "dA" < "dB" < "dC"; Zz's substream 10 sorts after 9.
MANY="enable=1,1,1,1 id=dC,Zz,dA,dB pcm_devs=2,1,2,1 pcm_substreams=2,11,2,1"
MANY_LIST=$({
	echo "System clock"
	dummy_items Zz 1 11
	dummy_items dA 2 2
	dummy_items dB 1 1
	dummy_items dC 2 2
} | numbered)

timersrc set "System clock" >/dev/null
dummy_unload
# shellcheck disable=SC2086 # $MANY is a list of parameters
dummy_load $MANY index=1,2,3,4 || { not_ok "snd-dummy loads with 4 cards"; exit 0; }
wait_for 5 nitems_is 41
check_eq "4 cards with index=1,2,3,4: exact list" "$MANY_LIST" "$(timersrc items 2>&1)"
c1=$(readlink /proc/asound/dC)
timersrc set "dA 0.1 capture" >/dev/null
check_eq "dA 0.1 capture is item 26" 26 "$(ctlval -i MIXER "$TS" 2>&1)"

# unbind one card: the chosen name stays at its sorted place
echo snd_dummy.2 >$DUMMY_DRV/unbind
wait_for 3 nitems_is 34
check_eq "dA unbound: its items go, the chosen one stays in place" "$({
	echo "System clock"
	dummy_items Zz 1 11
	echo "dA 0.1 capture"
	dummy_items dB 1 1
	dummy_items dC 2 2
} | numbered)" "$(timersrc items 2>&1)"
check_eq "dA unbound: the choice is item 23" "23|dA 0.1 capture" \
	"$(ctlval -i MIXER "$TS" 2>&1)|$(timersrc get 2>&1)"
echo snd_dummy.2 >$DUMMY_DRV/bind
wait_for 3 nitems_is 41
check_eq "dA bound again: exact list" "$MANY_LIST" "$(timersrc items 2>&1)"

dummy_unload
wait_for 3 nitems_is 2
check_eq "4 cards unloaded: System clock and the chosen name" "0 System clock
1 dA 0.1 capture" "$(timersrc items 2>&1)"
# shellcheck disable=SC2086
dummy_load $MANY index=4,3,2,1 || { not_ok "snd-dummy loads with index=4,3,2,1"; exit 0; }
wait_for 5 nitems_is 41
c2=$(readlink /proc/asound/dC)
check_eq "the reload moved the cards (dC: card1, then card4)" "card1 card4" "$c1 $c2"
check_eq "4 cards with index=4,3,2,1: the same list" "$MANY_LIST" "$(timersrc items 2>&1)"
selected "dA 0.1 capture" "reload with reversed indexes"
check_eq "the choice is item 26 again" 26 "$(ctlval -i MIXER "$TS" 2>&1)"

# --- two loopback cards: neither lists the other --------------------------------
aloop_unload
dummy_unload
dummy_load || { not_ok "snd-dummy loads again"; exit 0; }
aloop_load enable=1,1 id=LoopA,LoopB || { not_ok "two loopback cards load"; exit 0; }
wait_for 3 test -e /proc/asound/LoopB
check_eq "LoopA lists snd-dummy only" "$DEFAULT_LIST" "$(timersrc -c LoopA items 2>&1)"
check_eq "LoopB lists snd-dummy only" "$DEFAULT_LIST" "$(timersrc -c LoopB items 2>&1)"
timersrc -c LoopA set "Dummy 0.2 playback" >/dev/null
check_eq "each card has its own choice" "Dummy 0.2 playback|System clock" \
	"$(timersrc -c LoopA get 2>&1)|$(timersrc -c LoopB get 2>&1)"
aloop_unload

# --- timer_source naming a card that is not there yet ------------------------
dummy_unload
aloop_load timer_source=Dummy.0.1 || { not_ok "loads with timer_source=Dummy.0.1"; exit 0; }
check_eq "timer_source=Dummy.0.1 before snd-dummy: a placeholder item" "0 System clock
1 Dummy 0.0 capture" "$(timersrc items 2>&1)"
selected "Dummy 0.0 capture" "timer_source=Dummy.0.1 before snd-dummy"
dummy_load || { not_ok "snd-dummy loads after the loopback"; exit 0; }
wait_for 3 nitems_is 17
check_eq "snd-dummy loaded: the full list" "$DEFAULT_LIST" "$(timersrc items 2>&1)"
check_eq "snd-dummy loaded: the choice is item 2" "2|Dummy 0.0 capture" \
	"$(ctlval -i MIXER "$TS" 2>&1)|$(timersrc get 2>&1)"
