# SPDX-License-Identifier: GPL-2.0
#
#   make [module]   build kernel/snd-aloop.ko for the running kernel (KDIR=)
#   make fixtures   build the test-only modules in test/fixtures/ (KDIR=)
#   make tests      build test/src/*.c into build/test/bin/
#   make deps       install the Debian packages and fetch the VM's kernel
#   make check      build everything for the VM's kernel, boot it, run the
#                   tests in test/guest/tests/ (TESTS=GLOB[,GLOB] for some)
#   make demo       boot the VM and run test/guest/demo.sh
#   make shell      boot the VM into an interactive shell (Ctrl-a x quits)
#   make bench      clock-quality benchmark in the VM, results in
#                   build/bench/ (BENCH_SECONDS=N per configuration)
#   make clean
# W=1 and C=1 are passed on to kbuild.  FLAVOUR=rt-amd64 tests against
# Debian's PREEMPT_RT kernel instead of the default amd64 one.

KDIR ?= /lib/modules/$(shell uname -r)/build
FLAVOUR ?= amd64
TESTS ?=

VM := test/vm
BUILD := build
TEST_SRCS := $(wildcard test/src/*.c)
TEST_BINS := $(patsubst test/src/%.c,$(BUILD)/test/bin/%,$(TEST_SRCS))
TEST_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2
TEST_LDLIBS := -lasound -lm -lpthread

.PHONY: all module fixtures tests deps check demo shell bench vm-prep clean

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

# One recipe, because everything depends on the kernel version that
# fetch-kernel.sh resolves at run time.  The module is built against that
# kernel's headers, whatever KDIR says.
vm-prep:
	@$(VM)/deps.sh
	@kver=$$($(VM)/fetch-kernel.sh $(FLAVOUR) | tail -n1) && \
	echo "make: VM kernel $$kver" && \
	{ $(MAKE) --no-print-directory module KDIR=/lib/modules/$$kver/build || \
		{ echo "make: FAILED to build kernel/snd-aloop.ko for $$kver: no test ran" >&2; exit 1; }; } && \
	{ $(MAKE) --no-print-directory fixtures KDIR=/lib/modules/$$kver/build || \
		{ echo "make: FAILED to build the test fixtures in test/fixtures/ for $$kver: no test ran" >&2; exit 1; }; } && \
	{ $(MAKE) --no-print-directory tests || \
		{ echo "make: FAILED to build the test programs in test/src/: no test ran" >&2; exit 1; }; } && \
	$(VM)/mkinitramfs.sh $$kver

check: vm-prep
	@$(VM)/run-vm.sh check $(if $(TESTS),'aloop.tests=$(TESTS)') || true
	@$(VM)/report.sh $(BUILD)/vm

demo: vm-prep
	@$(VM)/run-vm.sh demo || true
	@$(VM)/report.sh --no-tap $(BUILD)/vm

shell: vm-prep
	@$(VM)/run-vm.sh shell

# Never fails on the figures; fails only when no results came out.
bench: vm-prep
	@$(VM)/run-vm.sh bench $(if $(BENCH_SECONDS),'aloop.bench_seconds=$(BENCH_SECONDS)') || true
	@$(VM)/bench-report.sh $(BUILD)/vm $(BUILD)/bench

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
