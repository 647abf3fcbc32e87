#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# timeout: 200
# The module as DKMS built it against the stock kernel's installed headers
# (test/vm/dkms-build.sh runs make dkms-install / dkms-uninstall on the
# host, with scratch DKMS trees): installed into updates/dkms/ of this
# kernel's module tree, kmod's depmod and modprobe pick it over the
# in-tree snd-aloop, and it works.  Put back as it was at the end.
# Skipped on kernels without a DKMS build (the patched ones).

D=/opt/aloop/dkms
KMOD=/usr/libexec/aloop-kmod
KDIR=/lib/modules/$(uname -r)
TS="Timer Source"

if [ ! -e "$D/status" ]; then
	skip "the DKMS build" "no DKMS build for this kernel ($ALOOP_KERNEL)"
	exit 0
fi
if [ "$(cat "$D/status")" != ok ]; then
	not_ok "the DKMS build on the host" "$(cat "$D/status")" "$(cat "$D/log")"
	exit 0
fi
ok "make dkms-install, dkms build against the installed headers, and make dkms-uninstall worked on the host"

mkdir -p "$KDIR/updates/dkms"
cp "$D/snd-aloop.ko" "$KDIR/updates/dkms/"
check "kmod depmod -a" "$KMOD/depmod" -a
check_eq "modules.dep names snd-aloop once, in updates/ (the in-tree one is still there)" \
	"updates/dkms/snd-aloop.ko|yes" \
	"$(grep -o '^[^:]*snd-aloop.ko:' "$KDIR/modules.dep" | tr -d : | tr '\n' ' ' | sed 's/ $//')|$(test -e "$KDIR/kernel/sound/drivers/snd-aloop.ko" && echo yes)"
check_eq "kmod modprobe resolves snd-aloop to updates/" "insmod $KDIR/updates/dkms/snd-aloop.ko" \
	"$("$KMOD/modprobe" --show-depends snd-aloop | tail -n 1 | sed 's/ *$//')"
if "$KMOD/modprobe" snd-aloop; then
	ok "kmod modprobe snd-aloop"
	wait_for 10 test -e /proc/asound/Loopback
	check_eq "the loaded snd-aloop is this one (version, Timer Source)" \
		"$(sed -n 's/^version: *//p' /opt/aloop/snd-aloop.modinfo)|System clock" \
		"$(cat /sys/module/snd_aloop/version 2>&1)|$(timersrc get 2>&1)"
	dummy_load
	check_transfer "it carries a cable bit-exactly (loopcheck)"
	amixer -q -c Loopback cset name="$TS" "Dummy 0.0 capture"
	check_eq "its Timer Source works" "Dummy 0.0 capture" "$(timersrc get 2>&1)"
	aloop_unload
else
	not_ok "kmod modprobe snd-aloop"
fi

rm -f "$KDIR/updates/dkms/snd-aloop.ko"
rmdir "$KDIR/updates/dkms" "$KDIR/updates" 2>/dev/null
check "kmod depmod -a, back to the in-tree module only" "$KMOD/depmod" -a
check_eq "modprobe resolves snd-aloop to the in-tree module again" \
	"insmod $KDIR/kernel/sound/drivers/snd-aloop.ko" \
	"$("$KMOD/modprobe" --show-depends snd-aloop | tail -n 1 | sed 's/ *$//')"
