/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loopback sound card: the clocks a cable can run on.
 *
 * A clock only tells the time; the data path turns time into frames and
 * wakes itself with an hrtimer at the next period boundary, whatever the
 * clock.  The system clock is CLOCK_MONOTONIC.  A card clock follows a
 * card's timer (a PCM substream's period ticks): between ticks it runs
 * on the system clock scaled by the card's measured rate, and each tick
 * steers it back onto the card, so it can be read at any moment, any
 * period size works, and the long-term rate is the card's.
 */
#ifndef ALOOP_CLOCK_H
#define ALOOP_CLOCK_H

#include <linux/types.h>
#include <sound/timer.h>

/* An item name of the "Timer Source" control, with its NUL. */
#define ALOOP_NAME_LEN		44

struct aloop_clock;

/**
 * struct aloop_clock_ops - what a clock backend provides
 * @now: the clock's time in ns; any context, never goes backwards
 * @following: whether the clock is steered by its card's ticks right now
 */
struct aloop_clock_ops {
	u64 (*now)(struct aloop_clock *clock);
	bool (*following)(struct aloop_clock *clock);
};

/**
 * struct aloop_clock - a clock some cables run on
 * @ops: the backend
 * @name: the "Timer Source" item it stands for
 */
struct aloop_clock {
	const struct aloop_clock_ops *ops;
	char name[ALOOP_NAME_LEN];
};

/* aloop_clock_system.c */
extern struct aloop_clock aloop_system_clock;

/* aloop_clock_card.c */
struct aloop_clock *aloop_card_clock_get(const struct snd_timer_id *id,
					 const char *name);
void aloop_card_clock_put(struct aloop_clock *clock);
bool aloop_card_clock_dead(struct aloop_clock *clock);
const char *aloop_clock_state(struct aloop_clock *clock);

#endif /* ALOOP_CLOCK_H */
