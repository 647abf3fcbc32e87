#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh [FRAGMENT...] - build a patched test kernel: Debian's
# linux-source-6.1 with kernel/patches/ applied (git am), configured by the config
# fragments (default test/vm/patched.config; later ones override earlier
# ones) merged onto x86_64 tinyconfig.
#
# The result is cached outside the git tree under a key of all its inputs
# (the patches without the cover letter, the fragments, this script, the
# linux-source-6.1 package version and the compiler):
#   ${ALOOP_CACHE:-/var/cache/aloop-test}/patched/KEY/
#     boot/vmlinuz-KVER      the kernel
#     lib/modules/KVER/      its modules and modules.dep (modules_install)
#     lib/modules/KVER/build -> build/, for make -C .../build M=DIR
#     src/, build/           the patched source and the build tree (O=)
#     kver                   KVER (6.1.N-aloop)
#     build.log              the build's output and how long it took
#     .complete              written last
# The same layout as test/vm/fetch-kernel.sh's kernel directories, so
# mkinitramfs.sh and run-vm.sh take it as ALOOP_KROOT.  A rerun with the
# same inputs returns at once; the three builds used last are kept.
#
# All chatter goes to stderr; the last line on stdout is the directory.

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
vm=$top/test/vm
[ $# -gt 0 ] || set -- "$vm/patched.config"
fragments=()
for f; do
	[ -e "$f" ] || { echo "build-kernel: no config fragment $f" >&2; exit 1; }
	fragments+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
tarball=/usr/src/linux-source-6.1.tar.xz
cache=${ALOOP_CACHE:-/var/cache/aloop-test}/patched
keep=3

log() { echo "build-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

# The series without its cover letter, in order.
patches=()
for p in "$top"/kernel/patches/*.patch; do
	[ -e "$p" ] || continue
	case ${p##*/} in
	0000-cover-letter.patch) ;;
	*) patches+=("$p") ;;
	esac
done
[ ${#patches[@]} -gt 0 ] || die "no patches in kernel/patches/"
[ -e "$tarball" ] || die "$tarball missing (apt-get install linux-source-6.1)"

key=$(
	{
		cat "${patches[@]}" "${fragments[@]}" "$0"
		dpkg-query -W -f '${Version}\n' linux-source-6.1
		gcc --version | head -n1
	} | sha256sum | cut -c1-16
)
dir=$cache/$key

mkdir -p "$cache"
# Serialise concurrent runs (two checkouts testing at once) on the cache.
exec 9>"$cache/.lock"
flock 9

if [ -e "$dir/.complete" ]; then
	touch "$dir/.complete"
	log "cached $(cat "$dir/kver") in $dir"
	echo "$dir"
	exit 0
fi

# The build tree refers to the source by absolute path, so it is built in
# place; .complete marks a finished build, anything else (an interrupted
# build, ours or of other inputs) is removed.
shopt -s nullglob
for d in "$cache"/*/; do
	[ -e "$d.complete" ] || rm -rf "$d"
done
shopt -u nullglob
mkdir -p "$dir/src" "$dir/build"
blog=$dir/build.log
: >"$blog"
start=$(date +%s)

# run CMD...: run a build step, its output in build.log; show the end of
# it on failure.
run() {
	echo "+ $*" >>"$blog"
	if ! "$@" >>"$blog" 2>&1; then
		log "FAILED: $*"
		tail -n 40 "$blog" | sed 's/^/  /' >&2
		die "full log: $blog"
	fi
}

log "building the patched kernel in $dir (log: $blog)"
log "extracting $tarball"
run tar -xf "$tarball" -C "$dir/src" --strip-components=1
# Applied with git am, as a maintainer would: in a repository made in the
# source tree that tracks the files the series touches (the whole tree
# would take minutes to add for nothing), committed as they came.
log "applying ${#patches[@]} patches with git am"
touched=$(cat "${patches[@]}" | sed -n 's|^+++ b/||p' | sort -u)
(
	cd "$dir/src"
	export GIT_CEILING_DIRECTORIES=$dir GIT_AUTHOR_NAME=linux-source-6.1 \
		GIT_AUTHOR_EMAIL=build@localhost GIT_COMMITTER_NAME=build-kernel \
		GIT_COMMITTER_EMAIL=build@localhost
	run git init -q
	# shellcheck disable=SC2086 # one path per word
	run git add -f -- $touched
	run git commit -q -m "linux-source-6.1 $(dpkg-query -W -f '${Version}' linux-source-6.1)"
	run git am -q --whitespace=error-all "${patches[@]}"
	# a git tree would add "+" to the kernel release (setlocalversion)
	rm -rf .git
)

kmake() { run make -C "$dir/src" O="$dir/build" ARCH=x86_64 "$@"; }

log "configuring: tinyconfig + ${fragments[*]#"$top"/}"
kmake tinyconfig
run "$dir/src/scripts/kconfig/merge_config.sh" -m -O "$dir/build" \
	"$dir/build/.config" "${fragments[@]}"
kmake olddefconfig

# Every option the fragments set must have survived olddefconfig, which
# drops options whose dependencies are not met without a word.  The last
# fragment that names an option says what it must be.
declare -A want=()
order=()
for f in "${fragments[@]}"; do
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) opt=${line%%=*} ;;
		"# CONFIG_"*" is not set")
			opt=${line#"# "}
			opt=${opt%% *}
			;;
		*) continue ;;
		esac
		[ -n "${want[$opt]+set}" ] || order+=("$opt")
		want[$opt]=$line
	done <"$f"
done
bad=0
for opt in "${order[@]}"; do
	line=${want[$opt]}
	case $line in
	CONFIG_*) grep -qxF "$line" "$dir/build/.config" && continue ;;
	*) grep -q "^$opt=" "$dir/build/.config" || continue ;;
	esac
	log "config: wanted '$line', got: $(grep -E "^(# )?${opt}[= ]" "$dir/build/.config" ||
		echo "(absent)")"
	bad=$((bad + 1))
done
[ "$bad" -eq 0 ] || die "$bad option(s) of the config fragments did not make it into .config"

log "compiling with $(nproc) jobs (a cold build takes a while)"
kmake -j"$(nproc)" bzImage modules
kver=$(make -s -C "$dir/src" O="$dir/build" ARCH=x86_64 kernelrelease)
log "installing $kver"
kmake INSTALL_MOD_PATH="$dir" modules_install
[ -e "$dir/lib/modules/$kver/modules.dep" ] || run depmod -b "$dir" "$kver"
mkdir -p "$dir/boot"
cp "$dir/build/arch/x86/boot/bzImage" "$dir/boot/vmlinuz-$kver"
ln -sfn ../../../build "$dir/lib/modules/$kver/build"
echo "$kver" >"$dir/kver"
secs=$(($(date +%s) - start))
echo "build-kernel: built $kver in $secs s" >>"$blog"
echo "$key" >"$dir/.complete"
log "built $kver in $((secs / 60)) min $((secs % 60)) s"

# Keep the builds used last; each is a few GB.
# shellcheck disable=SC2012 # names are hex keys
ls -1t "$cache"/*/.complete 2>/dev/null | tail -n +$((keep + 1)) | while read -r old; do
	log "removing old build ${old%/.complete}"
	rm -rf "${old%/.complete}"
done

echo "$dir"
