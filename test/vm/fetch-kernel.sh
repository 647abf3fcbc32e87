#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-kernel.sh [FLAVOUR] - fetch Debian's kernel for the test VM.
#
# FLAVOUR is the suffix of Debian's linux-image metapackage: amd64 (default),
# rt-amd64, ...  The image is unpacked into a cache outside the git tree,
#   ${ALOOP_CACHE:-/var/cache/aloop-test}/kernel/$KVER/
# with modules.dep generated, and the matching linux-headers package is
# installed so modules can be built against /lib/modules/$KVER/build.
# A second run finds the cache and returns at once.
#
# All chatter goes to stderr; the last line on stdout is KVER.

set -euo pipefail

flavour=${1:-amd64}
cache=${ALOOP_CACHE:-/var/cache/aloop-test}/kernel
export DEBIAN_FRONTEND=noninteractive

log() { echo "fetch-kernel: $*" >&2; }

# Debian bumps the ABI number (6.1.0-NN) with kernel updates and drops old
# packages from the archive, so never hard-code it: ask the metapackage.
resolve_kver() {
	apt-cache depends "linux-image-$flavour" 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*\)$/\1/p' | head -n1
}

kver=$(resolve_kver)
if [ -z "$kver" ]; then
	# Package lists may be missing or stale on a fresh machine.
	log "linux-image-$flavour unknown to apt, running apt-get update"
	apt-get update >&2
	kver=$(resolve_kver)
fi
[ -n "$kver" ] || { log "cannot resolve linux-image-$flavour"; exit 1; }

dir=$cache/$kver
mkdir -p "$cache"
# Serialise concurrent runs (two checkouts testing at once) on the cache.
exec 9>"$cache/.lock"
flock 9

if [ ! -e "$dir/.complete" ]; then
	log "downloading linux-image-$kver into $dir"
	tmp=$(mktemp -d "$cache/.tmp.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# We run as root; tell apt not to drop to the _apt user, which could
	# not write into our private download directory.
	get() { (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root \
		download "linux-image-$kver") >&2; }
	if ! get; then
		log "download failed, refreshing package lists and retrying"
		apt-get update >&2
		get
	fi
	dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/root"
	# The .deb ships no modules.dep: modprobe needs one.
	depmod -b "$tmp/root" "$kver"
	[ -e "$tmp/root/boot/vmlinuz-$kver" ] || { log "no vmlinuz in package"; exit 1; }
	rm -rf "$dir"
	mv "$tmp/root" "$dir"
	dpkg-deb -f "$tmp"/linux-image-*.deb Version >"$dir/.complete"
fi

if [ ! -e "/lib/modules/$kver/build/Makefile" ]; then
	log "installing linux-headers-$kver"
	if ! apt-get install -y -q --no-install-recommends "linux-headers-$kver" >&2; then
		apt-get update >&2
		apt-get install -y -q --no-install-recommends "linux-headers-$kver" >&2
	fi
fi

echo "$kver"
