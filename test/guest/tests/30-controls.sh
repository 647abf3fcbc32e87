#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# peer: yes
# timeout: 240
#
# The per-cable controls, as upstream snd-aloop defines them: six elements
# with iface PCM, device D and subdevice S for every substream S of both
# devices D.  The elements with device D describe the cable whose CAPTURE
# end is hw:CARD,D,S (its playback end is hw:CARD,D^1,S):
#   "PCM Rate Shift 100000"  INTEGER 80000..120000, rw: the cable runs at
#                            100000/value times the nominal rate
#   "PCM Notify"             BOOLEAN rw, starts as module param pcm_notify
#   "PCM Slave Active"       BOOLEAN r: the playback end is running
#   "PCM Slave Format"       INTEGER r: the playback end's format number
#   "PCM Slave Rate"         INTEGER r: ... rate
#   "PCM Slave Channels"     INTEGER r: ... channels
# Uses ctlval (raw control access), ratecheck (rate of the hardware pointer
# against CLOCK_MONOTONIC) and loopcheck.

NAMES="PCM Rate Shift 100000|PCM Notify|PCM Slave Active|PCM Slave Format|PCM Slave Rate|PCM Slave Channels"
RS="PCM Rate Shift 100000"

aloop_load || { not_ok "the loopback loads"; exit 0; }
C=$(aloop_card)
[ -n "$C" ] || { not_ok "the loopback has a card number"; exit 0; }

cv() { ctlval -c "$C" "$@" 2>&1; }

# --- inventory ----------------------------------------------------------
n=$(amixer -c "$C" controls 2>&1 | grep -c -E "iface=PCM,name='($NAMES)'")
check_eq "96 per-cable controls (6 x 2 devices x 8 substreams)" 96 "$n"

# info_all NAME PATTERN: the --info line of NAME for every device and
# substream must match the case PATTERN
info_all() {
	_bad=
	for _d in 0 1; do
		for _s in 0 1 2 3 4 5 6 7; do
			_i=$(cv -I -d "$_d" -s "$_s" "$1")
			# shellcheck disable=SC2254
			case $_i in
			$2) ;;
			*) _bad="$_bad
device $_d subdevice $_s: $_i" ;;
			esac
		done
	done
	if [ -z "$_bad" ]; then
		ok "'$1' on devices 0-1, subdevices 0-7: $3"
	else
		not_ok "'$1' on devices 0-1, subdevices 0-7: $3" "$_bad"
	fi
}
info_all "$RS" "type=INTEGER access=rw* count=1 min=80000 max=120000 step=1 *" \
	"INTEGER rw 80000..120000"
info_all "PCM Notify" "type=BOOLEAN access=rw* count=1 *" "BOOLEAN rw"
info_all "PCM Slave Active" "type=BOOLEAN access=r-* count=1 *" "BOOLEAN read-only"
info_all "PCM Slave Format" "type=INTEGER access=r-* count=1 min=0 *" \
	"INTEGER read-only from 0"
info_all "PCM Slave Rate" "type=INTEGER access=r-* count=1 *" "INTEGER read-only"
info_all "PCM Slave Channels" "type=INTEGER access=r-* count=1 *" "INTEGER read-only"

# --- defaults -------------------------------------------------------------
# values NAME: the value on (0,0) (0,7) (1,0) (1,7)
values() {
	echo "$(cv -d 0 -s 0 "$1") $(cv -d 0 -s 7 "$1") $(cv -d 1 -s 0 "$1") $(cv -d 1 -s 7 "$1")"
}
check_eq "Rate Shift defaults to 100000" "100000 100000 100000 100000" "$(values "$RS")"
check_eq "Notify defaults to 0 (pcm_notify=0)" "0 0 0 0" "$(values "PCM Notify")"
check_eq "Slave Active defaults to 0" "0 0 0 0" "$(values "PCM Slave Active")"
check_eq "Slave Format defaults to 2 (S16_LE)" "2 2 2 2" "$(values "PCM Slave Format")"
check_eq "Slave Rate defaults to 48000" "48000 48000 48000 48000" "$(values "PCM Slave Rate")"
check_eq "Slave Channels defaults to 2" "2 2 2 2" "$(values "PCM Slave Channels")"

# --- writes -----------------------------------------------------------------
out=$(cv -d 1 -s 4 "$RS" 90000)
check_eq "Rate Shift takes 90000" "write: ok
90000" "$out"
check_eq "the write touched only its own element" "100000 100000 100000 100000" \
	"$(values "$RS")"
out=$(cv -d 0 -s 1 "PCM Notify" 1)
check_eq "Notify takes 1" "write: ok
1" "$out"
for name in "PCM Slave Active" "PCM Slave Format" "PCM Slave Rate" "PCM Slave Channels"; do
	out=$(cv -d 1 -s 0 "$name" 1)
	case $out in
	"write: refused"*) ok "'$name' refuses writes" ;;
	*) not_ok "'$name' refuses writes" "$out" ;;
	esac
done
# Out of range: upstream clamps to the range (Debian's 6.1 has no
# CONFIG_SND_CTL_INPUT_VALIDATION); a driver may also refuse.  Either way
# the value must stay inside 80000..120000.
for v in 70000 130000 0 -1 2147483647; do
	out=$(cv -d 0 -s 6 -- "$RS" "$v")
	val=$(printf '%s\n' "$out" | tail -n 1)
	if [ "$val" -ge 80000 ] 2>/dev/null && [ "$val" -le 120000 ]; then
		diag "Rate Shift $v: $(printf '%s' "$out" | tr '\n' ' ')"
		ok "Rate Shift $v: stays in range"
	else
		not_ok "Rate Shift $v: stays in range" "$out"
	fi
done
cv -d 0 -s 6 "$RS" 100000 >/dev/null
cv -d 1 -s 4 "$RS" 100000 >/dev/null

# --- Rate Shift changes the cable's speed -------------------------------
# rc DESC RATECHECK-ARGS...
rc() {
	_rc_desc=$1
	shift
	if _rc_out=$(ratecheck -d 2 "$@" 2>&1); then
		diag "$_rc_desc: $(printf '%s\n' "$_rc_out" | sed -n 's/.* \(ratio=[^ ]*\) \(expected=[^ ]*\).*/\1 \2/p')"
		ok "$_rc_desc"
	else
		not_ok "$_rc_desc" "ratecheck -d 2 $* -> exit $?" "$_rc_out"
	fi
}
rc "no shift: playback hw:$C,0,0 runs at the nominal rate" -D "hw:$C,0,0"
rc "shift 80000: playback hw:$C,0,0 runs 1.25x" -D "hw:$C,0,0" -S 80000
rc "shift 120000: playback hw:$C,0,0 runs 0.833x" -D "hw:$C,0,0" -S 120000
rc "shift 90000 on device 0: playback hw:$C,1,5 runs 1.111x" -D "hw:$C,1,5" -S 90000 -r 44100
rc "shift 110000: capture hw:$C,1,0 runs 0.909x" --capture -D "hw:$C,1,0" -S 110000 -r 96000
# the shift belongs to one cable
cv -d 1 -s 0 "$RS" 80000 >/dev/null
rc "shift on cable (1,0) does not speed up hw:$C,0,1" -D "hw:$C,0,1"
rc "shift on cable (1,0) does not speed up the reverse cable hw:$C,1,0" -D "hw:$C,1,0"
cv -d 1 -s 0 "$RS" 100000 >/dev/null

# data stays exact when both ends run shifted
for v in 85000 115000; do
	cv -d 1 -s 2 "$RS" "$v" >/dev/null
	check_transfer "shift $v: data through hw:$C,0,2 stays bit-exact" \
		-D "hw:$C,0,2" -C "hw:$C,1,2" -f S24_3LE -c 2
done
cv -d 1 -s 2 "$RS" 100000 >/dev/null

# --- Slave Active / Format / Rate / Channels follow the playback end -----
# play DEV SUB SECONDS FORMAT RATE CHANNELS: aplay silence in the background
play() {
	aplay -q -D "hw:$C,$1,$2" -t raw -f "$4" -r "$5" -c "$6" -d "$3" /dev/zero \
		2>aplay.err &
	aplay_pid=$!
}

# slave_check DEV SUB FORMAT FORMATNUM RATE CHANNELS
slave_check() {
	_cd=$(($1 ^ 1))
	rm -f ev.out
	ctlval -c "$C" -E -t 10 -d "$_cd" -s "$2" "PCM Slave Active" >ev.out 2>&1 &
	_ev=$!
	wait_for 5 grep -q ready ev.out
	play "$1" "$2" 4 "$3" "$5" "$6"
	if wait "$_ev"; then
		ok "playback on hw:$C,$1,$2: value event on Slave Active ($_cd,$2)"
	else
		not_ok "playback on hw:$C,$1,$2: value event on Slave Active ($_cd,$2)" \
			"$(cat ev.out)"
	fi
	check "playback on hw:$C,$1,$2: Slave Active ($_cd,$2) becomes 1" \
		ctlval -c "$C" -d "$_cd" -s "$2" -w 1 -t 5 "PCM Slave Active"
	check_eq "playback on hw:$C,$1,$2: Slave Format/Rate/Channels ($_cd,$2)" \
		"$4 $5 $6" \
		"$(cv -d "$_cd" -s "$2" "PCM Slave Format") $(cv -d "$_cd" -s "$2" "PCM Slave Rate") $(cv -d "$_cd" -s "$2" "PCM Slave Channels")"
	check_eq "playback on hw:$C,$1,$2: the reverse cable ($1,$2) stays inactive" \
		0 "$(cv -d "$1" -s "$2" "PCM Slave Active")"
	_o=$((($2 + 1) % 8))
	check_eq "playback on hw:$C,$1,$2: substream $_o ($_cd,$_o) stays inactive" \
		0 "$(cv -d "$_cd" -s "$_o" "PCM Slave Active")"
	if wait "$aplay_pid"; then
		ok "aplay on hw:$C,$1,$2 ran"
	else
		not_ok "aplay on hw:$C,$1,$2 ran" "$(cat aplay.err)"
	fi
	check "playback on hw:$C,$1,$2 ended: Slave Active ($_cd,$2) is 0" \
		ctlval -c "$C" -d "$_cd" -s "$2" -w 0 -t 5 "PCM Slave Active"
	check_eq "playback on hw:$C,$1,$2 ended: Slave Rate keeps $5" \
		"$5" "$(cv -d "$_cd" -s "$2" "PCM Slave Rate")"
}
slave_check 0 3 S32_LE 10 96000 4
slave_check 1 6 FLOAT_LE 14 22050 1

# --- pcm_notify=1 ---------------------------------------------------------
if aloop_unload && aloop_load pcm_notify=1; then
	C=$(aloop_card)
	check_eq "pcm_notify=1: Notify starts as 1" "1 1 1 1" "$(values "PCM Notify")"
	slave_check 0 0 S24_3LE 32 44100 8
	# a capture that runs while the playback starts gets the same data
	check_transfer "pcm_notify=1: data through hw:$C,1,7 -> hw:$C,0,7 is bit-exact" \
		-D "hw:$C,1,7" -C "hw:$C,0,7" -f S32_LE -r 48000 -c 2 --capture-first
else
	not_ok "reloads with pcm_notify=1"
fi

if aloop_unload; then
	ok "the loopback unloads"
else
	not_ok "the loopback unloads" "$(cat /proc/asound/cards)"
fi
