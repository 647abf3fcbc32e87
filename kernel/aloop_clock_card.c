// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback sound card: a card's timer as the clock.
 *
 * The clock's time is the sum of the ticks the timer delivered, each
 * worth the timer's resolution.  Counting every tick (rather than one
 * period per callback) keeps the time right when the timer core bunches
 * ticks together, which it does whenever its work item runs late.
 */
#include <linux/slab.h>

#include "aloop.h"

/*
 * Called from the timer core's work item (we do not ask for
 * SNDRV_TIMER_IFLG_FAST: a fast callback would run under the source
 * card's stream lock, and poking our own streams from there could
 * deadlock).  Note the argument order: sound/core/timer.c passes
 * (resolution, ticks), whatever the prototype's parameter names say.
 */
static void card_timer_callback(struct snd_timer_instance *instance,
				unsigned long resolution, unsigned long ticks)
{
	struct aloop_clock *clock = instance->callback_data;
	unsigned long flags;

	spin_lock_irqsave(&clock->lock, flags);
	clock->elapsed_ns += (u64)resolution * ticks;
	clock->ticks += ticks;
	spin_unlock_irqrestore(&clock->lock, flags);

	aloop_cable_clock_tick(clock->cable);
}

static void card_start(struct aloop_clock *clock)
{
	int err = snd_timer_start(clock->instance, 1);

	if (err < 0)
		pr_warn_ratelimited("snd-aloop: cannot start timer %d,%d,%d: %d\n",
				    clock->id.card, clock->id.device,
				    clock->id.subdevice, err);
}

static void card_stop(struct aloop_clock *clock)
{
	snd_timer_stop(clock->instance);
}

static u64 card_now(struct aloop_clock *clock)
{
	unsigned long flags;
	u64 now;

	spin_lock_irqsave(&clock->lock, flags);
	now = clock->elapsed_ns;
	spin_unlock_irqrestore(&clock->lock, flags);
	return now;
}

static void card_close(struct aloop_clock *clock)
{
	/* waits for a callback that is still running */
	snd_timer_close(clock->instance);
	snd_timer_instance_free(clock->instance);
	aloop_clock_use_system(clock);
}

static void card_show(struct aloop_clock *clock,
		      struct snd_info_buffer *buffer)
{
	unsigned long flags;
	u64 ticks;

	spin_lock_irqsave(&clock->lock, flags);
	ticks = clock->ticks;
	spin_unlock_irqrestore(&clock->lock, flags);
	snd_iprintf(buffer, "  clock: timer %d,%d,%d (%s)\n",
		    clock->id.card, clock->id.device, clock->id.subdevice,
		    clock->instance->timer->name);
	snd_iprintf(buffer, "  clock ticks: %llu\n", ticks);
}

static const struct aloop_clock_ops card_ops = {
	.start = card_start,
	.stop = card_stop,
	.now = card_now,
	.close = card_close,
	.show = card_show,
};

/**
 * aloop_clock_open_card - make a clock follow a card's timer
 * @clock: the clock, on the system clock and not started
 * @id: the timer to follow
 * @owner: name shown as the timer instance's owner
 *
 * Process context; may sleep and load modules.
 *
 * Return: 0, or a negative error code with @clock left on the system clock.
 */
int aloop_clock_open_card(struct aloop_clock *clock,
			  const struct snd_timer_id *id, const char *owner)
{
	struct snd_timer_instance *instance;
	int err;

	instance = snd_timer_instance_new(owner);
	if (!instance)
		return -ENOMEM;
	instance->flags |= SNDRV_TIMER_IFLG_AUTO;
	instance->callback = card_timer_callback;
	instance->callback_data = clock;
	clock->id = *id;
	err = snd_timer_open(instance, &clock->id, current->pid);
	if (err < 0) {
		snd_timer_instance_free(instance);
		return err;
	}
	clock->elapsed_ns = 0;
	clock->ticks = 0;
	clock->instance = instance;
	clock->ops = &card_ops;
	return 0;
}
