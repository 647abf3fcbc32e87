# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# peer: yes
# timeout: 120
#
# Smoke test of the rig and the basic cable: load the loopback, play one
# second of noise into hw:Loopback,0,0 and find it, bit-exact after the
# leading silence, in what hw:Loopback,1,0 recorded meanwhile.

if ! check "module loads" aloop_load; then
	exit 0
fi
check "/proc/asound/Loopback exists" test -d /proc/asound/Loopback
card=$(aloop_card)
check "card number is known" test -n "$card"

fmt="-t raw -f S16_LE -r 48000 -c 2"
gen_noise play.raw 192000 # 1 s of S16_LE, 48 kHz, stereo
# Capture starts first and runs past the end of playback, so the recording
# is silence, then the noise, then silence again.
# shellcheck disable=SC2086
arecord -q -D "hw:Loopback,1,0" $fmt -d 3 rec.raw 2>arecord.err &
rec=$!
sleep 0.5
# shellcheck disable=SC2086
check "aplay to hw:Loopback,0,0" aplay -q -D "hw:Loopback,0,0" $fmt play.raw
if wait "$rec"; then
	ok "arecord from hw:Loopback,1,0"
else
	not_ok "arecord from hw:Loopback,1,0" "$(cat arecord.err)"
fi
check "recording holds the played noise" match_after_silence play.raw rec.raw

check "module unloads" aloop_unload
