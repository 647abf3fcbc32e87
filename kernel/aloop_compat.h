/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loopback sound card: differences between the kernels we build for.
 *
 * The module is developed on 6.1.  Kbuild looks at the kernel's headers
 * and defines ALOOP_HAVE_* for interfaces that changed later, so one
 * source builds on each without version arithmetic.
 */
#ifndef ALOOP_COMPAT_H
#define ALOOP_COMPAT_H

#include <linux/hrtimer.h>

/* hrtimer_setup() (6.13) replaced hrtimer_init() plus ->function. */
static inline void aloop_hrtimer_setup(struct hrtimer *timer,
				       enum hrtimer_restart (*fn)(struct hrtimer *))
{
#ifdef ALOOP_HAVE_HRTIMER_SETUP
	hrtimer_setup(timer, fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
#else
	hrtimer_init(timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	timer->function = fn;
#endif
}

#endif /* ALOOP_COMPAT_H */
