/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loopback sound card: the clocks a cable can run on.
 *
 * A clock tells the data path how much time has passed; the data path
 * turns time into frames and wakes itself with an hrtimer at the next
 * period boundary.  A clock that ticks on its own (a card's PCM timer)
 * also pokes the cable with aloop_cable_clock_tick() so that positions
 * move as soon as the ticks arrive.
 */
#ifndef ALOOP_CLOCK_H
#define ALOOP_CLOCK_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include <sound/info.h>
#include <sound/timer.h>

struct aloop_cable;
struct aloop_clock;

/**
 * struct aloop_clock_ops - what a clock backend provides
 * @start: the cable's first end starts; atomic context, cable lock held
 * @stop: the cable's last end stops; atomic context, cable lock held
 * @now: time on this clock in ns; atomic context, cable lock held
 * @close: release the backend; process context, no cable lock
 * @show: describe the clock for proc; process context
 */
struct aloop_clock_ops {
	void (*start)(struct aloop_clock *clock);
	void (*stop)(struct aloop_clock *clock);
	u64 (*now)(struct aloop_clock *clock);
	void (*close)(struct aloop_clock *clock);
	void (*show)(struct aloop_clock *clock, struct snd_info_buffer *buffer);
};

/**
 * struct aloop_clock - a cable's clock
 * @ops: the backend
 * @cable: the cable to poke on ticks
 * @lock: protects @elapsed_ns and @ticks; nests inside the cable lock
 * @instance: the card backend's timer instance
 * @id: the card backend's timer id
 * @elapsed_ns: the card backend's time: ticks times their resolution
 * @ticks: ticks received, for proc
 */
struct aloop_clock {
	const struct aloop_clock_ops *ops;
	struct aloop_cable *cable;
	spinlock_t lock;	/* @elapsed_ns, @ticks; inside the cable lock */
	struct snd_timer_instance *instance;
	struct snd_timer_id id;
	u64 elapsed_ns;
	u64 ticks;
};

/* aloop_clock_system.c */
void aloop_clock_use_system(struct aloop_clock *clock);

/* aloop_clock_card.c */
int aloop_clock_open_card(struct aloop_clock *clock,
			  const struct snd_timer_id *id, const char *owner);

/* aloop_source.c: choosing a cable's clock from timer_source */
int aloop_source_parse(const char *str, struct snd_timer_id *id);
void aloop_source_open(struct aloop_cable *cable);
void aloop_source_close(struct aloop_cable *cable);

#endif /* ALOOP_CLOCK_H */
