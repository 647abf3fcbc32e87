#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Link following: a loopback end linked with a hardware stream (here by
# alsa-lib's multi plugin, which links its slaves after hw_params and
# before prepare) runs its cable on that stream's clock while linked.
# timeout: 120

# cable_clock DEVICE SUBDEVICE: the item a per-cable Timer Source shows
cable_clock() {
	amixer -c Loopback cget iface=PCM,name='Timer Source',device="$1",subdevice="$2" |
		awk -F"'" '/; Item #/ { split($0, a, "#"); n = a[2] + 0; item[n] = $2 }
			/: values=/ { split($0, v, "="); print item[v[2] + 0] }'
}

card_choice() {
	amixer -c Loopback sget 'Timer Source' | sed -n "s/^ *Item0: '\(.*\)'/\1/p"
}

dummy_load || { not_ok "snd-dummy loads"; exit 0; }
aloop_load || { not_ok "the loopback loads"; exit 0; }
wait_for 5 sh -c "amixer -c Loopback sget 'Timer Source' | grep -q 'Dummy 0.0 playback'"

HOME=/tmp
export HOME
cat >/tmp/.asoundrc <<'CONF'
pcm.linked {
	type multi
	slaves.a { pcm "hw:Dummy,0,0" channels 2 }
	slaves.b { pcm "hw:Loopback,0,0" channels 2 }
	bindings.0 { slave a channel 0 }
	bindings.1 { slave a channel 1 }
	bindings.2 { slave b channel 0 }
	bindings.3 { slave b channel 1 }
}
CONF

check_eq "before: the cable runs on the system clock" "System clock" "$(cable_clock 1 0)"
aplay -q -D linked -t raw -f S16_LE -r 48000 -c 4 -d 3 /dev/zero 2>/tmp/aplay.err &
ap=$!
wait_for 3 sh -c "grep -q 'clock: Dummy 0.0 playback (following)' '/proc/asound/Loopback/cable#0'"
check_eq "while linked: the cable follows the dummy's playback" \
	"Dummy 0.0 playback" "$(cable_clock 1 0)"
check "proc shows the cable following the linked stream" \
	grep -q "clock: Dummy 0.0 playback (following)" "/proc/asound/Loopback/cable#0"
check_eq "the card-wide choice is not changed by the link" "System clock" "$(card_choice)"
check_eq "other cables are not affected" "System clock" "$(cable_clock 1 1)"
if wait "$ap"; then ok "aplay through the multi plugin"; else not_ok "aplay through the multi plugin" "$(cat /tmp/aplay.err)"; fi
check_eq "after the link is gone: back on the system clock" "System clock" "$(cable_clock 1 0)"

# the link overrides a card-wide choice, and the choice comes back after
amixer -q -c Loopback cset name='Timer Source' 'Dummy 0.1 playback'
aplay -q -D linked -t raw -f S16_LE -r 48000 -c 4 -d 2 /dev/zero 2>/tmp/aplay.err &
ap=$!
wait_for 3 sh -c "grep -q 'clock: Dummy 0.0 playback (following)' '/proc/asound/Loopback/cable#0'"
check_eq "the link wins over the card-wide choice" "Dummy 0.0 playback" "$(cable_clock 1 0)"
check_eq "the card-wide choice still reads as set" "Dummy 0.1 playback" "$(card_choice)"
wait "$ap"
check "after the link: the cable is back on the card-wide choice (proc)" \
	sh -c "grep -q 'Cable 0 substream 0' '/proc/asound/Loopback/cable#0' && ! grep -q 'clock: Dummy 0.0' '/proc/asound/Loopback/cable#0'"
