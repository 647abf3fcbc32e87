#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# peer: yes
# timeout: 400
#
# Bytes through the cables: every line plays a deterministic pattern with
# loopcheck (test/src/loopcheck.c) and asserts that the other end captured
# silence, then exactly the played frames in order, then silence.  Covers
# both directions, every substream, every format upstream snd-aloop
# offers (plus S8/U8 and non-interleaved access through plughw, which
# converts in alsa-lib), rates, channel counts, the two mmap/rw access
# modes, period sizes that do not divide the rate, different period and
# buffer sizes on the two ends, capture-first, linked streams, cables
# running side by side, and draining.

aloop_load || { not_ok "the loopback loads"; exit 0; }
C=$(aloop_card)
[ -n "$C" ] || { not_ok "the loopback has a card number"; exit 0; }

# lc_fails DESC PATTERN LOOPCHECK-ARGS...: the transfer must be reported as
# a mismatch (exit 1) whose summary matches the grep PATTERN.
lc_fails() {
	_lc_desc=$1
	_lc_pat=$2
	shift 2
	_lc_out=$(loopcheck "$@" 2>&1)
	_lc_rc=$?
	if [ "$_lc_rc" -eq 1 ] && printf '%s\n' "$_lc_out" | grep -q -- "$_lc_pat"; then
		ok "$_lc_desc"
	else
		not_ok "$_lc_desc" "loopcheck $* -> exit $_lc_rc, wanted 1 and '$_lc_pat'" "$_lc_out"
	fi
}

# fwd SUB / rev SUB: the two cables of substream SUB
fwd() { echo "-D hw:$C,0,$1 -C hw:$C,1,$1"; }
rev() { echo "-D hw:$C,1,$1 -C hw:$C,0,$1"; }

# --- capture of an idle cable is silence --------------------------------
for dev in 1 0; do
	rm -f idle.raw
	if arecord -q -D "hw:$C,$dev,0" -t raw -f S16_LE -r 48000 -c 2 \
		-s 12000 idle.raw 2>arecord.err; then
		nz=$(tr -d '\000' <idle.raw | wc -c)
		len=$(wc -c <idle.raw)
		if [ "$len" -eq 48000 ] && [ "$nz" -eq 0 ]; then
			ok "idle capture on hw:$C,$dev,0 reads silence"
		else
			not_ok "idle capture on hw:$C,$dev,0 reads silence" \
				"$len bytes, $nz of them not zero"
		fi
	else
		not_ok "idle capture on hw:$C,$dev,0 reads silence" "$(cat arecord.err)"
	fi
done

# --- the checker itself: corruption on the playing side is caught -------
# shellcheck disable=SC2046
{
lc_fails "checker catches a dropped frame" "skipped 1 frames" $(fwd 0) --inject drop:5000
lc_fails "checker catches a repeated frame" "repeated 1 frames" $(fwd 0) --inject dup:7000 -f S24_3LE
lc_fails "checker catches one flipped bit" "first bad channel 0" $(fwd 0) --inject flip:9000 -f FLOAT_LE
}

# --- every format upstream offers, 48 kHz stereo, both directions -------
for f in S16_LE S24_LE S24_3LE S32_LE FLOAT_LE; do
	# shellcheck disable=SC2046
	check_transfer "format $f dev0->dev1" $(fwd 0) -f "$f"
	# shellcheck disable=SC2046
	check_transfer "format $f dev1->dev0" $(rev 0) -f "$f"
done
for f in S16_BE S24_BE S24_3BE S32_BE FLOAT_BE; do
	# shellcheck disable=SC2046
	check_transfer "format $f dev0->dev1" $(fwd 0) -f "$f"
done
# 8-bit formats: upstream does not offer them, plughw converts to one it
# does (losslessly), so this passes either way
check_transfer "format S8 via plughw" -D "plughw:$C,0,0" -C "plughw:$C,1,0" -f S8 -c 1
check_transfer "format U8 via plughw" -D "plughw:$C,1,1" -C "plughw:$C,0,1" -f U8 -c 2

# --- rates, with period sizes that do not divide them --------------------
# shellcheck disable=SC2046
{
check_transfer "rate 8000, period 100 buffer 400" $(fwd 0) -r 8000 -p 100 -b 400
check_transfer "rate 11025, period 333 buffer 999" $(rev 0) -r 11025 -p 333 -b 999
check_transfer "rate 12345 (continuous), period 500" $(fwd 0) -r 12345 -p 500 -b 1500
check_transfer "rate 44100, period 441 buffer 1764" $(rev 0) -r 44100 -p 441 -b 1764
check_transfer "rate 48000, period 441 buffer 2205" $(fwd 0) -r 48000 -p 441 -b 2205
check_transfer "rate 96000, period 1000 buffer 4000" $(rev 0) -r 96000 -p 1000 -b 4000
check_transfer "rate 192000, period 2048 buffer 8192" $(fwd 0) -r 192000 -p 2048 -b 8192
check_transfer "rate 192000, period 1999 buffer 9995, S32_LE" $(rev 0) -r 192000 -p 1999 -b 9995 -f S32_LE
}

# --- channel counts ------------------------------------------------------
# shellcheck disable=SC2046
{
check_transfer "1 channel S16_LE 8000, period 64 buffer 320" $(fwd 0) -c 1 -r 8000 -p 64 -b 320
check_transfer "1 channel FLOAT_LE 192000" $(rev 0) -c 1 -r 192000 -f FLOAT_LE
check_transfer "3 channels S24_LE 44100" $(fwd 0) -c 3 -r 44100 -f S24_LE
check_transfer "8 channels S32_LE 96000" $(rev 0) -c 8 -r 96000 -f S32_LE
check_transfer "8 channels S24_3LE 48000, period 333" $(fwd 0) -c 8 -f S24_3LE -p 333 -b 1665
check_transfer "32 channels S16_LE 8000" $(fwd 0) -c 32 -r 8000
check_transfer "32 channels FLOAT_LE 48000" $(rev 0) -c 32 -f FLOAT_LE
check_transfer "32 channels S24_3LE 192000" $(fwd 0) -c 32 -r 192000 -f S24_3LE -p 4096 -b 16384
check_transfer "32 channels S32_LE 192000 mmap" $(rev 0) -c 32 -r 192000 -f S32_LE -A mmap-interleaved
}

# --- access modes --------------------------------------------------------
# shellcheck disable=SC2046
{
check_transfer "mmap-interleaved S16_LE" $(fwd 0) -A mmap-interleaved
check_transfer "mmap-interleaved S24_3LE 44100, period 441" $(rev 0) -A mmap-interleaved -f S24_3LE -r 44100 -p 441 -b 2646
check_transfer "mmap-interleaved S24_LE 1ch 8000, period 100" $(fwd 0) -A mmap-interleaved -f S24_LE -c 1 -r 8000 -p 100 -b 300
}
check_transfer "rw-noninterleaved S32_LE 4ch via plughw" -D "plughw:$C,0,2" -C "plughw:$C,1,2" \
	-A rw-noninterleaved -f S32_LE -c 4
check_transfer "mmap-noninterleaved FLOAT_LE 8ch via plughw" -D "plughw:$C,1,2" -C "plughw:$C,0,2" \
	-A mmap-noninterleaved -f FLOAT_LE -c 8
check_transfer "mmap-noninterleaved S16_LE 1ch 8000 via plughw" -D "plughw:$C,0,3" -C "plughw:$C,1,3" \
	-A mmap-noninterleaved -c 1 -r 8000 -p 100 -b 400

# --- every substream, both directions, playback-first and capture-first --
fmts="S16_LE S32_LE FLOAT_LE S24_3LE S24_LE S16_LE S32_LE FLOAT_LE"
s=0
for f in $fmts; do
	first=
	[ $((s % 2)) -eq 1 ] && first=--capture-first
	# shellcheck disable=SC2046,SC2086
	check_transfer "substream $s dev0->dev1 $f ${first:-playback-first}" $(fwd $s) -f "$f" -c 2 $first
	first=
	[ $((s % 2)) -eq 0 ] && first=--capture-first
	# shellcheck disable=SC2046,SC2086
	check_transfer "substream $s dev1->dev0 $f ${first:-playback-first}" $(rev $s) -f "$f" -c 2 $first
	s=$((s + 1))
done

# --- the two ends with different period and buffer sizes -----------------
# shellcheck disable=SC2046
{
check_transfer "playback period 441/1764, capture 100/1000 (44100)" $(fwd 5) -r 44100 -p 441 -b 1764 -P 100 -B 1000
check_transfer "playback period 100/1000, capture 441/1764 (44100)" $(rev 5) -r 44100 -p 100 -b 1000 -P 441 -B 1764
check_transfer "capture-first, capture 4000/8000, playback 1000/3000" $(fwd 6) --capture-first -P 4000 -B 8000 -p 1000 -b 3000
check_transfer "tiny periods: 32 frames, buffer 320, 8000 mono" $(rev 6) -r 8000 -c 1 -p 32 -b 320
check_transfer "large buffer 32768, period 8192, 2 wraps" $(fwd 7) -p 8192 -b 32768 --frames 72000
check_transfer "3 s through a 1536-frame buffer (94 wraps)" $(rev 7) -p 256 -b 1536 --frames 144000
}

# --- linked streams start together ---------------------------------------
# shellcheck disable=SC2046
check_transfer "snd_pcm_link'ed playback and capture" $(fwd 1) --link
# shellcheck disable=SC2046
check_transfer "snd_pcm_link'ed, mmap, capture-first" $(rev 1) --link -A mmap-interleaved --capture-first

# --- cables side by side do not mix -------------------------------------
# substream 2 both directions and substream 3 forward, all at once, with
# different patterns and formats
loopcheck $(fwd 2) --seed 11 -f S16_LE -r 48000 --frames 48000 >par1.out 2>&1 &
p1=$!
loopcheck $(rev 2) --seed 12 -f S32_LE -r 44100 -c 4 --frames 44100 >par2.out 2>&1 &
p2=$!
loopcheck $(fwd 3) --seed 13 -f FLOAT_LE -r 96000 -c 1 --frames 96000 --capture-first >par3.out 2>&1 &
p3=$!
i=1
for p in $p1 $p2 $p3; do
	if wait "$p"; then
		ok "concurrent cable $i"
	else
		not_ok "concurrent cable $i" "$(cat par$i.out)"
	fi
	i=$((i + 1))
done

# --- draining --------------------------------------------------------------
# aplay-style ending: the last write is followed by snd_pcm_drain().  The
# frame count is not a multiple of a jiffy's worth of frames, so the drain
# ends in the middle of a timer tick.  Upstream 6.1 fails this: its
# copy_play_buf() (sound/drivers/aloop.c:588, Debian linux-source-6.1)
# calls clear_capture_buf(), which silences clear_bytes starting at the
# capture's buf_pos (aloop.c:522), that is over the start of the chunk just
# copied instead of after it, so the last frames before the drain's end are
# replaced by silence.
# shellcheck disable=SC2046
check_transfer "drain: every frame arrives before the capture goes silent" $(fwd 4) --drain --frames 24007
# shellcheck disable=SC2046
check_transfer "drain: odd period, 1ch 8000" $(rev 4) --drain -r 8000 -c 1 -p 100 -b 400 --frames 4001

if aloop_unload; then
	ok "the loopback unloads"
else
	not_ok "the loopback unloads" "$(cat /proc/asound/cards)"
fi
