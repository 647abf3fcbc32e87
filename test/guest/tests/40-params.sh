#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# peer: yes
# timeout: 240
#
# Module parameters as upstream snd-aloop has them: pcm_substreams (1..8,
# clamped: 0 and negative give 1, more than 8 gives 8), enable, index, id,
# several cards, and unloading while a stream is open.  Every load is
# followed by a short bit-exact transfer with loopcheck.

# subs CARD: subdevices_count of pcm0p pcm0c pcm1p pcm1c
subs() {
	for _p in pcm0p pcm0c pcm1p pcm1c; do
		_v=$(sed -n 's/^subdevices_count: //p' "/proc/asound/card$1/$_p/info" 2>/dev/null)
		echo "${_v:-?}"
	done | tr '\n' ' ' | sed 's/ $//'
}

# nctl CARD: number of upstream per-cable controls
nctl() {
	amixer -c "$1" controls 2>&1 |
		grep -c -E "iface=PCM,name='PCM (Rate Shift 100000|Notify|Slave Active|Slave Format|Slave Rate|Slave Channels)'"
}

# load DESC PARAMS...: aloop_load, reported
load() {
	_ld_desc=$1
	shift
	if _ld_out=$(aloop_load "$@" 2>&1); then
		ok "$_ld_desc"
		return 0
	fi
	not_ok "$_ld_desc" "$_ld_out"
	return 1
}

unload() {
	if aloop_unload; then
		ok "$1: unloads"
	else
		not_ok "$1: unloads" "$(cat /proc/asound/cards)"
	fi
}

# xfer DESC PLAYBACK CAPTURE [LOOPCHECK-ARGS...]
xfer() {
	_x_desc=$1
	_x_play=$2
	_x_cap=$3
	shift 3
	check_transfer "$_x_desc" -D "$_x_play" -C "$_x_cap" --frames 12000 "$@"
}

# --- default ---------------------------------------------------------------
if load "default: loads" ; then
	C=$(aloop_card)
	check_eq "default: card id Loopback" Loopback "$(cat /proc/asound/card"$C"/id)"
	check_eq "default: 8 substreams on pcm0p pcm0c pcm1p pcm1c" "8 8 8 8" "$(subs "$C")"
	check_eq "default: 96 per-cable controls" 96 "$(nctl "$C")"
	check_eq "default: /proc/asound/cards: 'Loopback - Loopback', 'Loopback 1'" \
		"Loopback - Loopback|Loopback 1" \
		"$(grep -A1 "^ *$C \[" /proc/asound/cards | sed '1s/^.*\]: //;2s/^ *//' |
			tr '\n' '|' | sed 's/|$//')"
	check_eq "default: PCM name 'Loopback PCM'" "Loopback PCM" \
		"$(sed -n 's/^name: //p' /proc/asound/card"$C"/pcm1c/info)"
	xfer "default: data through hw:$C,0,7 -> hw:$C,1,7" "hw:$C,0,7" "hw:$C,1,7"
	unload default
fi

# --- pcm_substreams ----------------------------------------------------------
for n in 1 3 8; do
	if load "pcm_substreams=$n: loads" pcm_substreams=$n; then
		C=$(aloop_card)
		check_eq "pcm_substreams=$n: $n substreams each" "$n $n $n $n" "$(subs "$C")"
		check_eq "pcm_substreams=$n: $((n * 12)) per-cable controls" $((n * 12)) "$(nctl "$C")"
		last=$((n - 1))
		xfer "pcm_substreams=$n: data through hw:$C,1,$last -> hw:$C,0,$last" \
			"hw:$C,1,$last" "hw:$C,0,$last"
		out=$(loopcheck -D "hw:$C,0,$n" -C "hw:$C,1,$n" --frames 4800 2>&1)
		rc=$?
		check_eq "pcm_substreams=$n: substream $n does not exist (setup error)" 2 "$rc"
		unload "pcm_substreams=$n"
	fi
done
# out of range: upstream clamps into 1..8 and loads
for spec in 0:1 -3:1 9:8 100:8; do
	n=${spec%:*}
	want=${spec#*:}
	if load "pcm_substreams=$n: loads (clamped)" pcm_substreams=$n; then
		C=$(aloop_card)
		check_eq "pcm_substreams=$n: clamped to $want" "$want $want $want $want" "$(subs "$C")"
		xfer "pcm_substreams=$n: data through hw:$C,0,0 -> hw:$C,1,0" \
			"hw:$C,0,0" "hw:$C,1,0"
		unload "pcm_substreams=$n"
	fi
done

# --- enable=0: nothing to create, the load fails cleanly ------------------
if aloop_load enable=0 >load.out 2>&1; then
	not_ok "enable=0: the load is refused" "it loaded: $(cat /proc/asound/cards)"
	aloop_unload
else
	ok "enable=0: the load is refused"
fi
if [ -d /sys/module/snd_aloop ]; then
	not_ok "enable=0: no module is left loaded"
	aloop_unload
else
	ok "enable=0: no module is left loaded"
fi
check_eq "enable=0: no Loopback card" "" \
	"$(grep -l Loopback /proc/asound/card*/id 2>/dev/null)"

# --- index, id -------------------------------------------------------------
if load "index=5: loads" index=5; then
	check_eq "index=5: card number 5" 5 "$(aloop_card)"
	xfer "index=5: data through hw:5,0,0 -> hw:5,1,0" hw:5,0,0 hw:5,1,0
	unload "index=5"
fi
if load "id=MyLoop: loads" id=MyLoop; then
	C=$(aloop_card MyLoop)
	check_eq "id=MyLoop: /proc/asound/MyLoop is the card" MyLoop \
		"$(cat /proc/asound/card"$C"/id 2>&1)"
	xfer "id=MyLoop: data through hw:MyLoop,1,3 -> hw:MyLoop,0,3" \
		hw:MyLoop,1,3 hw:MyLoop,0,3 -f S32_LE
	check_eq "id=MyLoop: controls on card MyLoop" 96 "$(nctl MyLoop)"
	unload "id=MyLoop"
fi

# --- two cards ---------------------------------------------------------------
if load "enable=1,1 id=LoopA,LoopB pcm_substreams=2,4: loads" \
	enable=1,1 id=LoopA,LoopB pcm_substreams=2,4; then
	if wait_for 10 test -e /proc/asound/LoopB; then
		ok "two cards: LoopB appears"
		A=$(aloop_card LoopA)
		B=$(aloop_card LoopB)
		check_eq "two cards: LoopA has 2 substreams each" "2 2 2 2" "$(subs "$A")"
		check_eq "two cards: LoopB has 4 substreams each" "4 4 4 4" "$(subs "$B")"
		check_eq "two cards: long names Loopback 1 and Loopback 2" \
			"Loopback 1 Loopback 2" \
			"$(grep -A1 -E '\[(LoopA|LoopB) *\]' /proc/asound/cards |
				grep -v '\[' | sed 's/^ *//' | tr '\n' ' ' | sed 's/ $//')"
		loopcheck -D hw:LoopA,0,1 -C hw:LoopA,1,1 --seed 3 >a.out 2>&1 &
		pa=$!
		loopcheck -D hw:LoopB,0,1 -C hw:LoopB,1,1 --seed 4 -f FLOAT_LE >b.out 2>&1 &
		pb=$!
		if wait "$pa"; then ok "two cards: data through LoopA"; else not_ok "two cards: data through LoopA" "$(cat a.out)"; fi
		if wait "$pb"; then ok "two cards: data through LoopB at the same time"; else not_ok "two cards: data through LoopB at the same time" "$(cat b.out)"; fi
	else
		not_ok "two cards: LoopB appears" "$(cat /proc/asound/cards)"
	fi
	unload "two cards"
fi

# --- unloading while a stream is open -------------------------------------
if load "busy: loads"; then
	C=$(aloop_card)
	aplay -q -D "hw:$C,0,0" -t raw -f S16_LE -r 48000 -c 2 -d 2 /dev/zero 2>/dev/null &
	ap=$!
	wait_for 5 grep -q RUNNING /proc/asound/card"$C"/pcm0p/sub0/status
	if rmmod snd_aloop 2>/dev/null; then
		not_ok "busy: rmmod is refused while a PCM is open"
	else
		ok "busy: rmmod is refused while a PCM is open"
	fi
	wait "$ap"
	unload "busy (after the stream closed)"
fi

# --- no splat from any of it ---------------------------------------------
splat=$(dmesg | grep -E 'BUG:|Oops|WARNING:|general protection|Call Trace|UBSAN|KASAN|refcount_t' | head -n 20)
check_eq "no oops, BUG or WARNING in dmesg" "" "$splat"
