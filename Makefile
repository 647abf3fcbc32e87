# SPDX-License-Identifier: GPL-2.0
#
#   make [module]   build kernel/snd-aloop.ko for the running kernel (KDIR=)
#   make fixtures   build the test-only modules in test/fixtures/ (KDIR=)
#   make tests      build test/src/*.c into build/test/bin/
#   make helper     build the aloop-timer helper (udev/) into build/udev/
#   make install    install the helper, its man page, the udev rule, the
#                   systemd unit and the alsactl init profile (DESTDIR=,
#                   PREFIX=/usr/local; BINDIR, MANDIR, UDEVDIR,
#                   SYSTEMDUNITDIR, ALSAINITDIR=/usr/share/alsa/init)
#   make uninstall  remove what install installed (same variables)
#   make dkms-install    register kernel/ with DKMS, build and install it
#                   for KVER= (default: the running kernel) over the
#                   in-tree module (updates/); dkms-uninstall removes it.
#                   DKMS_FLAGS= and DKMS_SRCTREE= (default /usr/src) are
#                   for scratch trees (the tests use them)
#   make deps       install the Debian packages and fetch the VM's kernel
#   make check      build everything for the VM's kernels, boot each, run
#                   the tests in test/guest/tests/ (TESTS=GLOB[,GLOB] for
#                   some) and report on all of them together
#   make check-debug  the same on the debug kernel only (KERNELS=debug)
#   make check-rt   the same on Debian's PREEMPT_RT kernel (KERNELS=rt)
#   make demo       boot the VM and run test/guest/demo.sh
#   make shell      boot the VM into an interactive shell (Ctrl-a x quits)
#   make bench      clock-quality benchmark in the VM, results in
#                   build/bench/ (BENCH_SECONDS=N per configuration)
#   make lint       checkpatch --strict, sparse, W=1, coccinelle on the
#                   kernel code, the test programs under ASan and UBSan
#                   (test/lint.sh); fails on any finding
#   make stress     test/guest/tests/90-stress.sh alone, for long:
#                   STRESS_SECONDS=N (default 600), STRESS_SEED=N (default
#                   a random one, printed), on the debug kernel unless
#                   KERNELS= says otherwise; prints the figures per kernel
#   make clean
# W=1 and C=1 are passed on to kbuild.  KERNELS= chooses the VM kernels
# (test/vm/prepare.sh):
#   stock    Debian's own kernel
#   rt       Debian's PREEMPT_RT kernel
#   patched  linux-source-6.1 with kernel/patches/ and the cheap debug
#            options of test/vm/patched.config (lockdep, ...; built by
#            test/vm/build-kernel.sh, cached)
#   debug    the same plus KASAN and kmemleak (test/vm/debug.config)
# check runs them in the order given (default: stock patched); demo, shell
# and bench boot the first.

KDIR ?= /lib/modules/$(shell uname -r)/build
TESTS ?=
KERNELS ?= stock patched
STRESS_SECONDS ?= 600
STRESS_SEED ?=
# make stress: the debug kernel unless KERNELS is given
STRESS_KERNELS := $(if $(filter command line environment,$(origin KERNELS)),$(KERNELS),debug)
# more kernel command line for the guest (test/vm/init.sh), e.g.
# aloop.env.NAME=VALUE
VM_ARGS ?=

VM := test/vm
BUILD := build
TEST_SRCS := $(wildcard test/src/*.c)
TEST_BINS := $(patsubst test/src/%.c,$(BUILD)/test/bin/%,$(TEST_SRCS))
TEST_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2
TEST_LDLIBS := -lasound -lm -lpthread
# The stress and fuzz programs also with ASan and UBSan (NAME.san), for
# the guest; make lint builds and runs every program so.
SAN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -g
TEST_SAN_BINS := $(patsubst test/src/%.c,$(BUILD)/test/bin/%.san,\
	$(filter test/src/stress.c test/src/fuzz.c,$(TEST_SRCS)))

# The version of the module (DKMS) and of the helper.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' kernel/dkms.conf)

# make install
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UDEVDIR ?= $(PREFIX)/lib/udev
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
# alsactl reads its init profiles from here only, whatever the prefix
ALSAINITDIR ?= /usr/share/alsa/init
HELPER := $(BUILD)/udev/aloop-timer
HELPER_CFLAGS := $(TEST_CFLAGS) -DALOOP_VERSION='"$(VERSION)"'
HELPER_LDLIBS := -lasound -ludev
# what install puts where, from udev/ and alsactl-profiles/
INSTALLED := $(BINDIR)/aloop-timer $(MANDIR)/man1/aloop-timer.1 \
	$(UDEVDIR)/rules.d/85-aloop-timer.rules \
	$(SYSTEMDUNITDIR)/aloop-timer-apply@.service \
	$(ALSAINITDIR)/preinit/50-aloop-timer.conf

# make dkms-install
KVER ?= $(shell uname -r)
DKMS_SRCTREE ?= /usr/src
DKMS_FLAGS ?=
DKMS := dkms $(DKMS_FLAGS)
DKMS_SRC := $(DKMS_SRCTREE)/snd-aloop-$(VERSION)

# Each kernel's VM image, module build, logs and results go to
# build/vm-KERNEL/.
ALL_KERNELS := stock rt patched debug
VM_KERNEL := $(firstword $(KERNELS))
VMDIR = $(BUILD)/vm-$(VM_KERNEL)
export KBUILD_ARGS := $(if $(W),W=$(W)) $(if $(C),C=$(C))

.PHONY: all module fixtures tests helper install uninstall dkms-install \
	dkms-uninstall deps check check-debug check-rt demo shell bench stress \
	lint vm-prep clean

all: module

module:
	@test -f kernel/Kbuild || test -f kernel/Makefile || \
		{ echo "make: kernel/Kbuild is missing: the module sources are not there yet" >&2; exit 1; }
	@test -d $(KDIR) || \
		{ echo "make: no kernel headers in $(KDIR) (set KDIR=, or use make check)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel $(if $(W),W=$(W)) $(if $(C),C=$(C)) modules

# Same kbuild invocation as the module; only the directory differs.
fixtures:
	@test -d $(KDIR) || \
		{ echo "make: no kernel headers in $(KDIR) (set KDIR=, or use make check)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/test/fixtures $(if $(W),W=$(W)) $(if $(C),C=$(C)) modules

tests: $(TEST_BINS) $(TEST_SAN_BINS)

$(BUILD)/test/bin/%: test/src/%.c $(wildcard test/src/*.h)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(TEST_LDLIBS)

$(BUILD)/test/bin/%.san: test/src/%.c $(wildcard test/src/*.h)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(SAN_CFLAGS) -o $@ $< $(TEST_LDLIBS)

helper: $(HELPER)

$(HELPER): udev/aloop-timer.c kernel/dkms.conf
	@mkdir -p $(@D)
	$(CC) $(HELPER_CFLAGS) -o $@ $< $(HELPER_LDLIBS)

# The rule, the unit and the profile name the helper by its installed path.
install: $(HELPER)
	install -D -m 755 $(HELPER) $(DESTDIR)$(BINDIR)/aloop-timer
	install -D -m 644 udev/aloop-timer.1 $(DESTDIR)$(MANDIR)/man1/aloop-timer.1
	@for f in udev/85-aloop-timer.rules:$(UDEVDIR)/rules.d \
		udev/aloop-timer-apply@.service:$(SYSTEMDUNITDIR) \
		alsactl-profiles/50-aloop-timer.conf:$(ALSAINITDIR)/preinit; do \
		src=$${f%%:*}.in; dir=$(DESTDIR)$${f#*:}; \
		echo "install $$src -> $$dir/$${src##*/}" | sed 's/\.in$$//'; \
		mkdir -p "$$dir" && \
		sed 's|@BINDIR@|$(BINDIR)|g' "$$src" >"$$dir/.tmp.$$$$" && \
		chmod 644 "$$dir/.tmp.$$$$" && \
		mv "$$dir/.tmp.$$$$" "$$dir/$$(basename "$$src" .in)" || exit 1; \
	done

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(ALSAINITDIR)/preinit 2>/dev/null

# Over the in-tree module: DKMS installs into updates/ (dkms.conf), which
# depmod searches first.  A version already registered is replaced.
dkms-install:
	@command -v dkms >/dev/null || \
		{ echo "make: dkms is not installed (apt-get install dkms)" >&2; exit 1; }
	@test -d /lib/modules/$(KVER)/build || \
		{ echo "make: no headers for $(KVER) (apt-get install linux-headers-$(KVER)), or set KVER=" >&2; exit 1; }
	@$(DKMS) remove -m snd-aloop -v $(VERSION) --all >/dev/null 2>&1 || true
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -p kernel/Kbuild kernel/*.[ch] kernel/dkms.conf $(DKMS_SRC)/
	$(DKMS) add -m snd-aloop -v $(VERSION)
	$(DKMS) build -m snd-aloop -v $(VERSION) -k $(KVER)
	$(DKMS) install -m snd-aloop -v $(VERSION) -k $(KVER)

dkms-uninstall:
	@command -v dkms >/dev/null || \
		{ echo "make: dkms is not installed" >&2; exit 1; }
	$(DKMS) remove -m snd-aloop -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

deps:
	$(VM)/deps.sh --force
	$(VM)/fetch-kernel.sh amd64
	$(VM)/fetch-kernel.sh rt-amd64

# vm-prep: the first of KERNELS ready to boot (test/vm/prepare.sh).
vm-prep: tests
	@$(VM)/prepare.sh $(VM_KERNEL) $(CURDIR)/$(VMDIR)

# Each kernel in turn; a kernel that cannot be prepared counts as a
# failure in the report, the others still run.  The debug kernel gets more
# time unless ALOOP_VM_TIMEOUT says otherwise.
check: tests
	@runs=; \
	for k in $(KERNELS); do \
		case " $(ALL_KERNELS) " in *" $$k "*) ;; \
		*) echo "make: unknown kernel '$$k' in KERNELS ($(ALL_KERNELS))" >&2; exit 2 ;; \
		esac; \
		d=$(BUILD)/vm-$$k; t=2400; [ $$k != debug ] || t=6000; \
		mkdir -p $$d && rm -f $$d/results.tap $$d/vm.status $$d/prep.failed $$d/kver; \
		echo "make: === kernel $$k ==="; \
		if $(VM)/prepare.sh $$k $(CURDIR)/$$d; then \
			ALOOP_VM_TIMEOUT=$${ALOOP_VM_TIMEOUT:-$$t} ALOOP_BUILD=$(CURDIR)/$$d \
				$(VM)/run-vm.sh check aloop.kernel=$$k \
				$(if $(TESTS),'aloop.tests=$(TESTS)') $(VM_ARGS) || true; \
		else \
			echo "test/vm/prepare.sh $$k failed, see its output" >$$d/prep.failed; \
		fi; \
		runs="$$runs $$k=$$d"; \
	done; \
	$(VM)/report.sh $$runs

check-debug:
	@$(MAKE) --no-print-directory check KERNELS=debug

check-rt:
	@$(MAKE) --no-print-directory check KERNELS=rt

demo: vm-prep
	@ALOOP_BUILD=$(CURDIR)/$(VMDIR) $(VM)/run-vm.sh demo aloop.kernel=$(VM_KERNEL) || true
	@$(VM)/report.sh --no-tap $(VMDIR)

shell: vm-prep
	@ALOOP_BUILD=$(CURDIR)/$(VMDIR) $(VM)/run-vm.sh shell aloop.kernel=$(VM_KERNEL)

# Never fails on the figures; fails only when no results came out.
bench: vm-prep
	@ALOOP_BUILD=$(CURDIR)/$(VMDIR) $(VM)/run-vm.sh bench aloop.kernel=$(VM_KERNEL) \
		$(if $(BENCH_SECONDS),'aloop.bench_seconds=$(BENCH_SECONDS)') || true
	@$(VM)/bench-report.sh $(VMDIR) $(BUILD)/bench

lint:
	@test/lint.sh

# The stress alone for STRESS_SECONDS on each of KERNELS, then its
# figures; the verdict is make check's.  The scripts and the VM get time
# for the stress, its ASan round (a quarter) and a slow kernel.
stress:
	@seed='$(STRESS_SEED)'; secs='$(STRESS_SECONDS)'; \
	[ -n "$$seed" ] || seed=$$(od -An -N4 -tu4 /dev/urandom | tr -d ' '); \
	echo "make: stress for $$secs s, seed $$seed, kernels $(STRESS_KERNELS)"; \
	status=0; \
	ALOOP_VM_TIMEOUT=$$((secs * 3 + 1800)) $(MAKE) --no-print-directory check \
		TESTS='90-stress' KERNELS='$(STRESS_KERNELS)' \
		VM_ARGS="aloop.env.STRESS_SECONDS=$$secs aloop.env.STRESS_SEED=$$seed aloop.env.ALOOP_TIMEOUT_MIN=$$((secs * 2 + 900))" \
		|| status=$$?; \
	for k in $(STRESS_KERNELS); do \
		echo "=== stress figures, kernel $$k: $$(cat $(BUILD)/vm-$$k/kver 2>/dev/null) ==="; \
		sed -n 's/^# stress: //p' $(BUILD)/vm-$$k/tap.txt 2>/dev/null; \
	done; \
	exit $$status

clean:
	@if [ -d $(KDIR) ] && { [ -f kernel/Kbuild ] || [ -f kernel/Makefile ]; }; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/kernel clean; \
	else \
		rm -f kernel/*.o kernel/*.ko kernel/*.mod kernel/*.mod.c kernel/.*.cmd \
			kernel/Module.symvers kernel/modules.order; \
	fi
	@if [ -d $(KDIR) ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/test/fixtures clean; \
	else \
		rm -f test/fixtures/*.o test/fixtures/*.ko test/fixtures/*.mod \
			test/fixtures/*.mod.c test/fixtures/.*.cmd \
			test/fixtures/Module.symvers test/fixtures/modules.order; \
	fi
	rm -rf $(BUILD)
