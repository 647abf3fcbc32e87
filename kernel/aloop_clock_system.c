// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback sound card: the system clock.
 *
 * Time is CLOCK_MONOTONIC; the cable's hrtimer does all the waking, so
 * there is nothing to start or stop.
 */
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "aloop_clock.h"

static u64 system_now(struct aloop_clock *clock)
{
	return ktime_get_ns();
}

static void system_show(struct aloop_clock *clock,
			struct snd_info_buffer *buffer)
{
	snd_iprintf(buffer, "  clock: system\n");
}

static const struct aloop_clock_ops system_ops = {
	.now = system_now,
	.show = system_show,
};

/**
 * aloop_clock_use_system - make a clock the system clock
 * @clock: the clock, not started
 */
void aloop_clock_use_system(struct aloop_clock *clock)
{
	clock->ops = &system_ops;
	clock->instance = NULL;
}
