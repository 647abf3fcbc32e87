#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-build.sh KVER OUT - a real DKMS build of kernel/ against KVER's
# installed headers (/lib/modules/KVER/build), through `make dkms-install`
# and `make dkms-uninstall`, in scratch trees under OUT so that nothing
# is registered on this machine:
#   OUT/src      DKMS_SRCTREE (what /usr/src is for a real install)
#   OUT/tree     --dkmstree (/var/lib/dkms)
#   OUT/modules  --installtree (/lib/modules), KVER/ holding the sound
#                modules of the VM's kernel, so that updates/ is next to
#                the in-tree kernel/sound/drivers/snd-aloop.ko
# It checks that the module lands in KVER/updates/, that kmod's modprobe
# then picks it over the in-tree one, and that dkms-uninstall removes it;
# the module is kept as OUT/snd-aloop.ko for the guest (test 99-dkms).
# OUT/status gets "ok" or "FAILED: why"; OUT/log the whole output.
# Exits 0 when the status could be written (the guest test reports it).
#
# dkms install runs `depmod -a KVER` on this machine whatever the trees;
# the modules.* files that leaves in /lib/modules/KVER (which holds no
# modules here, only the headers' links) are removed again.

set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
kver=${1:?usage: dkms-build.sh KVER OUT}
out=${2:?usage: dkms-build.sh KVER OUT}
kdir=${ALOOP_CACHE:-/var/cache/aloop-test}/kernel/$kver

rm -rf "$out"
mkdir -p "$out/src" "$out/tree" "$out/modules/$kver"
log=$out/log
status=$out/status
: >"$log"

fail() {
	echo "FAILED: $*" >"$status"
	echo "dkms-build: FAILED: $* (see ${log#"$top"/})" >&2
	exit 0
}

if ! command -v dkms >/dev/null; then
	fail "dkms is not installed (test/vm/deps.sh)"
fi
# The VM kernel's sound modules, as the in-tree tree next to updates/.
if [ -d "$kdir/lib/modules/$kver/kernel/sound" ]; then
	mkdir -p "$out/modules/$kver/kernel"
	cp -a "$kdir/lib/modules/$kver/kernel/sound" "$out/modules/$kver/kernel/"
	cp "$kdir/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} \
		"$out/modules/$kver/" 2>/dev/null
fi

sysmod=/lib/modules/$kver
before=$(cd "$sysmod" 2>/dev/null && ls -d modules.* 2>/dev/null)
flags="--dkmstree $out/tree --sourcetree $out/src --installtree $out/modules"
mk=(make -C "$top" --no-print-directory KVER="$kver" DKMS_SRCTREE="$out/src"
	DKMS_FLAGS="$flags")
echo "dkms-build: dkms $(dkms --version 2>/dev/null), kernel $kver" >&2
"${mk[@]}" dkms-install >>"$log" 2>&1
rc=$?
# What `depmod -a KVER` left in the system tree.
for f in $(cd "$sysmod" 2>/dev/null && ls -d modules.* 2>/dev/null); do
	printf '%s\n' "$before" | grep -qxF "$f" || rm -f "$sysmod/$f"
done
[ "$rc" -eq 0 ] || fail "make dkms-install exited with $rc"

ko=$out/modules/$kver/updates/dkms/snd-aloop.ko
[ -e "$ko" ] || ko=$(find "$out/modules/$kver/updates" -name 'snd-aloop.ko*' 2>/dev/null | head -n 1)
[ -n "$ko" ] && [ -e "$ko" ] || fail "no snd-aloop.ko under $kver/updates/ after dkms install"
cp "$ko" "$out/snd-aloop.ko"
if ! modinfo -F description "$ko" | grep -q "follow any card's clock"; then
	fail "$ko is not this driver: $(modinfo -F description "$ko")"
fi
echo "dkms-build: installed ${ko#"$out"/}" >>"$log"

# kmod resolves snd-aloop to updates/ first.
mkdir -p "$out/root/lib"
ln -s "$out/modules" "$out/root/lib/modules"
if ! depmod -b "$out/root" "$kver" >>"$log" 2>&1; then
	fail "depmod -b failed"
fi
pick=$(modprobe -d "$out/root" -S "$kver" --show-depends snd-aloop 2>>"$log" | tail -n 1)
echo "dkms-build: modprobe --show-depends snd-aloop: $pick" >>"$log"
case $pick in
*/updates/*snd-aloop.ko*) ;;
*) fail "modprobe would load '$pick', not the module in updates/" ;;
esac

"${mk[@]}" dkms-uninstall >>"$log" 2>&1
rc=$?
for f in $(cd "$sysmod" 2>/dev/null && ls -d modules.* 2>/dev/null); do
	printf '%s\n' "$before" | grep -qxF "$f" || rm -f "$sysmod/$f"
done
[ "$rc" -eq 0 ] || fail "make dkms-uninstall exited with $rc"
[ ! -e "$ko" ] || fail "dkms-uninstall left $ko"
[ ! -e "$out/src/snd-aloop-$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/kernel/dkms.conf")" ] ||
	fail "dkms-uninstall left the source tree"
[ -z "$(ls -A "$out/tree" 2>/dev/null | grep -v '^mok')" ] ||
	[ ! -e "$out/tree/snd-aloop" ] || fail "dkms-uninstall left $out/tree/snd-aloop"
echo ok >"$status"
echo "dkms-build: ok" >&2
