#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# peer: yes
# timeout: 180
#
# Constraint propagation across a cable, with constraints
# (test/src/constraints.c): once one end has its hw_params (alsa-lib also
# prepares it), the other end of the same cable is offered only the same
# format, rate and channel count.  As upstream (without timer_source),
# period and buffer sizes stay free.  Ends that are only open, closed ends
# and other cables do not constrain anything.

aloop_load || { not_ok "the loopback loads"; exit 0; }
C=$(aloop_card)
[ -n "$C" ] || { not_ok "the loopback has a card number"; exit 0; }

# con DESC CONSTRAINTS-ARGS...: ok if constraints exits 0
con() {
	_con_desc=$1
	shift
	if _con_out=$(constraints "$@" 2>&1); then
		ok "$_con_desc"
	else
		not_ok "$_con_desc" "constraints $* -> exit $?" "$_con_out"
	fi
}

# field NAME: the value of NAME= on the "other:" line of $out
field() {
	printf '%s\n' "$out" | sed -n "s/^other: .* $1=\([^ ]*\).*/\1/p"
}

# --- a fresh cable offers what upstream offers --------------------------
out=$(constraints -D "hw:$C,0,0" -C "hw:$C,1,0" --open-only --expect none 2>&1)
formats=$(field formats)
missing=
for f in S16_LE S16_BE S24_LE S24_BE S24_3LE S24_3BE S32_LE S32_BE FLOAT_LE FLOAT_BE; do
	case ",$formats," in
	*",$f,"*) ;;
	*) missing="$missing $f" ;;
	esac
done
if [ -n "$formats" ] && [ -z "$missing" ]; then
	ok "a fresh cable offers upstream's 10 formats"
else
	not_ok "a fresh cable offers upstream's 10 formats" "missing:$missing" "$out"
fi
rate=$(field rate)
rmin=${rate%-*}
rmax=${rate#*-}
if [ -n "$rate" ] && [ "$rmin" -le 8000 ] && [ "$rmax" -ge 192000 ]; then
	ok "a fresh cable offers rates 8000..192000"
else
	not_ok "a fresh cable offers rates 8000..192000" "$out"
fi
ch=$(field channels)
if [ -n "$ch" ] && [ "${ch%-*}" -le 1 ] && [ "${ch#*-}" -ge 32 ]; then
	ok "a fresh cable offers 1..32 channels"
else
	not_ok "a fresh cable offers 1..32 channels" "$out"
fi
printf '%s\n' "$out" | grep -q '^constraints: OK' &&
	ok "an end that is only open locks nothing" ||
	not_ok "an end that is only open locks nothing" "$out"

# --- playback first: the capture end is locked ---------------------------
# sets of "format rate channels period buffer"
sets="S16_LE:48000:2:1024:4096
S32_LE:96000:4:960:3840
FLOAT_LE:44100:1:441:1764
S24_3LE:8000:32:100:400
S24_LE:192000:8:2048:8192
S16_BE:22050:6:300:1200
FLOAT_BE:11025:3:512:1536"
sub=0
for set in $sets; do
	IFS=: read -r f r c p b <<EOF
$set
EOF
	args="-f $f -r $r -c $c -p $p -b $b"
	# shellcheck disable=SC2086
	con "playback $f/$r/${c}ch on hw:$C,0,$sub locks capture hw:$C,1,$sub" \
		-D "hw:$C,0,$sub" -C "hw:$C,1,$sub" $args
	# shellcheck disable=SC2086
	con "playback $f/$r/${c}ch on hw:$C,1,$sub locks capture hw:$C,0,$sub" \
		-D "hw:$C,1,$sub" -C "hw:$C,0,$sub" $args
	# shellcheck disable=SC2086
	con "capture $f/$r/${c}ch on hw:$C,1,$sub locks playback hw:$C,0,$sub" \
		--capture-first -D "hw:$C,0,$sub" -C "hw:$C,1,$sub" $args
	# shellcheck disable=SC2086
	con "capture $f/$r/${c}ch on hw:$C,0,$sub locks playback hw:$C,1,$sub" \
		--capture-first -D "hw:$C,1,$sub" -C "hw:$C,0,$sub" $args
	sub=$((sub + 1))
done

# the values are shown as expected (one case spelled out)
out=$(constraints -D "hw:$C,0,7" -C "hw:$C,1,7" -f S32_LE -r 96000 -c 4 -p 960 -b 3840 2>&1)
check_eq "locked capture offers formats=S32_LE" S32_LE "$(field formats)"
check_eq "locked capture offers rate=96000-96000" 96000-96000 "$(field rate)"
check_eq "locked capture offers channels=4-4" 4-4 "$(field channels)"
check_eq "period and buffer stay free" \
	"locked: format=yes rate=yes channels=yes period=no buffer=no" \
	"$(printf '%s\n' "$out" | grep '^locked:')"

# the checker fails when the expectation is wrong
out=$(constraints -D "hw:$C,0,7" -C "hw:$C,1,7" -f S32_LE -r 96000 -c 4 --expect format,rate,channels,period 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -q '^constraints: FAIL period not locked'; then
	ok "checker: a wrong expectation fails"
else
	not_ok "checker: a wrong expectation fails" "exit $rc" "$out"
fi

# the first end's access mode does not matter
con "mmap-interleaved playback locks the capture too" \
	-D "hw:$C,0,3" -C "hw:$C,1,3" -A mmap-interleaved -f FLOAT_LE -r 32000 -c 2

# --- what does not constrain ---------------------------------------------
con "a closed first end leaves the cable free" \
	-D "hw:$C,0,0" -C "hw:$C,1,0" --close-first --expect none -f S32_LE -r 96000
con "a configured playback does not lock another substream's capture" \
	-D "hw:$C,0,0" -C "hw:$C,1,1" --expect none -f S32_LE -r 96000 -c 4
con "a configured capture does not lock the other cable on its device" \
	--capture-first -D "hw:$C,1,0" -C "hw:$C,1,0" --expect none -f S32_LE -r 96000 -c 4
con "a configured playback does not lock the other cable on its device" \
	-D "hw:$C,0,2" -C "hw:$C,0,2" --expect none -f S24_3LE -r 44100 -c 1

# --- with pcm_notify=1 the rules are the same ----------------------------
if aloop_unload && aloop_load pcm_notify=1; then
	C=$(aloop_card)
	con "pcm_notify=1: playback still locks the capture" \
		-D "hw:$C,0,0" -C "hw:$C,1,0" -f S32_LE -r 96000 -c 4
	con "pcm_notify=1: capture still locks the playback" \
		--capture-first -D "hw:$C,1,4" -C "hw:$C,0,4" -f FLOAT_LE -r 44100 -c 1
else
	not_ok "reloads with pcm_notify=1"
fi

if aloop_unload; then
	ok "the loopback unloads"
else
	not_ok "the loopback unloads" "$(cat /proc/asound/cards)"
fi
