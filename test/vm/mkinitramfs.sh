#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh [KVER] - build OUT/initramfs.cpio.gz for the test VM
# (OUT: $ALOOP_BUILD, default build/vm-stock; test/vm/prepare.sh calls it).
#
# The image is two gzip'd cpio archives back to back (the kernel unpacks
# them in order, later files win):
#   base    busybox, alsa-utils + alsa-lib + config, shared libraries, the
#           sound modules of the cached Debian kernel; for the userspace
#           tests systemd-udevd and udevadm with the udev rules of the udev,
#           systemd and alsa-utils packages, tmux with terminfo, valgrind
#           (memcheck, and the debug symbols of ld.so that it needs) and
#           kmod as /usr/libexec/aloop-kmod/{depmod,modprobe,modinfo}
#           (busybox stays the default modprobe).  Slow to build, so it
#           is cached in OUT under a key of all its inputs.
#   overlay /init, our module as /opt/aloop/snd-aloop.ko, build/test/bin/*
#           as /opt/aloop/bin/, test/guest/ as /opt/aloop/guest/, the
#           test-only modules (test/fixtures/, built) as /opt/aloop/fixtures/,
#           the userspace parts as `make install DESTDIR=ALOOP_STAGE
#           PREFIX=/usr` put them, and the DKMS build of test/vm/dkms-build.sh
#           (ALOOP_DKMS: its status, log and module) in /opt/aloop/dkms/.
#           Cheap, rebuilt every time.
# Our module is kept out of /lib/modules on purpose: the in-tree snd-aloop.ko
# of the same name must stay loadable by modprobe as the peer to compare with.
#
# Environment: ALOOP_BUILD (OUT), ALOOP_KO (module to test, default
# OUT/module/snd-aloop.ko), ALOOP_FIXTURES (the built test/fixtures/*.ko,
# default OUT/fixtures), ALOOP_CACHE (kernel cache, see fetch-kernel.sh),
# ALOOP_KROOT (the kernel's directory, default $ALOOP_CACHE/kernel/KVER;
# build-kernel.sh's for a built kernel), ALOOP_STAGE (an install tree,
# default OUT/stage), ALOOP_DKMS (default OUT/dkms).

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
vm=$top/test/vm
kver=${1:-}
[ -n "$kver" ] || kver=$("$vm/fetch-kernel.sh" | tail -n1)
kdir=${ALOOP_KROOT:-${ALOOP_CACHE:-/var/cache/aloop-test}/kernel/$kver}
out=${ALOOP_BUILD:-$top/build/vm-stock}
ko=${ALOOP_KO:-$out/module/snd-aloop.ko}
bins=$top/build/test/bin

log() { echo "mkinitramfs: $*" >&2; }
die() { log "$*"; exit 1; }

[ -e "$kdir/.complete" ] || die "no cached kernel $kver in $kdir; run test/vm/fetch-kernel.sh"
[ -e "$ko" ] || die "$ko not found: build it first (test/vm/prepare.sh)"
mkdir -p "$out"

# Image paths are usr-merged like Debian's: /lib -> usr/lib etc.  Files are
# always stored under their usr/ name, because the kernel's unpacker replaces
# an existing symlink by a directory of the same name from a later archive.
canon() {
	local p=${1#/}
	case $p in
	bin/* | sbin/* | lib/* | lib64/*) p=usr/$p ;;
	esac
	echo "$p"
}

# put ROOT FILE...: copy files (following symlinks) to their canonical place.
put() {
	local root=$1 f dst
	shift
	for f; do
		dst=$root/$(canon "$f")
		mkdir -p "${dst%/*}"
		cp -L "$f" "$dst"
	done
}

# put_libs ROOT BINARY...: copy the shared libraries and the dynamic loader
# the binaries need, as ldd resolves them, unless the base image has them.
put_libs() {
	local root=$1 lib
	shift
	# ldd fails on static binaries and scripts; they need nothing.
	for lib in $(for b; do ldd "$b" 2>/dev/null || true; done |
		sed -n 's,.*[[:space:]]\(/[^[:space:]]*\) (0x.*,\1,p' | sort -u); do
		[ -e "$base.list" ] && grep -qxF "$(canon "$lib")" "$base.list" && continue
		put "$root" "$lib"
	done
}

# mkcpio DIR OUT: pack DIR as a gzip'd newc archive owned by root.
mkcpio() {
	(cd "$1" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -6 >"$2.tmp"
	mv "$2.tmp" "$2"
}

alsa_bins="/usr/bin/aplay /usr/bin/arecord /usr/bin/amixer /usr/sbin/alsactl /usr/bin/speaker-test /usr/bin/alsamixer"
# For the userspace tests (test/guest/tests/95-* to 99-*): udev, tmux, valgrind, kmod.
udev_bins="/bin/udevadm /lib/systemd/systemd-udevd"
tool_bins="/usr/bin/tmux /usr/bin/valgrind.bin /bin/kmod"
valgrind_files="/usr/libexec/valgrind/memcheck-amd64-linux
/usr/libexec/valgrind/vgpreload_core-amd64-linux.so
/usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so
/usr/libexec/valgrind/default.supp /usr/lib/valgrind/debian.supp"
extra_pkgs="udev systemd alsa-utils tmux valgrind libc6-dbg kmod ncurses-base libc-bin"
busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"

build_base() {
	local root=$1 moddir p
	mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{proc,sys,dev,tmp,run,root,etc,var/lib/alsa}
	for p in bin sbin lib lib64; do ln -s "usr/$p" "$root/$p"; done
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\naudio:x:29:\n' >"$root/etc/group"

	cp "$busybox" "$root/usr/bin/busybox"
	busybox --list-full | while read -r p; do
		case $p in
		bin/* | sbin/*) p=usr/$p ;;
		usr/*) ;;
		*) continue ;;
		esac
		[ -e "$root/$p" ] || ln -s /usr/bin/busybox "$root/$p"
	done

	# shellcheck disable=SC2086
	put "$root" $alsa_bins
	# shellcheck disable=SC2086
	put_libs "$root" $alsa_bins
	mkdir -p "$root/usr/share"
	cp -a /usr/share/alsa "$root/usr/share/"

	# udevd with the rules its packages and alsa-utils install
	# shellcheck disable=SC2086
	put "$root" $udev_bins $tool_bins $valgrind_files
	# shellcheck disable=SC2086
	put_libs "$root" $udev_bins $tool_bins $valgrind_files
	# shellcheck disable=SC2046
	put "$root" $(dpkg -L udev systemd alsa-utils | grep '/udev/rules\.d/.*\.rules$')
	mkdir -p "$root/etc/udev/rules.d" "$root/run" "$root/var/lock"
	# valgrind's wrapper script; memcheck needs ld.so's symbols (libc6-dbg)
	install -m 755 /usr/bin/valgrind "$root/usr/bin/valgrind"
	for p in /lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/libc.so.6; do
		p=$(readelf -n "$p" | sed -n 's/.*Build ID: \(..\)\(.*\)/\1\/\2/p')
		[ -e "/usr/lib/debug/.build-id/$p.debug" ] ||
			die "/usr/lib/debug/.build-id/$p.debug missing (apt-get install libc6-dbg)"
		put "$root" "/usr/lib/debug/.build-id/$p.debug"
	done
	# kmod's depmod and modprobe by name, next to busybox's
	mkdir -p "$root/usr/libexec/aloop-kmod"
	for p in depmod modprobe modinfo lsmod; do
		ln -s /usr/bin/kmod "$root/usr/libexec/aloop-kmod/$p"
	done
	# tmux wants a UTF-8 locale: glibc's C.UTF-8 (libc-bin)
	mkdir -p "$root/usr/lib/locale"
	cp -a /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"
	# terminfo for tmux and alsamixer
	# shellcheck disable=SC2046
	put "$root" $(dpkg -L ncurses-base | while read -r p; do [ -f "$p" ] && case $p in */terminfo/*) echo "$p" ;; esac; done)

	# The whole kernel/sound tree plus what modules.dep says it needs.
	moddir=usr/lib/modules/$kver
	mkdir -p "$root/$moddir"
	(
		cd "$kdir/lib/modules/$kver"
		cp modules.order modules.builtin modules.builtin.modinfo "$root/$moddir/"
		awk -F'[: ]+' '$1 ~ /^kernel\/sound\// { for (i = 1; i <= NF; i++) if ($i != "") print $i }' \
			modules.dep | sort -u | while read -r p; do
			mkdir -p "$root/$moddir/${p%/*}"
			cp "$p" "$root/$moddir/$p"
		done
	)
	# Debian 6.1 ships plain .ko files, but other kernels compress them and
	# busybox's insmod/modprobe cannot read compressed modules.
	find "$root/$moddir" \( -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz' \) |
		while read -r p; do
			case $p in
			*.xz) xz -d "$p" ;;
			*.zst) zstd -q -d --rm "$p" ;;
			*.gz) gzip -d "$p" ;;
			esac
		done
	sed -i 's/\.ko\.\(xz\|zst\|gz\)$/.ko/' "$root/$moddir/modules.order"
	depmod -b "$root" "$kver"
}

# Key of everything that goes into the base archive.
key=$(
	{
		echo "$kver"
		cat "$kdir/.complete"
		cat "$0"
		dpkg-query -W busybox-static alsa-utils libasound2 libasound2-data libc6
		# shellcheck disable=SC2086
		dpkg-query -W $extra_pkgs
	} | sha256sum | cut -c1-16
)
base=$out/base-$kver-$key.cpio.gz
if [ ! -e "$base" ]; then
	log "building base image $base"
	rm -f "$out"/base-*.cpio.gz "$out"/base-*.cpio.gz.list
	tmp=$(mktemp -d "$out/.base.XXXXXX")
	build_base "$tmp"
	(cd "$tmp" && find . -mindepth 1 -printf '%P\n') >"$base.list"
	mkcpio "$tmp" "$base"
	rm -rf "$tmp"
fi

ov=$(mktemp -d "$out/.overlay.XXXXXX")
trap 'rm -rf "$ov"' EXIT
install -m 755 "$vm/init.sh" "$ov/init"
mkdir -p "$ov/opt/aloop/bin" "$ov/opt/aloop/guest"
# Debug info only makes the image bigger; kallsyms needs the symbol table.
strip --strip-debug -o "$ov/opt/aloop/snd-aloop.ko" "$ko"
# busybox modinfo cannot read a module outside /lib/modules: ask kmod here.
modinfo "$ko" >"$ov/opt/aloop/snd-aloop.modinfo"
modinfo -F depends "$ko" >"$ov/opt/aloop/snd-aloop.depends"
cp -a "$top/test/guest/." "$ov/opt/aloop/guest/"
# Test-only modules (make fixtures), each with the modules it depends on.
for f in "${ALOOP_FIXTURES:-$out/fixtures}"/*.ko; do
	[ -e "$f" ] || continue
	name=${f##*/}
	mkdir -p "$ov/opt/aloop/fixtures"
	strip --strip-debug -o "$ov/opt/aloop/fixtures/$name" "$f"
	modinfo -F depends "$f" >"$ov/opt/aloop/fixtures/${name%.ko}.depends"
done
# The userspace parts, installed by make install DESTDIR=... PREFIX=/usr.
stage=${ALOOP_STAGE:-$out/stage}
if [ -d "$stage" ]; then
	(cd "$stage" && find . -mindepth 1 -printf '%P\n') | while read -r p; do
		dst=$ov/$(canon "$p")
		if [ -d "$stage/$p" ]; then
			mkdir -p "$dst"
		else
			mkdir -p "${dst%/*}"
			cp -a "$stage/$p" "$dst"
		fi
	done
	[ ! -d "$stage/usr/bin" ] || put_libs "$ov" "$stage"/usr/bin/*
fi
# The module built by DKMS (test/vm/dkms-build.sh), with its status.
dkms=${ALOOP_DKMS:-$out/dkms}
if [ -e "$dkms/status" ]; then
	mkdir -p "$ov/opt/aloop/dkms"
	cp "$dkms/status" "$ov/opt/aloop/dkms/status"
	tail -n 40 "$dkms/log" >"$ov/opt/aloop/dkms/log" 2>/dev/null
	if [ -e "$dkms/snd-aloop.ko" ]; then
		cp "$dkms/snd-aloop.ko" "$ov/opt/aloop/dkms/snd-aloop.ko"
	fi
fi
if [ -d "$bins" ] && [ -n "$(ls -A "$bins")" ]; then
	cp -a "$bins/." "$ov/opt/aloop/bin/"
	put_libs "$ov" "$bins"/*
fi
mkcpio "$ov" "$out/overlay.cpio.gz"
cat "$base" "$out/overlay.cpio.gz" >"$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
# run-vm.sh boots the kernel the image was made for.
echo "$kver" >"$out/kver"
echo "$kdir" >"$out/kroot"
log "$out/initramfs.cpio.gz ($(du -h "$out/initramfs.cpio.gz" | cut -f1))"
