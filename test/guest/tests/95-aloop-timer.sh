#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# timeout: 900
# aloop-timer (udev/aloop-timer.c), as installed by make install: every
# command, its output, its errors and exit statuses, --help against the
# man page; memcheck (valgrind) must find no error and no leak in runs
# that cover every command and error path (vat*: about 11 s each here).
# memcheck checks the program, not the kernel: it runs on the stock kernel
# only, elsewhere the same runs go without it.
#
# Exit statuses: 0 ok, 1 failure, 2 usage, 3 unknown name, 4 no loopback
# card, 5 no permission.  `apply` is given -f (a state file of the test's
# own); 96-alsactl uses the system one.

AT=/usr/bin/aloop-timer
TS="Timer Source"
SYS="System clock"
PROC=/proc/asound/Loopback/timer_source
VGDIR=/tmp/vg
# VG: the memcheck command line, empty where memcheck does not run
VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible"
[ "${ALOOP_KERNEL:-stock}" = stock ] || VG=
mkdir -p "$VGDIR"
rm -f "$VGDIR"/*
vgn=0
vg_bad=

# at EXPECTED_STATUS ARGS...: run aloop-timer; stdout in /tmp/at.out,
# stderr in /tmp/at.err, its status in $rc.  vat: the same under memcheck;
# a valgrind report fails here and is counted at the end.
at() {
	_at plain "$@"
}

vat() {
	_at vg "$@"
}

_at() {
	_how=$1
	_want=$2
	shift 2
	if [ "$_how" = vg ] && [ -n "$VG" ]; then
		vgn=$((vgn + 1))
		# shellcheck disable=SC2086 # $VG is a command line
		$VG --log-file="$VGDIR/$vgn.log" "$AT" "$@" >/tmp/at.out 2>/tmp/at.err
		rc=$?
		vg_check "aloop-timer $*"
	else
		"$AT" "$@" >/tmp/at.out 2>/tmp/at.err
		rc=$?
	fi
	if [ "$rc" != "$_want" ]; then
		not_ok "aloop-timer $* exits with $_want" "exit status $rc" \
			"stdout: $(cat /tmp/at.out)" "stderr: $(cat /tmp/at.err)"
		return 1
	fi
	return 0
}

# vg_check DESC: the last valgrind run ($vgn) reported nothing
vg_check() {
	if [ -s "$VGDIR/$vgn.log" ]; then
		vg_bad="$vg_bad $vgn"
		not_ok "valgrind is clean for $1" "$(head -n 30 "$VGDIR/$vgn.log")"
	fi
}

# at_eq DESC STATUS EXPECTED_STDOUT ARGS... (vat_eq: under memcheck)
at_eq() {
	_runner=at
	_at_eq "$@"
}

vat_eq() {
	_runner=vat
	_at_eq "$@"
}

_at_eq() {
	_d=$1
	_s=$2
	_e=$3
	shift 3
	$_runner "$_s" "$@" && check_eq "$_d" "$_e" "$(cat /tmp/at.out)"
}

# at_err DESC STATUS STDERR_FIRST_LINE ARGS... (vat_err: under memcheck)
at_err() {
	_runner=at
	_at_err "$@"
}

vat_err() {
	_runner=vat
	_at_err "$@"
}

_at_err() {
	_d=$1
	_s=$2
	_e=$3
	shift 3
	$_runner "$_s" "$@" && check_eq "$_d" "$_e" "$(head -n 1 /tmp/at.err)"
}

# choice: the card-wide choice as test/src/timersrc reads it
choice() {
	timersrc get 2>&1
}

# --- without any card --------------------------------------------------------
rmmod snd_hrtimer 2>/dev/null
vat 0 --help && check_eq "--help starts with the usage line" \
	"Usage: aloop-timer [OPTION]... COMMAND [NAME]" "$(head -n 1 /tmp/at.out)"
cp /tmp/at.out /tmp/help.txt
ver=$(sed -n 's/^version: *//p' /opt/aloop/snd-aloop.modinfo)
at_eq "--version: the module's version (dkms.conf)" 0 "aloop-timer $ver" --version

# --help and the man page name the same commands, options and statuses.
MAN=/usr/share/man/man1/aloop-timer.1
help_opts=$(grep -o -- '--[a-z-]*' /tmp/help.txt | sort -u | tr '\n' ' ')
man_opts=$(sed -n 's/^\.B[IR]* *"*\\-\(.\), *\\-\\-\([a-z\\-]*\).*/--\2/p; s/^\.B[IR]* *"*\\-\\-\([a-z\\-]*\).*/--\1/p' "$MAN" |
	sed 's/\\//g; s/=.*//' | sort -u | tr '\n' ' ')
check_eq "--help and the man page have the same long options" "$help_opts" "$man_opts"
help_short=$(sed -n 's/^  -\(.\), --.*/\1/p' /tmp/help.txt | sort | tr -d '\n')
man_short=$(sed -n 's/^\.B[IR]* *"*\\-\(.\), .*/\1/p' "$MAN" | sort | tr -d '\n')
check_eq "--help and the man page have the same short options" "$help_short" "$man_short"
help_cmds=$(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p' /tmp/help.txt | tr '\n' ' ')
man_cmds=$(sed -n '/^\.SH COMMANDS/,/^\.SH/{/^\.TP/{n;s/^\.BI* "*\([a-z]*\).*/\1/p}}' "$MAN" | tr '\n' ' ')
check_eq "--help lists the commands" "list get set watch apply " "$help_cmds"
check_eq "--help and the man page list the same commands" "$help_cmds" "$man_cmds"
help_st=$(sed -n '/^Exit status:/,$p' /tmp/help.txt | tr '\n' ' ' |
	sed 's/^Exit status: //; s/\. *$//; s/, /|/g' | tr '|' '\n' | tr 'A-Z' 'a-z')
man_st=$(sed -n '/^\.SH "EXIT STATUS"/,/^\.SH [A-Z]/{/^\.B [0-9]$/{s/^\.B //;N;s/\n/ /;p}}' "$MAN" |
	sed 's/\\f[BIR]//g; s/[:.].*//' | tr 'A-Z' 'a-z')
check_eq "--help and the man page give the same exit statuses" "$help_st" "$man_st"

vat_err "no command: usage error" 2 "aloop-timer: no command given"
at_err "unknown command: usage error" 2 "aloop-timer: unknown command 'frob'" frob
at_err "set without NAME: usage error" 2 "aloop-timer: set: give one NAME" set
at_err "get with an argument: usage error" 2 "aloop-timer: get: takes no argument" get x
at_err "an option of apply with get: usage error" 2 \
	"aloop-timer: get: --file, --force, --no-lock and --quiet are options of apply" get --force
at_err "an option of watch with apply: usage error" 2 \
	"aloop-timer: apply: --count and --timeout are options of watch" apply --count 2
at_err "watch --count 0: usage error" 2 "aloop-timer: --count: '0' is not a number above 0" watch --count 0
at_err "watch --timeout x: usage error" 2 \
	"aloop-timer: --timeout: 'x' is not a number of seconds above 0" watch --timeout x
at 2 --frobnicate && check_eq "an unknown option: usage error" "Try 'aloop-timer --help'." \
	"$(tail -n 1 /tmp/at.err)"

NOCARD='aloop-timer: no loopback card with a "Timer Source" control (is snd-aloop loaded?)'
vat_err "no card: list says so" 4 "$NOCARD" list
at_err "no card: get says so" 4 "$NOCARD" get
at_err "no card: set says so" 4 "$NOCARD" set "$SYS"
vat_eq "no card: apply has nothing to do" 0 "no loopback card: nothing to apply" apply
at_err "--card 7 names no card" 4 "aloop-timer: no sound card '7'" --card 7 get
at_err "--card names no card: apply" 4 "aloop-timer: no sound card 'Nope'" -c Nope apply

# --- the in-tree snd-aloop has no Timer Source control ------------------------
if modprobe snd-aloop; then
	vat_err "in-tree snd-aloop: get says no loopback card of this driver" 4 \
		'aloop-timer: no loopback card with a "Timer Source" control (the in-tree snd-aloop is loaded, not this one)' get
	at_err "in-tree snd-aloop, by name" 4 \
		"aloop-timer: card 'Loopback' is the in-tree snd-aloop, which has no \"$TS\" control" -c Loopback list
	_aloop_rmmod snd_aloop
else
	not_ok "the in-tree snd-aloop loads"
fi

# --- one loopback card, snd-dummy ---------------------------------------------
dummy_load || { not_ok "snd-dummy loads"; exit 0; }
aloop_load || { not_ok "the loopback loads"; exit 0; }
lc=$(aloop_card)
dc=$(aloop_card Dummy)
vat_err "--card names a card that is no loopback card" 4 \
	"aloop-timer: card 'Dummy' is no loopback card" -c Dummy get

vat_eq "get: the system clock" 0 "$SYS" get
for c in Loopback "$lc" "hw:$lc"; do
	at_eq "get --card $c" 0 "$SYS" --card "$c" get
done

items() {
	_mark=$1
	_i=0
	for _n in "$SYS" $(for d in 0; do for s in 0 1 2 3 4 5 6 7; do
		echo "Dummy_$d.${s}_playback Dummy_$d.${s}_capture"; done; done); do
		_n=$(echo "$_n" | tr _ ' ')
		_m=' '
		[ "$_n" = "$_mark" ] && _m='*'
		printf '  %s %2u  %s\n' "$_m" "$_i" "$_n"
		_i=$((_i + 1))
	done
}
want="Loopback (card $lc):
  items:
$(items "$SYS")
  cables:
    none open"
vat_eq "list: items, the choice marked, no cable open" 0 "$want" list

vat_eq "set an exact name" 0 "Dummy 0.3 capture" set "Dummy 0.3 capture"
check_eq "set: amixer and proc show it" "'Dummy 0.3 capture'|Dummy 0.3 capture" \
	"$(amixer -c Loopback sget "$TS" | sed -n 's/^ *Item0: //p')|$(cat $PROC)"
at_eq "set a unique prefix" 0 "Dummy 0.5 playback" set "Dummy 0.5 p"
vat 3 set "Dummy 0.5" && check_eq "set an ambiguous prefix: both candidates listed" \
	"aloop-timer: Loopback: several items start with 'Dummy 0.5'; the items are:
  Dummy 0.5 playback
  Dummy 0.5 capture" "$(cat /tmp/at.err)"
at 3 set "Nope" && check_eq "set an unknown name: all items listed" \
	"aloop-timer: Loopback: no item 'Nope'; the items are:
$(items none | sed 's/^ *[0-9]*  /  /')" "$(cat /tmp/at.err)"
at_err "set an empty name" 3 "aloop-timer: Loopback: no item ''; the items are:" set ""
check_eq "refused names changed nothing" "Dummy 0.5 playback" "$(choice)"

# A card that is absent: only the proc file takes its name (root).
vat_eq "set the item name of an absent card (root, proc)" 0 "USB 1.0 capture" set "USB 1.0 capture"
at 0 list && check_eq "list: the absent choice is marked (absent), at its sorted place" \
	"  * 17  USB 1.0 capture  (absent)" "$(grep 'USB' /tmp/at.out)"

# --- no permission -------------------------------------------------------------
grep -q '^nobody:' /etc/passwd || echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
grep -q '^nogroup:' /etc/group || echo 'nogroup:x:65534:' >>/etc/group
as_nobody() {
	su -s /bin/sh nobody -c "$*"
}
out=$(as_nobody "$AT get" 2>&1)
rc=$?
check_eq "as nobody without access to the control device: status 5" \
	"5|aloop-timer: card $lc: cannot open its controls: Permission denied" "$rc|$out"
chmod 666 /dev/snd/controlC"$lc"
out=$(as_nobody "$AT set 'Dummy 0.1 capture'" 2>&1)
rc=$?
check_eq "as nobody with access to the control device: set works" "0|Dummy 0.1 capture" "$rc|$out"
out=$(as_nobody "$AT set 'USB 2.0 capture'" 2>&1)
rc=$?
check_eq "as nobody: an absent card's name needs root: status 5" \
	"5|aloop-timer: Loopback: 'USB 2.0 capture' is not listed (its card is absent); choosing it needs root, to write /proc/asound/card$lc/timer_source: Permission denied" \
	"$rc|$out"
alsactl -f /tmp/p.state store Loopback
at_eq "set it back as root" 0 "$SYS" set "$SYS"
out=$(as_nobody "$AT apply -f /tmp/p.state" 2>&1)
rc=$?
# alsactl's lock file, or else the proc file (with a world-writable
# /var/lock as Debian's /run/lock)
case "$rc|$out" in
"5|aloop-timer: Loopback: cannot take alsactl's lock /var/lock/card$lc.lock: Permission denied" | \
"5|aloop-timer: Loopback: cannot write /proc/asound/card$lc/timer_source: Permission denied")
	ok "as nobody: apply needs root: status 5" ;;
*) not_ok "as nobody: apply needs root: status 5" "$rc|$out" ;;
esac
chmod 600 /dev/snd/controlC"$lc"

# --- cables --------------------------------------------------------------------
at_eq "set Dummy 0.2 playback" 0 "Dummy 0.2 playback" set "Dummy 0.2 playback"
aplay -q -D hw:Loopback,0,1 -t raw -f S16_LE -r 48000 -c 2 \
	--period-size=1024 --buffer-size=16384 /dev/zero >/dev/null 2>&1 &
lp=$!
wait_for 5 grep -q RUNNING /proc/asound/Loopback/pcm0p/sub1/status
at 0 list && check_eq "list: the open cable runs on the system clock, waiting for the card" \
	"  cables:
    0,1 -> 1,1  $SYS (waiting)" "$(sed -n '/^  cables:/,$p' /tmp/at.out)"

rm -f /tmp/w.out
"$AT" watch --timeout 30 >/tmp/w.out 2>&1 &
wp=$!
wait_for 5 grep -q "^Loopback choice" /tmp/w.out
aplay -q -D hw:Dummy,0,2 -t raw -f S16_LE -r 48000 -c 2 \
	--period-size=1024 --buffer-size=16384 /dev/zero >/dev/null 2>&1 &
dp=$!
wait_for 5 grep -q "cable 0,1 -> 1,1 Dummy 0.2 playback" /tmp/w.out
vat 0 list && check_eq "list: the cable follows the card once its stream runs" \
	"  cables:
    0,1 -> 1,1  Dummy 0.2 playback (following)" "$(sed -n '/^  cables:/,$p' /tmp/at.out)"
kill "$dp"
wait "$dp" 2>/dev/null
wait_for 5 grep -q "cable 0,1 -> 1,1 $SYS" /tmp/w.out
kill "$lp"
wait "$lp" 2>/dev/null
kill -INT "$wp"
wait "$wp"
rc=$?
# Under a busy guest the card's ticks may come late and the cable hold
# over on the system clock for a while: the lines may repeat.
check_eq "watch: the current choice, then the cable on the card, last on the system clock; SIGINT ends it with 0" \
	"Loopback choice Dummy 0.2 playback|Loopback cable 0,1 -> 1,1 Dummy 0.2 playback|Loopback cable 0,1 -> 1,1 $SYS|0|0" \
	"$(head -n 2 /tmp/w.out | tr '\n' '|')$(tail -n 1 /tmp/w.out)|$(grep -c -v -e '^Loopback cable 0,1 -> 1,1 Dummy 0.2 playback$' -e "^Loopback cable 0,1 -> 1,1 $SYS\$" -e '^Loopback choice Dummy 0.2 playback$' /tmp/w.out)|$rc"

# watch under valgrind: choice, items, cards coming and going.
rm -f /tmp/w.out
vgn=$((vgn + 1))
# shellcheck disable=SC2086
${VG:+$VG --log-file=$VGDIR/$vgn.log} "$AT" watch --timeout 120 >/tmp/w.out 2>&1 &
wp=$!
wait_for 60 grep -q "^Loopback choice" /tmp/w.out ||
	not_ok "watch (valgrind) starts" "$(cat /tmp/w.out)"
amixer -q -c Loopback cset name="$TS" "Dummy 0.0 playback"
wait_for 20 grep -q "choice Dummy 0.0 playback" /tmp/w.out
echo snd_dummy.0 >/sys/bus/platform/drivers/snd_dummy/unbind
wait_for 20 grep -q "item- Dummy 0.7 capture" /tmp/w.out
echo snd_dummy.0 >/sys/bus/platform/drivers/snd_dummy/bind
wait_for 20 grep -q "item+ Dummy 0.7 capture" /tmp/w.out
# A control client keeps the module in use: unbind the card instead.
echo snd_aloop.0 >/sys/bus/platform/drivers/snd_aloop/unbind
wait_for 20 grep -q "Loopback removed" /tmp/w.out
echo snd_aloop.0 >/sys/bus/platform/drivers/snd_aloop/bind
wait_for 20 grep -q "Loopback added" /tmp/w.out
wait_for 20 grep -q "Loopback choice $SYS" /tmp/w.out
kill -TERM "$wp"
wait "$wp"
rc=$?
removed=$(for s in 1 2 3 4 5 6 7; do echo "Loopback item- Dummy 0.$s playback"; echo "Loopback item- Dummy 0.$s capture"; done)
added=$(for s in 1 2 3 4 5 6 7; do echo "Loopback item+ Dummy 0.$s playback"; echo "Loopback item+ Dummy 0.$s capture"; done)
want="Loopback choice Dummy 0.2 playback
Loopback choice Dummy 0.0 playback
Loopback item- Dummy 0.0 capture
$removed
Loopback item+ Dummy 0.0 capture
$added
Loopback removed
Loopback added (card $(aloop_card))
Loopback choice $SYS"
check_eq "watch: choice, items of an unbound and bound card (the chosen one stays), loopback unbound and bound; SIGTERM ends it with 0" \
	"$want|0" "$(cat /tmp/w.out)|$rc"
vg_check "aloop-timer watch"
vgn=$((vgn + 1))
rm -f /tmp/w.out
# shellcheck disable=SC2086
${VG:+$VG --log-file=$VGDIR/$vgn.log} "$AT" -c Loopback watch --count 1 --timeout 120 >/tmp/w.out 2>&1 &
wp=$!
wait_for 60 grep -q "^Loopback choice" /tmp/w.out
amixer -q -c Loopback cset name="$TS" "Dummy 0.4 capture"
wait "$wp"
rc=$?
check_eq "watch --count 1 --card Loopback: exits with 0 after one change" "Loopback choice $SYS
Loopback choice Dummy 0.4 capture|0" "$(cat /tmp/w.out)|$rc"
vg_check "aloop-timer watch --count"
aloop_unload

# --- apply ----------------------------------------------------------------------
aloop_load || { not_ok "the loopback loads"; exit 0; }
rm -rf /run/aloop-timer
vat_eq "apply without a state file: nothing to do" 0 \
	"no state file /tmp/none.state: nothing to apply" apply -f /tmp/none.state
alsactl -f /tmp/d.state store Dummy
at_eq "apply with a state file without the loopback: nothing to do" 0 \
	"Loopback: no \"$TS\" saved in /tmp/d.state: nothing to apply" apply -f /tmp/d.state
amixer -q -c Loopback cset name="$TS" "Dummy 0.3 capture"
alsactl -f /tmp/a.state store Loopback
amixer -q -c Loopback cset name="$TS" "$SYS"
vat_eq "apply: the saved choice is applied" 0 "Loopback: applied 'Dummy 0.3 capture'" \
	apply -f /tmp/a.state
check_eq "apply: control and proc show it" "Dummy 0.3 capture|Dummy 0.3 capture" "$(choice)|$(cat $PROC)"
check_eq "apply: what it applied, recorded in /run/aloop-timer" \
	"Dummy 0.3 capture" "$(cut -d' ' -f2- /run/aloop-timer/Loopback)"
at_eq "apply again: already so" 0 "Loopback: \"$TS\" is 'Dummy 0.3 capture', as saved" \
	apply -f /tmp/a.state
at_eq "apply --quiet prints nothing" 0 "" apply --quiet -f /tmp/a.state
amixer -q -c Loopback cset name="$TS" "Dummy 0.0 playback"
vat_eq "apply after the user changed the choice: left alone" 0 \
	"Loopback: \"$TS\" was changed to 'Dummy 0.0 playback' after 'Dummy 0.3 capture' was applied: left alone (--force applies 'Dummy 0.3 capture')" \
	apply -f /tmp/a.state
check_eq "the user's choice stays" "Dummy 0.0 playback" "$(choice)"
at_eq "apply --force applies" 0 "Loopback: applied 'Dummy 0.3 capture'" apply --force -f /tmp/a.state
amixer -q -c Loopback cset name="$TS" "Dummy 0.0 playback"
aloop_unload
aloop_load || { not_ok "the loopback loads"; exit 0; }
at_eq "apply to a new loopback card (reloaded): applied" 0 "Loopback: applied 'Dummy 0.3 capture'" \
	apply -f /tmp/a.state

# a saved card that is absent
sed 's/Dummy 0.3 capture/USB 1.0 capture/' /tmp/a.state >/tmp/u.state
at_eq "apply an absent card's name: applied, the system clock runs meanwhile" 0 \
	"Loopback: applied 'USB 1.0 capture' (absent: the system clock runs until it appears)" \
	apply --force -f /tmp/u.state
check_eq "the absent name is chosen" "USB 1.0 capture|USB 1.0 capture" "$(choice)|$(cat $PROC)"

# broken state files
printf 'state.Loopback {\n control.1 {\n' >/tmp/bad.state
# alsa-lib says where on its own line first
vat 1 apply -f /tmp/bad.state && check_eq "apply: a state file that does not parse: status 1" \
	"aloop-timer: cannot read /tmp/bad.state: Invalid argument" "$(tail -n 1 /tmp/at.err)"
sed "s/value 'USB 1.0 capture'/value 3/" /tmp/u.state >/tmp/num.state
vat_err "apply: a number instead of an item name: status 1" 1 \
	"aloop-timer: Loopback: the \"$TS\" value saved in /tmp/num.state is not an item name" apply -f /tmp/num.state
at_eq "apply --card Loopback" 0 "Loopback: applied 'Dummy 0.3 capture'" apply --force -c Loopback -f /tmp/a.state

# alsactl's card lock
mkdir -p /var/lock
amixer -q -c Loopback cset name="$TS" "$SYS"
rm -f /tmp/l.ready
lockhold /var/lock/card"$(aloop_card)".lock 3 /tmp/l.ready &
wait_for 5 test -e /tmp/l.ready
t0=$(cut -d' ' -f1 /proc/uptime)
at_eq "apply while alsactl's card lock is held: waits, then applies" 0 \
	"Loopback: applied 'Dummy 0.3 capture'" apply --force -f /tmp/a.state
t1=$(cut -d' ' -f1 /proc/uptime)
wait
if awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 2) }'; then
	ok "apply waited for the lock (held 3 s)"
else
	not_ok "apply waited for the lock (held 3 s)" "took $t0 -> $t1"
fi
amixer -q -c Loopback cset name="$TS" "$SYS"
rm -f /tmp/l.ready
lockhold /var/lock/card"$(aloop_card)".lock 14 /tmp/l.ready &
lh=$!
wait_for 5 test -e /tmp/l.ready
at_eq "apply --no-lock goes through a held lock" 0 "Loopback: applied 'Dummy 0.3 capture'" \
	apply --force --no-lock -f /tmp/a.state
amixer -q -c Loopback cset name="$TS" "$SYS"
at_err "apply gives up after 10 s of a held lock: status 1" 1 \
	"aloop-timer: Loopback: cannot take alsactl's lock /var/lock/card$(aloop_card).lock: Connection timed out" \
	apply --force -f /tmp/a.state
check_eq "nothing applied then" "$SYS" "$(choice)"
wait "$lh"

# --- two loopback cards ---------------------------------------------------------
aloop_unload
aloop_load enable=1,1 id=LoopA,LoopB || { not_ok "two loopback cards load"; exit 0; }
wait_for 3 test -e /proc/asound/LoopB
vat_err "get with two loopback cards: choose one" 2 \
	"aloop-timer: 2 loopback cards (LoopA, LoopB): choose one with --card" get
at_eq "set --card LoopB" 0 "Dummy 0.6 capture" -c LoopB set "Dummy 0.6 c"
vat 0 list && check_eq "list shows both cards" \
	"LoopA (card $(aloop_card LoopA)):|*  0  $SYS|LoopB (card $(aloop_card LoopB)):|* 14  Dummy 0.6 capture" \
	"$(grep -E '^Loop|\*' /tmp/at.out | sed 's/^ *//' | tr '\n' '|' | sed 's/|$//')"
sed 's/state.Loopback/state.LoopA/' /tmp/a.state >/tmp/ab.state
sed -n '/^state.Loopback/,$p' /tmp/u.state | sed 's/state.Loopback/state.LoopB/' >>/tmp/ab.state
vat_eq "apply to both cards from one state file" 0 \
	"LoopA: applied 'Dummy 0.3 capture'
LoopB: applied 'USB 1.0 capture' (absent: the system clock runs until it appears)" apply -f /tmp/ab.state

if [ -z "$VG" ]; then
	skip "valgrind memcheck" "runs on the stock kernel only (it checks the program)"
elif [ -z "$vg_bad" ]; then
	ok "valgrind memcheck: no error and no leak in $vgn runs"
else
	not_ok "valgrind memcheck: no error and no leak in $vgn runs" "reports in runs:$vg_bad"
fi
