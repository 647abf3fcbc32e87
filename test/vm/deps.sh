#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh [--force] - install the Debian 12 packages the rig needs.
#
# Without --force, apt is skipped when everything is installed already, so
# that repeated `make check` runs are fast and work offline.  Debian's
# kernel image and its headers come from test/vm/fetch-kernel.sh; the
# patched kernel is built from linux-source-6.1 by test/vm/build-kernel.sh.

set -euo pipefail

pkgs=(
	make gcc libc6-dev libasound2-dev # module build, test programs
	qemu-system-x86                   # the VM
	busybox-static alsa-utils         # guest userland
	libudev-dev udev tmux valgrind    # the aloop-timer helper and its tests
	libc6-dbg ncurses-base dkms       # (valgrind needs ld.so's symbols)
	kmod cpio gzip xz-utils zstd      # depmod, modinfo, initramfs
	linux-source-6.1 git              # the patched kernel (build-kernel.sh)
	flex bison bc libelf-dev libssl-dev
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' ||
		missing+=("$p")
done

if [ "${1:-}" = --force ] || [ ${#missing[@]} -gt 0 ]; then
	[ ${#missing[@]} -eq 0 ] || echo "deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update >&2
	apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2
fi
