#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lint.sh - static analysis of the kernel code, sanitizer runs of the test
# programs (make lint).  Any finding fails it.
#
#   checkpatch   scripts/checkpatch.pl --strict on kernel/*.[ch] and
#                test/fixtures/*.[ch] (-f), and on kernel/patches/*.patch
#                (--no-signoff: the series has nobody to certify the DCO)
#   sparse, W=1  kbuild with C=2 (sparse on every file) and W=1 on the
#                module and the fixtures against Debian's headers, and on
#                the module against the patched kernel's tree (its
#                link_changed path); any warning or error line counts
#   coccinelle   every scripts/coccinelle/{api,free,iterators,locks,misc,
#                null}/*.cocci in report mode on kernel/ and test/fixtures/,
#                with each script's Options: line, as scripts/coccicheck
#                runs them; a line naming one of our files counts, and so
#                does a script that fails
#   sanitizers   every test/src/*.c and the udev helper (udev/aloop-timer.c)
#                built with -Wall -Wextra -Werror, ASan and UBSan; each run
#                with --help (exit 0) and an unknown option (exit 2), the
#                helper's commands also against an absent card (exit 4),
#                under ASan/UBSan with leak checking; any report counts
#
# checkpatch.pl and the .cocci scripts come from Debian's linux-source-6.1
# (/usr/src/linux-source-6.1.tar.xz), whose scripts/ is extracted once to
# ${ALOOP_CACHE:-/var/cache/aloop-test}/lint/linux-source-VERSION/ (about
# 20 s).  The kernels are the rig's: test/vm/fetch-kernel.sh for Debian's
# headers, test/vm/build-kernel.sh for the patched one, as make check
# builds it (cached; built if missing, 5 to 7 minutes).  It installs sparse, coccinelle and ocaml-nox
# (coccinelle's OCaml scripts) when missing.
#
# Output: one line per step, "lint: STEP: ok" or the findings, then
# "lint: N passed, N failed".  Environment: LINT_JOBS (parallel spatch
# runs, default the number of CPUs), ALOOP_CACHE.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
vm=$top/test/vm
cache=${ALOOP_CACHE:-/var/cache/aloop-test}/lint
build=$top/build/lint
jobs=${LINT_JOBS:-$(nproc)}
passed=0
failed=0

log() { echo "lint: $*"; }
die() { log "$*"; log "0 passed, 1 failed"; exit 1; }

# step NAME OUTPUT: pass if OUTPUT is empty, else fail showing it
step() {
	if [ -z "$2" ]; then
		log "$1: ok"
		passed=$((passed + 1))
	else
		log "$1: FAILED"
		printf '%s\n' "$2" | sed 's/^/  /'
		failed=$((failed + 1))
	fi
}

# --- what it needs -------------------------------------------------------
pkgs=(sparse coccinelle ocaml-nox linux-source-6.1 perl gcc libasound2-dev libudev-dev)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >&2 ||
		die "cannot install ${missing[*]}"
fi

version=$(dpkg-query -W -f '${Version}' linux-source-6.1)
src=$cache/linux-source-$version
if [ ! -e "$src/.complete" ]; then
	log "extracting scripts/ of linux-source-6.1 $version to $src"
	rm -rf "$src" && mkdir -p "$src" &&
		tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$src" --strip-components=1 \
			linux-source-6.1/scripts || die "cannot extract /usr/src/linux-source-6.1.tar.xz"
	touch "$src/.complete"
fi

kver=$("$vm/fetch-kernel.sh" amd64 2>/dev/null | tail -n1) && [ -d "/lib/modules/$kver/build" ] ||
	die "no headers of Debian's kernel (test/vm/fetch-kernel.sh amd64)"
kroot=$("$vm/build-kernel.sh" "$vm/patched.config" | tail -n1) &&
	[ -d "$kroot/build" ] || die "no patched kernel (test/vm/build-kernel.sh)"

cd "$top" || exit 1
mapfile -t csrc < <(git ls-files 'kernel/*.[ch]' 'test/fixtures/*.[ch]')
mapfile -t patches < <(git ls-files 'kernel/patches/*.patch' | grep -v '/0000-cover-letter.patch$')

# --- checkpatch ----------------------------------------------------------
# Run on copies outside the work tree: inside a git tree checkpatch.pl
# reads a .patch file differently and reports its empty context lines.
rm -rf "$build" && mkdir -p "$build/patches"
cp "${patches[@]}" "$build/patches/"
out=$(perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types -f "${csrc[@]}" 2>&1 |
	grep -v '^total: 0 errors, 0 warnings, 0 checks')
step "checkpatch --strict ${#csrc[@]} source files" "$out"
out=$(cd "$build/patches" && for p in *.patch; do
	perl "$src/scripts/checkpatch.pl" --strict --no-tree --no-signoff --terse --show-types "$p" 2>&1
done | grep -v '^total: 0 errors, 0 warnings, 0 checks')
step "checkpatch --strict --no-signoff ${#patches[@]} patches" "$out"

# --- sparse and W=1 ------------------------------------------------------
# kbuild in copies, so that the tree's objects stay as they are
# kbuild_check NAME KDIR SRCDIR: C=2 W=1 build of a copy of SRCDIR
kbuild_check() {
	local dir=$build/$1
	mkdir -p "$dir"
	cp "$3"/Kbuild "$3"/*.[ch] "$dir/"
	out=$(make -C "$2" M="$dir" W=1 C=2 modules 2>&1)
	if [ $? -ne 0 ]; then
		printf '%s\n' "$out" | tail -n 30
		return
	fi
	printf '%s\n' "$out" | grep -E 'warning|error' | grep -v 'Skipping BTF generation'
}
step "sparse and W=1, module, Debian $kver" "$(kbuild_check module-stock "/lib/modules/$kver/build" kernel)"
step "sparse and W=1, fixtures, Debian $kver" "$(kbuild_check fixtures-stock "/lib/modules/$kver/build" test/fixtures)"
step "sparse and W=1, module, patched $(cat "$kroot/kver")" "$(kbuild_check module-patched "$kroot/build" kernel)"

# --- coccinelle ----------------------------------------------------------
hdr=/lib/modules/$kver/build
# Debian splits the headers: linux-headers-KVER and ...-common
common=$(readlink -f "$hdr")
common=${common%-amd64}-common
incs=(-I "$hdr/arch/x86/include/generated" -I "$hdr/include")
[ -d "$common" ] && incs+=(-I "$common/arch/x86/include" -I "$common/include"
	-I "$common/arch/x86/include/uapi" -I "$common/include/uapi")
cat >"$build/spatch1.sh" <<'EOF'
#!/bin/bash
# spatch1.sh COCCI DIR [SPATCH ARGS...]: report mode, the script's Options:
cocci=$1
shift
opt=$(sed -n 's|^//[[:space:]]*Options:||p' "$cocci" | head -n1)
# shellcheck disable=SC2086 # the Options: line is a list of options
out=$(spatch -D report --very-quiet --no-show-diff --cocci-file "$cocci" $opt "$@" 2>&1)
status=$?
[ $status -eq 0 ] || printf '%s: spatch failed (%d): %s\n' "${cocci##*/}" $status "$(printf '%s\n' "$out" | tail -n 3)"
# findings name our files; anything else is spatch talking about the script
printf '%s\n' "$out" | grep -E '^(kernel|test/fixtures)/' | sed "s|^|${cocci##*/}: |"
EOF
chmod +x "$build/spatch1.sh"
mapfile -t coccis < <(ls "$src"/scripts/coccinelle/{api,free,iterators,locks,misc,null}/*.cocci)
out=$(for d in kernel test/fixtures; do
	printf '%s\n' "${coccis[@]}" | xargs -P "$jobs" -I{} "$build/spatch1.sh" {} --dir "$d" "${incs[@]}"
done)
step "coccinelle, ${#coccis[@]} scripts of scripts/coccinelle/{api,free,iterators,locks,misc,null}" "$out"

# --- ASan and UBSan --------------------------------------------------------
san=$build/san
mkdir -p "$san"
out=
# san_build NAME SOURCE EXTRA-ARGS...: build NAME with the sanitizers
san_build() {
	local msg
	msg=$(gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g \
		-fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer -o "$san/$1" "$2" "${@:3}" 2>&1) && return 0
	out+="$1: build failed: $msg"$'\n'
	return 1
}
# san_run NAME STATUS ARGS...: run NAME with ARGS, expect exit STATUS and
# no sanitizer report
san_run() {
	local res rc
	res=$(ASAN_OPTIONS=detect_leaks=1:exitcode=99 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98 \
		"$san/$1" "${@:3}" </dev/null 2>&1)
	rc=$?
	if [ "$rc" -ne "$2" ] || printf '%s\n' "$res" | grep -q 'Sanitizer\|runtime error:'; then
		out+="$1 ${*:3}: exit status $rc (expected $2)"$'\n'
		out+=$(printf '%s\n' "$res" | grep -A 12 'Sanitizer\|runtime error:' | head -n 20)$'\n'
	fi
}
for c in test/src/*.c; do
	p=$(basename "$c" .c)
	san_build "$p" "$c" -lasound -lm -lpthread || continue
	san_run "$p" 0 --help
	san_run "$p" 2 --no-such-option
done
step "ASan+UBSan: $(ls test/src/*.c | wc -l) test programs, --help and a bad option" "$out"

# The helper's version comes from the Makefile; card 31 is never there
# (SNDRV_CARDS is 32 at most and our machines have none).
out=
if san_build aloop-timer udev/aloop-timer.c -DALOOP_VERSION='"lint"' -lasound -ludev; then
	san_run aloop-timer 0 --help
	san_run aloop-timer 0 --version
	san_run aloop-timer 2 --no-such-option
	san_run aloop-timer 2 frobnicate
	san_run aloop-timer 2 set
	for cmd in list get "set x" watch "apply --file /nonexistent"; do
		# shellcheck disable=SC2086 # the command and its arguments
		san_run aloop-timer 4 --card 31 $cmd
	done
fi
step "ASan+UBSan: udev helper, usage errors and an absent card" "$out"

log "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
