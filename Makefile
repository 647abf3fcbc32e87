# SPDX-License-Identifier: GPL-2.0
#
#   make [module]   build kernel/snd-aloop.ko for the running kernel (KDIR=)
#   make fixtures   build the test-only modules in test/fixtures/ (KDIR=)
#   make tests      build test/src/*.c into build/test/bin/
#   make deps       install the Debian packages and fetch the VM's kernel
#   make check      build everything for the VM's kernels, boot each, run
#                   the tests in test/guest/tests/ (TESTS=GLOB[,GLOB] for
#                   some) and report on all of them together
#   make demo       boot the VM and run test/guest/demo.sh
#   make shell      boot the VM into an interactive shell (Ctrl-a x quits)
#   make bench      clock-quality benchmark in the VM, results in
#                   build/bench/ (BENCH_SECONDS=N per configuration)
#   make clean
# W=1 and C=1 are passed on to kbuild.  KERNELS= chooses the VM kernels:
#   stock    Debian's own kernel, FLAVOUR=rt-amd64 for its PREEMPT_RT one
#   patched  linux-source-6.1 with kernel/patches/ and the debug options of
#            test/vm/patched.config (test/vm/build-kernel.sh, cached)
#   kasan    the same plus KASAN and kmemleak (test/vm/kasan.config); slow
# check runs them in the order given (default: stock patched); demo and
# shell boot the first.

KDIR ?= /lib/modules/$(shell uname -r)/build
FLAVOUR ?= amd64
TESTS ?=
KERNELS ?= stock patched

VM := test/vm
BUILD := build
TEST_SRCS := $(wildcard test/src/*.c)
TEST_BINS := $(patsubst test/src/%.c,$(BUILD)/test/bin/%,$(TEST_SRCS))
TEST_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2
TEST_LDLIBS := -lasound -lm -lpthread

# Where each kernel's VM image, logs and results go; the config fragments
# of the kernels built by build-kernel.sh.
VMDIR_stock := $(BUILD)/vm
VMDIR_patched := $(BUILD)/vm-patched
VMDIR_kasan := $(BUILD)/vm-kasan
KCONFIG_patched := $(VM)/patched.config
KCONFIG_kasan := $(VM)/patched.config $(VM)/kasan.config
VM_KERNEL := $(firstword $(KERNELS))
VMDIR = $(VMDIR_$(VM_KERNEL))

.PHONY: all module fixtures tests deps check demo shell bench vm-prep \
	vm-prep-stock vm-prep-patched vm-prep-kasan clean

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

tests: $(TEST_BINS)

$(BUILD)/test/bin/%: test/src/%.c $(wildcard test/src/*.h)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(TEST_LDLIBS)

deps:
	$(VM)/deps.sh --force
	$(VM)/fetch-kernel.sh $(FLAVOUR)

# One recipe for Debian's kernel and one for those built here, because
# everything depends on the kernel version that fetch-kernel.sh or
# build-kernel.sh finds at run time.  The module is built against that
# kernel's headers or build tree, whatever KDIR says; for a built kernel in
# a copy under its VM directory (module/), so that kernel/snd-aloop.ko
# stays the stock kernel's.
vm-prep: vm-prep-$(VM_KERNEL)

vm-prep-stock:
	@$(VM)/deps.sh
	@kver=$$($(VM)/fetch-kernel.sh $(FLAVOUR) | tail -n1) && \
	echo "make: VM kernel $$kver" && \
	{ $(MAKE) --no-print-directory module KDIR=/lib/modules/$$kver/build || \
		{ echo "make: FAILED to build kernel/snd-aloop.ko for $$kver: no test ran" >&2; exit 1; }; } && \
	{ $(MAKE) --no-print-directory fixtures KDIR=/lib/modules/$$kver/build || \
		{ echo "make: FAILED to build the test fixtures in test/fixtures/ for $$kver: no test ran" >&2; exit 1; }; } && \
	{ $(MAKE) --no-print-directory tests || \
		{ echo "make: FAILED to build the test programs in test/src/: no test ran" >&2; exit 1; }; } && \
	ALOOP_BUILD=$(CURDIR)/$(VMDIR_stock) $(VM)/mkinitramfs.sh $$kver

vm-prep-patched vm-prep-kasan: vm-prep-%:
	@$(VM)/deps.sh
	@kroot=$$($(VM)/build-kernel.sh $(KCONFIG_$*)) || \
		{ echo "make: FAILED to build the $* kernel: no test ran on it" >&2; exit 1; }; \
	kver=$$(cat "$$kroot/kver") && mod=$(CURDIR)/$(VMDIR_$*)/module && \
	echo "make: VM kernel $$kver ($*, $$kroot)" && \
	mkdir -p "$$mod" && rm -f "$$mod"/*.[ch] && \
	cp -p kernel/Kbuild kernel/*.[ch] "$$mod/" && \
	{ $(MAKE) --no-print-directory -C "$$kroot/build" M="$$mod" \
		$(if $(W),W=$(W)) $(if $(C),C=$(C)) modules || \
		{ echo "make: FAILED to build snd-aloop.ko for $$kver: no test ran on it" >&2; exit 1; }; } && \
	fix=$(CURDIR)/$(VMDIR_$*)/fixtures && mkdir -p "$$fix" && \
	rm -f "$$fix"/*.[ch] && cp -p test/fixtures/Kbuild test/fixtures/*.[ch] "$$fix/" && \
	{ $(MAKE) --no-print-directory -C "$$kroot/build" M="$$fix" \
		$(if $(W),W=$(W)) $(if $(C),C=$(C)) modules || \
		{ echo "make: FAILED to build the test fixtures in test/fixtures/ for $$kver: no test ran on it" >&2; exit 1; }; } && \
	{ $(MAKE) --no-print-directory tests || \
		{ echo "make: FAILED to build the test programs in test/src/: no test ran" >&2; exit 1; }; } && \
	ALOOP_KROOT=$$kroot ALOOP_BUILD=$(CURDIR)/$(VMDIR_$*) \
		ALOOP_KO=$$mod/snd-aloop.ko ALOOP_FIXTURES=$$fix \
		$(VM)/mkinitramfs.sh $$kver

# Each kernel in turn; a kernel that cannot be prepared counts as a
# failure in the report, the others still run.  The KASAN kernel gets more
# time unless ALOOP_VM_TIMEOUT says otherwise.
check:
	@runs=; \
	for k in $(KERNELS); do \
		t=2400; \
		case $$k in \
		stock) d=$(VMDIR_stock) ;; \
		patched) d=$(VMDIR_patched) ;; \
		kasan) d=$(VMDIR_kasan); t=6000 ;; \
		*) echo "make: unknown kernel '$$k' in KERNELS (stock, patched, kasan)" >&2; exit 2 ;; \
		esac; \
		mkdir -p $$d && rm -f $$d/results.tap $$d/vm.status $$d/prep.failed $$d/kver; \
		echo "make: === kernel $$k ==="; \
		if $(MAKE) --no-print-directory vm-prep-$$k; then \
			ALOOP_VM_TIMEOUT=$${ALOOP_VM_TIMEOUT:-$$t} ALOOP_BUILD=$(CURDIR)/$$d \
				$(VM)/run-vm.sh check aloop.kernel=$$k \
				$(if $(TESTS),'aloop.tests=$(TESTS)') || true; \
		else \
			echo "make vm-prep-$$k failed, see its output" >$$d/prep.failed; \
		fi; \
		runs="$$runs $$k=$$d"; \
	done; \
	$(VM)/report.sh $$runs

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
