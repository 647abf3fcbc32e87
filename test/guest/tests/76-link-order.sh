#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Link following in the orders applications use and the ones they must
# survive, driven by linktest (test/src/linktest.c): JACK2's order
# (hw_params, link, prepare, start), a link after prepare and while
# running, unlink, closing either side while linked, the other card
# removed while linked, two cables linked with two cards, and threads
# racing link, unlink, start, stop and Timer Source writes.
#
# On a kernel with the link_changed PCM op (kernel/patches/: $ALOOP_KERNEL
# patched or kasan) the cable follows every link and unlink at once; on a
# stock kernel it looks at the link in prepare only, so a link made after
# prepare and an unlink are seen at the next prepare, hw_free or close.
# Both behaviours are asserted, each on its kernel.
# timeout: 420

case ${ALOOP_KERNEL:-stock} in
patched | kasan) hook=yes ;;
*) hook=no ;;
esac
SYS="System clock"
D="Dummy 0.0 playback"
S="Skew 0.0 playback"
DUMMY_DRV=/sys/bus/platform/drivers/snd_dummy

# now_or_later HOOK-VALUE STOCK-VALUE: what the cable shows right after a
# link change, on this kernel
now_or_later() { if [ "$hook" = yes ]; then echo "$1"; else echo "$2"; fi; }

# lt DESC LINKTEST-ARGS...: one scripted run; ok when every check held
lt() {
	_lt_desc=$1
	shift
	_lt_out=$(linktest "$@" 2>&1)
	_lt_rc=$?
	if [ "$_lt_rc" -eq 0 ]; then
		ok "$_lt_desc"
	else
		not_ok "$_lt_desc" "linktest -> exit $_lt_rc" "$_lt_out"
	fi
	printf '%s\n' "$_lt_out"
}

dummy_load || { not_ok "snd-dummy loads"; exit 0; }
skew_load ppm=5000 || { not_ok "snd-skewcard loads"; exit 0; }
aloop_load || { not_ok "the loopback loads"; exit 0; }
wait_for 5 sh -c "amixer -c Loopback sget 'Timer Source' | grep -q '$S'"

# Our module uses the op exactly where the kernel has it.
if grep -qw aloop_link_changed /proc/kallsyms; then built=yes; else built=no; fi
check_eq "the module uses the link_changed op: $hook on the $ALOOP_KERNEL kernel" "$hook" "$built"

L="-s loop=p:hw:Loopback,0,0 -s hw=p:hw:Dummy,0,0"

# shellcheck disable=SC2086 # $L is a list of options
lt "JACK2 order (hw_params, link, prepare, start): follows the dummy from prepare" $L \
	open:hw open:loop params:hw params:loop link:hw:loop \
	"expect:1.0:$(now_or_later "$D" "$SYS")" \
	prepare:hw "expect:1.0:$D" start:hw state:loop:RUNNING \
	"expect:card:$SYS" "expect:1.1:$SYS" \
	drop:hw hwfree:loop "expect:1.0:$SYS" close:loop close:hw

# shellcheck disable=SC2086
lt "link after prepare: followed $(now_or_later "at once" "from the next prepare")" $L \
	open:hw open:loop params:hw params:loop prepare:hw prepare:loop \
	link:hw:loop "expect:1.0:$(now_or_later "$D" "$SYS")" \
	prepare:hw "expect:1.0:$D" close:loop "expect:1.0:$SYS" close:hw

# shellcheck disable=SC2086
lt "link while both run: followed $(now_or_later "at once" "from the next prepare")" $L \
	open:hw open:loop params:hw params:loop prepare:hw prepare:loop \
	start:hw start:loop link:hw:loop state:loop:RUNNING \
	"expect:1.0:$(now_or_later "$D" "$SYS")" \
	close:hw close:loop "expect:1.0:$SYS"

# shellcheck disable=SC2086
lt "unlink while running: back on the choice $(now_or_later "at once" "at hw_free")" $L \
	open:hw open:loop params:hw params:loop link:hw:loop prepare:hw start:hw \
	"expect:1.0:$D" unlink:loop "expect:1.0:$(now_or_later "$SYS" "$D")" \
	state:loop:RUNNING drop:loop prepare:loop "expect:1.0:$SYS" \
	close:loop close:hw

# shellcheck disable=SC2086
lt "the hardware stream closed while linked: $(now_or_later "back at once" "kept until the next prepare")" $L \
	open:hw open:loop params:hw params:loop link:hw:loop prepare:hw start:hw \
	"expect:1.0:$D" close:hw "expect:1.0:$(now_or_later "$SYS" "$D")" \
	state:loop:RUNNING drop:loop prepare:loop "expect:1.0:$SYS" close:loop

# shellcheck disable=SC2086
lt "the loopback end closed while linked: its cable is back on the choice" $L \
	open:hw open:loop params:hw params:loop link:hw:loop prepare:hw start:hw \
	"expect:1.0:$D" close:loop "expect:1.0:$SYS" state:hw:RUNNING close:hw

# shellcheck disable=SC2086
lt "hw_free drops the link; prepared again while still linked, it is followed again" $L \
	open:hw open:loop params:hw params:loop link:hw:loop prepare:hw \
	"expect:1.0:$D" hwfree:loop "expect:1.0:$SYS" params:loop prepare:loop \
	"expect:1.0:$D" close:loop "expect:1.0:$SYS" close:hw

# The card-wide choice under a link, and back after it.
amixer -q -c Loopback cset name='Timer Source' "$S"
# shellcheck disable=SC2086
lt "a link wins over the card-wide choice; the choice is back after it" $L \
	open:hw open:loop params:hw params:loop link:hw:loop prepare:hw \
	"expect:1.0:$D" "expect:card:$S" "expect:1.1:$S" hwfree:loop \
	"expect:1.0:$S" close:loop close:hw
amixer -q -c Loopback cset name='Timer Source' "$SYS"

# Two cables linked with two cards follow each their own, and keep pace
# with it: the skew card runs 5000 ppm fast, 960 frames in 4 s, so the
# tolerance of 300 frames tells following from not following.
lt "two cables linked with two cards: each follows its own, at its pace" \
	$L -s loop2=p:hw:Loopback,0,1 -s hw2=p:hw:Skew,0,0 -p 256 -t 300 \
	open:hw open:loop open:hw2 open:loop2 params:hw params:loop \
	params:hw2 params:loop2 link:hw:loop link:hw2:loop2 prepare:hw \
	prepare:hw2 "expect:1.0:$D" "expect:1.1:$S" start:hw start:hw2 \
	sleep:2500 track:hw2:loop2:4 track:hw:loop:2 \
	close:loop2 close:hw2 close:loop close:hw
# The same without the link: the loopback keeps its own clock and the
# check above would have failed.
out=$(linktest -s loop2=p:hw:Loopback,0,1 -s hw2=p:hw:Skew,0,0 -p 256 -t 300 \
	open:hw2 open:loop2 params:hw2 params:loop2 prepare:hw2 prepare:loop2 \
	start:hw2 start:loop2 "expect:1.1:$SYS" sleep:2500 track:hw2:loop2:4 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && printf '%s\n' "$out" | grep -q '^FAIL: hw2 and loop2 differ'; then
	ok "without the link the skew card drifts away from the loopback (the track check can fail)"
else
	not_ok "without the link the skew card drifts away from the loopback (the track check can fail)" \
		"linktest -> exit $rc, wanted 1 and a track failure" "$out"
fi
printf '%s\n' "$out"

# The card removed while linked: its driver unbound, which waits for the
# open stream to close; the cable falls back to its choice meanwhile.
# shellcheck disable=SC2086
lt "the dummy unbound while linked and running: fallback, no hang" $L \
	open:hw open:loop params:hw params:loop link:hw:loop prepare:hw start:hw \
	"expect:1.0:$D" "bg:echo snd_dummy.0 >$DUMMY_DRV/unbind" \
	"await:1.0:$SYS:5000" state:hw:DISCONNECTED close:hw wait \
	state:loop:RUNNING "expect:1.0:$SYS" close:loop
check "after the unbind the dummy's items are gone" \
	sh -c "! amixer -c Loopback sget 'Timer Source' | grep -q Dummy"
echo snd_dummy.0 >$DUMMY_DRV/bind
wait_for 5 sh -c "amixer -c Loopback sget 'Timer Source' | grep -q '$D'"

# Threads racing for a bounded time; then the state must add up and the
# cable must still carry audio exactly.
for seed in 1 2 3; do
	lt "race link/unlink/prepare/start/stop, Timer Source writes, the other end (seed $seed)" \
		-s loop=p:hw:Loopback,0,0 -s other=c:hw:Loopback,1,0 \
		-s hw=p:hw:Dummy,0,0 --seed "$seed" -p 256 race 8
done
amixer -q -c Loopback cset name='Timer Source' "$SYS"
check "after the races the cable carries a pattern exactly" \
	loopcheck -D hw:Loopback,0,0 -C hw:Loopback,1,0
