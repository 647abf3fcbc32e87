// SPDX-License-Identifier: GPL-2.0
/*
 * The module's version, PACKAGE_VERSION of dkms.conf (Kbuild passes it).
 * DKMS installs a module over the kernel's own only when their versions
 * differ, and the in-tree snd-aloop has none: without a version here, DKMS
 * would refuse to put this one in updates/ ("exactly matches what is
 * already found in kernel").
 */
#include <linux/module.h>

MODULE_VERSION(ALOOP_MODULE_VERSION);
