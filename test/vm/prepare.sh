#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# prepare.sh KERNEL OUT - everything a VM run on KERNEL needs, in OUT:
# the kernel (fetched or built, cached), snd-aloop.ko and the test
# fixtures built against it in OUT/module/ and OUT/fixtures/ (copies of
# kernel/ and test/fixtures/, so that builds for several kernels never
# share object files), and the initramfs (mkinitramfs.sh).  The test
# programs must be built already (make tests).
#
# KERNEL is one of
#   stock    Debian's linux-image-amd64 (fetch-kernel.sh)
#   rt       Debian's linux-image-rt-amd64, PREEMPT_RT (fetch-kernel.sh)
#   patched  linux-source-6.1 + kernel/patches/ + patched.config: the
#            link_changed op, lockdep and the cheap debug checks
#   debug    the same + debug.config: KASAN, kmemleak
# Extra kbuild arguments (W=1, C=1) come from $KBUILD_ARGS.

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
vm=$top/test/vm
name=${1:?usage: prepare.sh stock|rt|patched|debug OUTDIR}
out=${2:?usage: prepare.sh stock|rt|patched|debug OUTDIR}
cache=${ALOOP_CACHE:-/var/cache/aloop-test}

die() { echo "prepare: $*" >&2; exit 1; }

"$vm/deps.sh"
case $name in
stock | rt)
	[ "$name" = stock ] && flavour=amd64 || flavour=rt-amd64
	kver=$("$vm/fetch-kernel.sh" "$flavour" | tail -n1) ||
		die "cannot fetch Debian's linux-image-$flavour"
	kroot=$cache/kernel/$kver
	kdir=/lib/modules/$kver/build
	;;
patched | debug)
	frags=("$vm/patched.config")
	[ "$name" = patched ] || frags+=("$vm/debug.config")
	kroot=$("$vm/build-kernel.sh" "${frags[@]}" | tail -n1) ||
		die "the $name kernel did not build"
	kver=$(cat "$kroot/kver")
	kdir=$kroot/build
	;;
*) die "unknown kernel '$name' (stock, rt, patched, debug)" ;;
esac
echo "prepare: $name kernel $kver ($kroot)"

# build SRC DIR: kbuild SRC's sources in OUT/DIR against the kernel
build() {
	local dst=$out/$2
	mkdir -p "$dst"
	rm -f "$dst"/*.[ch] "$dst"/Kbuild
	cp -p "$top/$1"/Kbuild "$top/$1"/*.[ch] "$dst/"
	# kernel/Kbuild takes the module's version from dkms.conf
	[ ! -e "$top/$1/dkms.conf" ] || cp -p "$top/$1/dkms.conf" "$dst/"
	# shellcheck disable=SC2086 # KBUILD_ARGS is a list of words
	make --no-print-directory -C "$kdir" M="$dst" ${KBUILD_ARGS:-} modules ||
		die "building $1/ for $kver failed: no test ran on $name"
}
build kernel module
build test/fixtures fixtures

# The userspace parts as make install puts them (the guest's tests 95 to 99),
# and on Debian's kernels, whose headers are installed, a real DKMS build
# (99-dkms skips on the others).
rm -rf "$out/stage" "$out/dkms"
make --no-print-directory -C "$top" install DESTDIR="$out/stage" PREFIX=/usr >/dev/null ||
	die "make install of the userspace parts failed: no test ran on $name"
case $name in
stock | rt) "$vm/dkms-build.sh" "$kver" "$out/dkms" ;;
esac

ALOOP_KROOT=$kroot ALOOP_BUILD=$out ALOOP_KO=$out/module/snd-aloop.ko \
	ALOOP_FIXTURES=$out/fixtures "$vm/mkinitramfs.sh" "$kver"
