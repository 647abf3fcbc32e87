// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback sound card: a card's timer as a clock.
 *
 * One clock per followed timer, shared by the cables that follow it.  The
 * clock is a line through (system time, clock time) with a slope near 1.
 * Each tick of the card's timer tells the card time C (the sum of the
 * ticks times their resolution, every tick counted, also when several
 * arrive at once); the clock steers its slope so that its time converges
 * on C plus a fixed phase offset: the slope is the card's rate measured
 * over a long baseline plus a correction that removes the phase error
 * within PHASE_NS.  So the cable's long-term rate is the card's, and its
 * accumulated drift against the card stays at the scale of the ticks'
 * arrival jitter.
 *
 * Until the first tick (the card's stream is not running) the clock runs
 * at the system clock's rate; when the ticks stop it holds over at the
 * last measured rate; when they come back it picks them up again.  The
 * time never jumps, so a cable can be moved onto or off this clock while
 * it runs.
 *
 * Ticks are taken with SNDRV_TIMER_IFLG_FAST, i.e. in the card's own
 * period interrupt, so their timestamps are as good as the card's
 * interrupts.  That callback only does arithmetic under the clock's leaf
 * lock and never calls into the PCM core.
 *
 * The card time of a PCM timer is the stream's hardware position, read
 * in that interrupt (snd_pcm_period_elapsed() updates it just before it
 * ticks the timer, under the stream lock we run in): a driver that reports
 * several periods with one call (snd-dummy does when its hrtimer runs
 * late, usb-audio with short periods) ticks the timer once for all of
 * them, so counting ticks would fall behind for good.  A global timer's
 * card time is its ticks times their resolution.
 */
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "aloop.h"

#define Q32			BIT_ULL(32)
/* a phase error is corrected over this time */
#define PHASE_NS		(250 * NSEC_PER_MSEC)
/* a phase error beyond this is a restart of the card, not drift */
#define RELOCK_NS		(50 * NSEC_PER_MSEC)
/* the rate is measured over at least this long ... */
#define RATE_MIN_NS		NSEC_PER_SEC
/* ... and the baseline is halved beyond this, to follow slow changes */
#define RATE_MAX_NS		(16 * NSEC_PER_SEC)

enum card_clock_state {
	CLOCK_WAITING,		/* no tick yet: system clock rate */
	CLOCK_FOLLOWING,	/* steered by the ticks */
	CLOCK_HOLDOVER,		/* ticks stopped: last measured rate */
};

/**
 * struct card_clock - a clock that follows a card's timer
 * @clock: what cables see
 * @node: in card_clocks, under card_clock_mutex
 * @users: cables on this clock, under card_clock_mutex
 * @id: the followed timer
 * @instance: our instance of it
 * @lock: protects everything below; a leaf lock, taken in the card's
 *	  interrupt, under the cable lock and under the timer's lock
 * @state: see enum card_clock_state
 * @dead: the timer went away with its card
 * @card_ns: card time
 * @frames: a PCM timer's frames since @card_ns was last anchored
 * @frames_ns: @card_ns at that anchor
 * @hw_ptr: the stream's hardware position at the last tick
 * @base_sys: system time of the line's anchor
 * @base_clk: clock time of the line's anchor
 * @slope: clock ns per system ns, Q32
 * @rate: measured card ns per system ns, Q32
 * @offset: clock time minus card time the steering aims for
 * @ref_sys: system time at the start of the rate baseline
 * @ref_card: card time at the start of the rate baseline
 */
struct card_clock {
	struct aloop_clock clock;
	struct list_head node;
	unsigned int users;
	struct snd_timer_id id;
	struct snd_timer_instance *instance;
	spinlock_t lock;	/* see above */
	enum card_clock_state state;
	bool dead;
	u64 card_ns;
	u64 frames;
	u64 frames_ns;
	snd_pcm_uframes_t hw_ptr;
	u64 base_sys;
	u64 base_clk;
	u64 slope;
	u64 rate;
	s64 offset;
	u64 ref_sys;
	u64 ref_card;
};

static LIST_HEAD(card_clocks);
/* protects card_clocks and users; taken inside the card's cable_mutex */
static DEFINE_MUTEX(card_clock_mutex);

static struct card_clock *to_card_clock(struct aloop_clock *clock)
{
	return container_of(clock, struct card_clock, clock);
}

/* Clock time at system time @sys (not before the anchor).  Lock held. */
static u64 line_at(struct card_clock *cc, u64 sys)
{
	if (sys <= cc->base_sys)
		return cc->base_clk;
	return cc->base_clk + mul_u64_u64_shr(sys - cc->base_sys, cc->slope, 32);
}

/* Continue the line from @sys with a new slope.  Lock held. */
static void rebase(struct card_clock *cc, u64 sys, u64 slope)
{
	cc->base_clk = line_at(cc, sys);
	cc->base_sys = sys;
	cc->slope = clamp_t(u64, slope, Q32 / 2, Q32 + Q32 / 2);
}

/* First tick after waiting or holding over: lock on without a jump. */
static void start_following(struct card_clock *cc, u64 sys)
{
	rebase(cc, sys, cc->rate);
	cc->offset = cc->base_clk - cc->card_ns;
	cc->ref_sys = sys;
	cc->ref_card = cc->card_ns;
	cc->state = CLOCK_FOLLOWING;
}

static void steer(struct card_clock *cc, u64 sys)
{
	s64 error = cc->card_ns + cc->offset - line_at(cc, sys);
	u64 span = sys - cc->ref_sys;

	if (error > RELOCK_NS || error < -RELOCK_NS) {
		start_following(cc, sys);
		return;
	}
	if (span >= RATE_MIN_NS)
		cc->rate = mul_u64_u64_div_u64(cc->card_ns - cc->ref_card, Q32,
					       span);
	if (span >= RATE_MAX_NS) {
		cc->ref_sys += span / 2;
		cc->ref_card += (cc->card_ns - cc->ref_card) / 2;
	}
	rebase(cc, sys, cc->rate + div_s64(error * (s64)Q32, PHASE_NS));
}

/*
 * Advance the card time of a PCM timer to its stream's position.  The
 * first tick after a (re)start only anchors the position.  Lock held.
 */
static void follow_position(struct card_clock *cc, bool anchor)
{
	struct snd_pcm_substream *substream = cc->instance->timer->private_data;
	struct snd_pcm_runtime *runtime = substream->runtime;
	snd_pcm_uframes_t hw_ptr = runtime->status->hw_ptr;
	snd_pcm_sframes_t delta = hw_ptr - cc->hw_ptr;

	cc->hw_ptr = hw_ptr;
	if (delta < 0)
		delta += runtime->boundary;
	if (anchor || !runtime->rate) {
		cc->frames = 0;
		cc->frames_ns = cc->card_ns;
		return;
	}
	cc->frames += delta;
	cc->card_ns = cc->frames_ns +
		      mul_u64_u32_div(cc->frames, NSEC_PER_SEC, runtime->rate);
}

/*
 * The card's period interrupt (SNDRV_TIMER_IFLG_FAST).  sound/core/timer.c
 * passes (resolution, ticks), whatever the prototype's names say.
 */
static void card_tick(struct snd_timer_instance *instance,
		      unsigned long resolution, unsigned long ticks)
{
	struct card_clock *cc = instance->callback_data;
	bool changed = false, following;
	unsigned long flags;
	u64 sys;

	spin_lock_irqsave(&cc->lock, flags);
	sys = ktime_get_ns();
	following = cc->state == CLOCK_FOLLOWING;
	if (cc->id.dev_class == SNDRV_TIMER_CLASS_PCM)
		follow_position(cc, !following);
	else
		cc->card_ns += (u64)resolution * ticks;
	if (following) {
		steer(cc, sys);
	} else if (!cc->dead) {
		start_following(cc, sys);
		changed = true;
	}
	spin_unlock_irqrestore(&cc->lock, flags);
	if (changed)
		aloop_source_clocks_changed();
}

static void hold_over(struct card_clock *cc)
{
	unsigned long flags;
	bool changed;

	spin_lock_irqsave(&cc->lock, flags);
	changed = cc->state == CLOCK_FOLLOWING;
	if (changed) {
		rebase(cc, ktime_get_ns(), cc->rate);
		cc->state = CLOCK_HOLDOVER;
	}
	spin_unlock_irqrestore(&cc->lock, flags);
	if (changed)
		aloop_source_clocks_changed();
}

/* The card's stream stopped: no more ticks until it starts again. */
static void card_event(struct snd_timer_instance *instance, int event,
		       struct timespec64 *tstamp, unsigned long resolution)
{
	switch (event) {
	case SNDRV_TIMER_EVENT_MSTOP:
	case SNDRV_TIMER_EVENT_MPAUSE:
	case SNDRV_TIMER_EVENT_MSUSPEND:
		hold_over(instance->callback_data);
		break;
	}
}

/*
 * The card is going away.  Called under sound/core/timer.c's
 * register_mutex, so the instance cannot be closed here; the source layer
 * moves the cables off this clock and drops it from a work item, which
 * lets the card's removal finish.
 */
static void card_disconnect(struct snd_timer_instance *instance)
{
	struct card_clock *cc = instance->callback_data;
	unsigned long flags;

	spin_lock_irqsave(&cc->lock, flags);
	cc->dead = true;
	spin_unlock_irqrestore(&cc->lock, flags);
	hold_over(cc);
	aloop_source_clocks_changed();
}

static u64 card_now(struct aloop_clock *clock)
{
	struct card_clock *cc = to_card_clock(clock);
	unsigned long flags;
	u64 now;

	spin_lock_irqsave(&cc->lock, flags);
	now = line_at(cc, ktime_get_ns());
	spin_unlock_irqrestore(&cc->lock, flags);
	return now;
}

static bool card_following(struct aloop_clock *clock)
{
	struct card_clock *cc = to_card_clock(clock);
	unsigned long flags;
	bool following;

	spin_lock_irqsave(&cc->lock, flags);
	following = cc->state == CLOCK_FOLLOWING && !cc->dead;
	spin_unlock_irqrestore(&cc->lock, flags);
	return following;
}

static const struct aloop_clock_ops card_ops = {
	.now = card_now,
	.following = card_following,
};

static bool same_timer(const struct snd_timer_id *a,
		       const struct snd_timer_id *b)
{
	return a->dev_class == b->dev_class && a->card == b->card &&
	       a->device == b->device && a->subdevice == b->subdevice;
}

static struct card_clock *card_clock_open(const struct snd_timer_id *id,
					  const char *name)
{
	struct snd_timer_instance *instance;
	struct card_clock *cc;
	unsigned long ticks, resolution;
	int err;

	cc = kzalloc(sizeof(*cc), GFP_KERNEL);
	if (!cc)
		return ERR_PTR(-ENOMEM);
	instance = snd_timer_instance_new("snd-aloop");
	if (!instance) {
		kfree(cc);
		return ERR_PTR(-ENOMEM);
	}
	cc->clock.ops = &card_ops;
	strscpy(cc->clock.name, name, sizeof(cc->clock.name));
	cc->id = *id;
	spin_lock_init(&cc->lock);
	cc->state = CLOCK_WAITING;
	cc->base_sys = ktime_get_ns();
	cc->slope = Q32;
	cc->rate = Q32;

	instance->flags |= SNDRV_TIMER_IFLG_FAST | SNDRV_TIMER_IFLG_AUTO;
	instance->callback = card_tick;
	instance->ccallback = card_event;
	instance->disconnect = card_disconnect;
	instance->callback_data = cc;
	err = snd_timer_open(instance, &cc->id, 0);
	if (err < 0)
		goto free;
	cc->instance = instance;
	/*
	 * A PCM timer ticks once per period of its stream, whenever that
	 * runs.  A global timer is asked for a tick per millisecond (the
	 * timer core refuses intervals under 100 us).
	 */
	ticks = 1;
	resolution = snd_timer_resolution(instance);
	if (id->dev_class != SNDRV_TIMER_CLASS_PCM && resolution)
		ticks = DIV_ROUND_UP(NSEC_PER_MSEC, resolution);
	err = snd_timer_start(instance, ticks);
	if (err < 0) {
		snd_timer_close(instance);
		goto free;
	}
	return cc;

free:
	snd_timer_instance_free(instance);
	kfree(cc);
	return ERR_PTR(err);
}

/**
 * aloop_card_clock_get - a clock following a timer, shared by its users
 * @id: the timer
 * @name: its "Timer Source" item name
 *
 * Process context; may sleep.  The card's cable_mutex may be held.
 *
 * Return: the clock, or an ERR_PTR when the timer cannot be opened.
 */
struct aloop_clock *aloop_card_clock_get(const struct snd_timer_id *id,
					 const char *name)
{
	struct card_clock *cc;

	mutex_lock(&card_clock_mutex);
	list_for_each_entry(cc, &card_clocks, node) {
		if (same_timer(&cc->id, id) &&
		    !aloop_card_clock_dead(&cc->clock)) {
			cc->users++;
			goto unlock;
		}
	}
	cc = card_clock_open(id, name);
	if (!IS_ERR(cc)) {
		cc->users = 1;
		list_add(&cc->node, &card_clocks);
	}
unlock:
	mutex_unlock(&card_clock_mutex);
	return IS_ERR(cc) ? ERR_CAST(cc) : &cc->clock;
}

/**
 * aloop_card_clock_put - a user leaves a card clock
 * @clock: a clock from aloop_card_clock_get(); no cable may run on it
 *
 * The last user closes the timer instance, which frees the card for its
 * removal.  Process context; may sleep.
 */
void aloop_card_clock_put(struct aloop_clock *clock)
{
	struct card_clock *cc = to_card_clock(clock);

	mutex_lock(&card_clock_mutex);
	if (--cc->users) {
		mutex_unlock(&card_clock_mutex);
		return;
	}
	list_del(&cc->node);
	mutex_unlock(&card_clock_mutex);

	snd_timer_stop(cc->instance);
	/* waits for a tick callback still running */
	snd_timer_close(cc->instance);
	snd_timer_instance_free(cc->instance);
	kfree(cc);
}

/**
 * aloop_card_clock_dead - whether a clock's card went away
 * @clock: a card clock
 *
 * Return: true once the followed timer was disconnected.
 */
bool aloop_card_clock_dead(struct aloop_clock *clock)
{
	struct card_clock *cc = to_card_clock(clock);
	unsigned long flags;
	bool dead;

	spin_lock_irqsave(&cc->lock, flags);
	dead = cc->dead;
	spin_unlock_irqrestore(&cc->lock, flags);
	return dead;
}

/**
 * aloop_clock_state - a word on how a clock runs, for proc
 * @clock: any clock
 *
 * Return: "system", "waiting" (no tick yet), "following" or "holdover".
 */
const char *aloop_clock_state(struct aloop_clock *clock)
{
	struct card_clock *cc;
	unsigned long flags;
	enum card_clock_state state;

	if (clock == &aloop_system_clock)
		return "system";
	cc = to_card_clock(clock);
	spin_lock_irqsave(&cc->lock, flags);
	state = cc->state;
	spin_unlock_irqrestore(&cc->lock, flags);
	switch (state) {
	case CLOCK_WAITING:
		return "waiting";
	case CLOCK_FOLLOWING:
		return "following";
	default:
		return "holdover";
	}
}
