#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# timeout: 300
# alsamixer (alsa-utils), run in tmux: the loopback's "Timer Source" and
# its current item are on screen, keys choose an item, and the items of a
# card hotplugged while alsamixer runs can be chosen at once; the screen
# text is asserted.  alsamixer shows the focused control's value on its
# "Item:" line as "NAME [ITEM]".

# tmux needs unix sockets: every kernel of the rig has them
# (test/vm/patched.config), a kernel without them is a rig error.
if [ ! -e /proc/net/unix ]; then
	not_ok "alsamixer in tmux" "this kernel ($ALOOP_KERNEL) has no unix sockets for tmux"
	exit 0
fi

TS="Timer Source"
SYS="System clock"
export TERM=xterm-256color LC_ALL=C.UTF-8

screen() {
	tmux capture-pane -p -t am 2>&1
}

# on_screen TEXT: the screen shows TEXT within a few seconds
on_screen() {
	wait_for 10 sh -c "tmux capture-pane -p -t am | grep -qF -- \"\$1\"" sh "$1"
}

# expect_screen DESC TEXT
expect_screen() {
	if on_screen "$2"; then
		ok "$1"
	else
		not_ok "$1" "no '$2' on the screen:" "$(screen)"
	fi
}

keys() {
	tmux send-keys -t am "$@"
}

rmmod snd_hrtimer 2>/dev/null
dummy_load || { not_ok "snd-dummy loads"; exit 0; }
aloop_load || { not_ok "the loopback loads"; exit 0; }

if ! tmux -u new-session -d -s am -x 120 -y 30 "alsamixer -c Loopback -V all" 2>/tmp/tmux.err; then
	not_ok "alsamixer starts in tmux" "$(cat /tmp/tmux.err)"
	exit 0
fi
expect_screen "alsamixer shows the loopback card" "Card: Loopback"
expect_screen "the Timer Source control and its item: $SYS" "Item: $TS [$SYS]"
diag "alsamixer's screen:" "$(screen | sed '/^ *$/d')"

keys Up
expect_screen "Up chooses the next item" "Item: $TS [Dummy 0.0 playback]"
check_eq "the card has it" "Dummy 0.0 playback" "$(timersrc get 2>&1)"
keys Up Up Up
expect_screen "three more: Dummy 0.1 capture" "Item: $TS [Dummy 0.1 capture]"
keys Down
expect_screen "Down goes back" "Item: $TS [Dummy 0.1 playback]"

# Another program changes it: alsamixer follows the VALUE event.
amixer -q -c Loopback cset name="$TS" "Dummy 0.7 capture"
expect_screen "a change by amixer is shown" "Item: $TS [Dummy 0.7 capture]"

# A card hotplugged now: its items come after Dummy's (sorted by id).
skew_load || { not_ok "the skewed test card loads"; exit 0; }
wait_for 5 sh -c "timersrc items | grep -q 'Skew 0.0 playback'"
keys Up
expect_screen "after a hotplug, Up goes on to the new card's first item" "Item: $TS [Skew 0.0 playback]"
check_eq "the card has it" "Skew 0.0 playback" "$(timersrc get 2>&1)"

# The chosen card goes: the choice stays on screen (a placeholder item).
skew_unload
wait_for 5 sh -c "! timersrc items | grep -q 'Skew 0.0 capture'"
expect_screen "the chosen card unplugged: alsamixer still shows the choice" "Item: $TS [Skew 0.0 playback]"
keys Down
expect_screen "Down from the placeholder: the last of Dummy's items" "Item: $TS [Dummy 0.7 capture]"

keys Escape
wait_for 5 sh -c '! tmux has-session -t am 2>/dev/null'
check "alsamixer quits on Escape" sh -c '! tmux has-session -t am 2>/dev/null'
tmux kill-server 2>/dev/null || :
