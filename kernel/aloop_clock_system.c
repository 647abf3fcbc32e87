// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback sound card: the system clock.
 *
 * CLOCK_MONOTONIC; the cable's hrtimer does all the waking.
 */
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "aloop_clock.h"

static u64 system_now(struct aloop_clock *clock)
{
	return ktime_get_ns();
}

static bool system_following(struct aloop_clock *clock)
{
	return false;
}

static const struct aloop_clock_ops system_ops = {
	.now = system_now,
	.following = system_following,
};

/* Shared by every cable that is not on a card's clock. */
struct aloop_clock aloop_system_clock = {
	.ops = &system_ops,
	.name = "System clock",
};
