// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback sound card: the data path.
 *
 * All running ends of a cable advance together, by the same whole number
 * of frames, derived from the cable's clock.  Whatever the playback end
 * gives up in a step is written into the capture end in the same step, so
 * a frame can be neither lost nor duplicated between the two.  The
 * fraction of a frame left over after each step is carried exactly, in
 * fixed point, so positions never drift from the clock whatever the
 * period size, rate or rate shift.
 *
 * Positions move whenever someone asks (pointer, trigger, a change of
 * clock or rate shift) and the cable's hrtimer wakes it at the next
 * period boundary of its earliest end to report periods.
 */
#include <linux/math64.h>
#include <linux/minmax.h>

#include "aloop.h"
#include "aloop_compat.h"

/*
 * "PCM Rate Shift 100000" works as in the in-tree driver: the cable runs
 * at rate * 100000 / shift frames per second, so 80000 is 1.25 times
 * nominal speed.  A frame is worth NSEC_PER_SEC * shift units of
 * aloop_cable.frac and a nanosecond rate * 100000 units.
 *
 * Largest clock step folded into frac at once, so that
 * 192000 * 100000 * MAX_STEP_NS plus a frame fits in 64 bits.
 */
#define MAX_STEP_NS		(500 * NSEC_PER_MSEC)
/* Largest wait for a period boundary, in frames, likewise. */
#define MAX_WAIT_FRAMES		50000

static u64 frame_unit(struct aloop_cable *cable)
{
	return NSEC_PER_SEC * (u64)cable->setup.rate_shift;
}

static u64 ns_unit(struct aloop_cable *cable)
{
	return (u64)cable->rate * ALOOP_RATE_SHIFT_UNITY;
}

static u64 cable_clock_now(struct aloop_cable *cable)
{
	return cable->clock->ops->now(cable->clock);
}

/* Whole frames that passed on the clock since the last update. */
static u64 frames_since_last(struct aloop_cable *cable, u64 now)
{
	u64 delta, frames = 0;

	if (now <= cable->clock_last)
		return 0;
	delta = now - cable->clock_last;
	cable->clock_last = now;
	while (delta) {
		u64 step = min_t(u64, delta, MAX_STEP_NS);

		cable->frac += step * ns_unit(cable);
		frames += div64_u64_rem(cable->frac, frame_unit(cable),
					&cable->frac);
		delta -= step;
	}
	return frames;
}

static void *sample_at(struct aloop_stream *s, unsigned int frame,
		       unsigned int channel)
{
	size_t offset;

	if (s->interleaved)
		offset = (size_t)frame * s->frame_bytes +
			 channel * s->sample_bytes;
	else
		offset = ((size_t)channel * s->buffer_frames + frame) *
			 s->sample_bytes;
	return s->substream->runtime->dma_area + offset;
}

/* Copy @count frames (at most the capture ring) between two rings. */
static void copy_frames(struct aloop_stream *play, unsigned int play_pos,
			struct aloop_stream *capt, unsigned int capt_pos,
			unsigned int count)
{
	unsigned int channels = capt->substream->runtime->channels;
	unsigned int chunk, ch, f;

	while (count) {
		chunk = min3(count, play->buffer_frames - play_pos,
			     capt->buffer_frames - capt_pos);
		if (play->interleaved && capt->interleaved) {
			memcpy(sample_at(capt, capt_pos, 0),
			       sample_at(play, play_pos, 0),
			       (size_t)chunk * capt->frame_bytes);
		} else if (!play->interleaved && !capt->interleaved) {
			for (ch = 0; ch < channels; ch++)
				memcpy(sample_at(capt, capt_pos, ch),
				       sample_at(play, play_pos, ch),
				       (size_t)chunk * capt->sample_bytes);
		} else {
			for (f = 0; f < chunk; f++)
				for (ch = 0; ch < channels; ch++)
					memcpy(sample_at(capt, capt_pos + f, ch),
					       sample_at(play, play_pos + f, ch),
					       capt->sample_bytes);
		}
		count -= chunk;
		play_pos = (play_pos + chunk) % play->buffer_frames;
		capt_pos = (capt_pos + chunk) % capt->buffer_frames;
	}
}

/* Fill @count frames (at most the ring) of a capture ring with silence. */
static void silence_frames(struct aloop_stream *capt, unsigned int pos,
			   unsigned int count)
{
	struct snd_pcm_runtime *runtime = capt->substream->runtime;
	unsigned int chunk, ch;

	while (count) {
		chunk = min(count, capt->buffer_frames - pos);
		if (capt->interleaved)
			snd_pcm_format_set_silence(runtime->format,
						   sample_at(capt, pos, 0),
						   chunk * runtime->channels);
		else
			for (ch = 0; ch < runtime->channels; ch++)
				snd_pcm_format_set_silence(runtime->format,
							   sample_at(capt, pos, ch),
							   chunk);
		count -= chunk;
		pos = (pos + chunk) % capt->buffer_frames;
	}
}

static struct aloop_stream *running_end(struct aloop_cable *cable, int stream)
{
	return cable->running & BIT(stream) ? cable->streams[stream] : NULL;
}

static unsigned int ring_add(unsigned int pos, u64 frames, unsigned int size)
{
	u32 rem;

	div_u64_rem(pos + frames, size, &rem);
	return rem;
}

/*
 * How many frames from the playback end's position on hold audio.  While
 * the application drains, nothing past appl_ptr will ever be written:
 * what lies there is stale, from an earlier lap of the ring, and must not
 * reach the capture end after the last frame.  Otherwise the whole ring
 * counts, as it would for a DMA engine: an application that writes just
 * in time (its data is in the ring before appl_ptr moves) is not cut
 * short, and one that really runs late gets its xrun from the PCM core.
 */
static u64 playable_frames(struct aloop_stream *play)
{
	struct snd_pcm_runtime *runtime = play->substream->runtime;
	snd_pcm_uframes_t appl, hw, ahead;
	snd_pcm_sframes_t pending;

	if (READ_ONCE(runtime->state) != SNDRV_PCM_STATE_DRAINING)
		return U64_MAX;
	appl = READ_ONCE(runtime->control->appl_ptr);
	hw = READ_ONCE(runtime->status->hw_ptr);
	pending = appl - hw;
	if (pending < 0)
		pending += runtime->boundary;
	/* hw_ptr went past appl_ptr: the drain is over */
	if (pending > play->buffer_frames)
		return 0;
	/* we may have moved on since the PCM core last asked */
	ahead = (play->hw_pos + play->buffer_frames - hw % play->buffer_frames) %
		play->buffer_frames;
	return pending > ahead ? pending - ahead : 0;
}

/* Move every running end by @frames, carrying the audio across. */
static void advance(struct aloop_cable *cable, u64 frames)
{
	struct aloop_stream *play = running_end(cable, SNDRV_PCM_STREAM_PLAYBACK);
	struct aloop_stream *capt = running_end(cable, SNDRV_PCM_STREAM_CAPTURE);
	struct aloop_stream *s;
	unsigned int count, audio = 0, capt_pos;
	u64 skip;
	int i;

	if (!frames)
		return;
	if (capt) {
		/* only the last ring's worth can still be read */
		count = min_t(u64, frames, capt->buffer_frames);
		skip = frames - count;
		capt_pos = ring_add(capt->hw_pos, skip, capt->buffer_frames);
		if (play) {
			u64 playable = playable_frames(play);

			if (playable > skip)
				audio = min_t(u64, count, playable - skip);
			copy_frames(play, ring_add(play->hw_pos, skip,
						   play->buffer_frames),
				    capt, capt_pos, audio);
		}
		silence_frames(capt, ring_add(capt_pos, audio,
					      capt->buffer_frames),
			       count - audio);
	}
	for (i = 0; i < ARRAY_SIZE(cable->streams); i++) {
		s = running_end(cable, i);
		if (!s)
			continue;
		s->hw_pos = ring_add(s->hw_pos, frames, s->buffer_frames);
		if (frames >= s->period_frames - s->period_pos)
			s->period_due = true;
		s->period_pos = ring_add(s->period_pos, frames,
					 s->period_frames);
		s->moved += frames;
	}
}

static void update(struct aloop_cable *cable)
{
	if (cable->running)
		advance(cable, frames_since_last(cable, cable_clock_now(cable)));
}

/* Clock time until the earliest running end reaches a period boundary. */
static u64 ns_to_next_period(struct aloop_cable *cable)
{
	u64 frames = MAX_WAIT_FRAMES;
	struct aloop_stream *s;
	int i;

	for (i = 0; i < ARRAY_SIZE(cable->streams); i++) {
		s = running_end(cable, i);
		if (!s)
			continue;
		/* a period already crossed is reported at once */
		if (s->period_due)
			return 0;
		frames = min_t(u64, frames, s->period_frames - s->period_pos);
	}
	return div64_u64(frames * frame_unit(cable) - cable->frac +
			 ns_unit(cable) - 1, ns_unit(cable));
}

static void arm_wakeup(struct aloop_cable *cable)
{
	hrtimer_start(&cable->wakeup, ns_to_ktime(ns_to_next_period(cable)),
		      HRTIMER_MODE_REL_SOFT);
}

/*
 * Collect the ends that crossed a period boundary, so they can be
 * reported once the cable lock is dropped.
 */
static unsigned int take_due(struct aloop_cable *cable,
			     struct snd_pcm_substream **due)
{
	unsigned int n = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(cable->streams); i++) {
		struct aloop_stream *s = running_end(cable, i);

		if (s && s->period_due) {
			s->period_due = false;
			due[n++] = s->substream;
		}
	}
	if (n)
		cable->notifying++;
	return n;
}

static void report_due(struct aloop_cable *cable,
		       struct snd_pcm_substream **due, unsigned int n)
{
	unsigned long flags;
	unsigned int i;

	if (!n)
		return;
	for (i = 0; i < n; i++)
		snd_pcm_period_elapsed(due[i]);
	spin_lock_irqsave(&cable->lock, flags);
	if (!--cable->notifying)
		wake_up(&cable->idle);
	spin_unlock_irqrestore(&cable->lock, flags);
}

static enum hrtimer_restart wakeup_callback(struct hrtimer *timer)
{
	struct aloop_cable *cable = container_of(timer, struct aloop_cable,
						 wakeup);
	struct snd_pcm_substream *due[2];
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&cable->lock, flags);
	/* stopped, or re-armed by a trigger while we waited for the lock */
	if (!cable->running || hrtimer_is_queued(timer)) {
		spin_unlock_irqrestore(&cable->lock, flags);
		return HRTIMER_NORESTART;
	}
	update(cable);
	n = take_due(cable, due);
	hrtimer_set_expires(timer, ktime_add_ns(hrtimer_cb_get_time(timer),
						ns_to_next_period(cable)));
	spin_unlock_irqrestore(&cable->lock, flags);

	report_due(cable, due, n);
	return HRTIMER_RESTART;
}

static void playback_activity(struct aloop_cable *cable, bool *changed)
{
	bool active = cable->running & BIT(SNDRV_PCM_STREAM_PLAYBACK);

	*changed = active != cable->setup.active;
	cable->setup.active = active;
}

/*
 * Whether the other end of @s started in the same snd_pcm_link() group
 * action as @s: the PCM core sets trigger_master on every member before
 * the triggers and clears it after all of them, and holds every member's
 * stream lock meanwhile, so the other end cannot have moved on its own.
 */
static bool started_together(struct aloop_stream *s,
			     struct aloop_stream *other)
{
	return other && snd_pcm_stream_linked(s->substream) &&
	       s->substream->group == other->substream->group &&
	       other->substream->runtime->trigger_master;
}

/**
 * aloop_cable_start - an end starts (or resumes) moving
 * @s: the end; called from trigger, under its stream lock
 *
 * An end joining a running cable starts at the next whole frame, so the
 * two ends carry the same frames from then on; ends started together
 * through snd_pcm_link() start on the same frame.
 */
void aloop_cable_start(struct aloop_stream *s)
{
	struct aloop_cable *cable = s->cable;
	struct aloop_stream *other;
	unsigned long flags;
	bool active_changed;

	spin_lock_irqsave(&cable->lock, flags);
	other = cable->streams[!s->substream->stream];
	if (!cable->running) {
		cable->rate = s->rate;
		cable->clock_last = cable_clock_now(cable);
		cable->frac = 0;
	} else if (!started_together(s, other) || other->moved) {
		/* bring the other end up to now before joining it */
		update(cable);
	}
	cable->running |= BIT(s->substream->stream);
	arm_wakeup(cable);
	playback_activity(cable, &active_changed);
	spin_unlock_irqrestore(&cable->lock, flags);

	if (active_changed)
		aloop_ctl_notify(cable, cable->setup.ctl_active);
}

/**
 * aloop_cable_stop - an end stops (or pauses)
 * @s: the end; called from trigger, under its stream lock
 *
 * The position stays where it is, so a paused end resumes from there.
 */
void aloop_cable_stop(struct aloop_stream *s)
{
	struct aloop_cable *cable = s->cable;
	unsigned long flags;
	bool active_changed;

	spin_lock_irqsave(&cable->lock, flags);
	update(cable);
	cable->running &= ~BIT(s->substream->stream);
	if (!cable->running) {
		/* if the callback runs now it sees nothing running and quits */
		hrtimer_try_to_cancel(&cable->wakeup);
	}
	playback_activity(cable, &active_changed);
	spin_unlock_irqrestore(&cable->lock, flags);

	if (active_changed)
		aloop_ctl_notify(cable, cable->setup.ctl_active);
}

/**
 * aloop_cable_reset - rewind a stopped end for a fresh start
 * @s: the end; called from prepare
 *
 * A capture ring is filled with silence, so that nothing stale is read
 * before the playback end delivers.
 */
void aloop_cable_reset(struct aloop_stream *s)
{
	struct aloop_cable *cable = s->cable;
	unsigned long flags;

	spin_lock_irqsave(&cable->lock, flags);
	s->hw_pos = 0;
	s->period_pos = 0;
	s->moved = 0;
	s->period_due = false;
	if (s->substream->stream == SNDRV_PCM_STREAM_CAPTURE)
		silence_frames(s, 0, s->buffer_frames);
	spin_unlock_irqrestore(&cable->lock, flags);
}

/**
 * aloop_cable_pointer - an end's current ring position
 * @s: the end; called from the pointer callback, under its stream lock
 *
 * Return: the position in frames.
 */
unsigned int aloop_cable_pointer(struct aloop_stream *s)
{
	struct aloop_cable *cable = s->cable;
	unsigned long flags;
	unsigned int pos;

	spin_lock_irqsave(&cable->lock, flags);
	update(cable);
	pos = s->hw_pos;
	spin_unlock_irqrestore(&cable->lock, flags);
	return pos;
}

/**
 * aloop_cable_set_clock - move a cable onto another clock
 * @cable: the cable; process context, no locks held but the card's
 *	   cable_mutex
 * @clock: the new clock
 *
 * Frames up to now are counted on the old clock, the rest on the new one,
 * so a running cable moves over without a jump, a lost or a repeated
 * frame.
 *
 * Return: the old clock, for the caller to release.
 */
struct aloop_clock *aloop_cable_set_clock(struct aloop_cable *cable,
					  struct aloop_clock *clock)
{
	struct snd_pcm_substream *due[2];
	struct aloop_clock *old;
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&cable->lock, flags);
	update(cable);
	old = cable->clock;
	cable->clock = clock;
	cable->clock_last = cable_clock_now(cable);
	if (cable->running)
		arm_wakeup(cable);
	n = take_due(cable, due);
	spin_unlock_irqrestore(&cable->lock, flags);
	report_due(cable, due, n);
	return old;
}

/**
 * aloop_cable_set_rate_shift - change the cable's speed
 * @cable: the cable; process context, no locks held
 * @rate_shift: new "PCM Rate Shift 100000" value, already checked
 *
 * Frames up to now are counted at the old speed, the rest at the new.
 */
void aloop_cable_set_rate_shift(struct aloop_cable *cable,
				unsigned int rate_shift)
{
	struct snd_pcm_substream *due[2];
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&cable->lock, flags);
	update(cable);
	/* keep the fraction of a frame in the new unit */
	cable->frac = mul_u64_u32_div(cable->frac, rate_shift,
				      cable->setup.rate_shift);
	cable->setup.rate_shift = rate_shift;
	if (cable->running)
		arm_wakeup(cable);
	n = take_due(cable, due);
	spin_unlock_irqrestore(&cable->lock, flags);
	report_due(cable, due, n);
}

static bool cable_quiet(struct aloop_cable *cable)
{
	unsigned long flags;
	bool quiet;

	spin_lock_irqsave(&cable->lock, flags);
	quiet = !cable->notifying;
	spin_unlock_irqrestore(&cable->lock, flags);
	return quiet;
}

/**
 * aloop_cable_sync - wait until no period report is in flight
 * @cable: the cable; process context
 *
 * After an end stopped, a report collected just before may still be on
 * its way to snd_pcm_period_elapsed(); the end must not be reconfigured
 * or freed until it arrived.
 */
void aloop_cable_sync(struct aloop_cable *cable)
{
	wait_event(cable->idle, cable_quiet(cable));
}

/**
 * aloop_cable_init - set up a cable at probe
 * @loop: the card
 * @cable: the cable to set up
 * @number: substream number of its ends
 * @capture_device: PCM device of its capture end
 */
void aloop_cable_init(struct aloop *loop, struct aloop_cable *cable,
		      unsigned int number, unsigned int capture_device)
{
	cable->loop = loop;
	cable->number = number;
	cable->capture_device = capture_device;
	spin_lock_init(&cable->lock);
	init_waitqueue_head(&cable->idle);
	aloop_hrtimer_setup(&cable->wakeup, wakeup_callback);
	cable->clock = &aloop_system_clock;
	cable->setup.rate_shift = ALOOP_RATE_SHIFT_UNITY;
	cable->setup.format = SNDRV_PCM_FORMAT_S16_LE;
	cable->setup.rate = 48000;
	cable->setup.channels = 2;
}

/**
 * aloop_cable_release - make sure nothing of a cable runs any more
 * @cable: the cable, with no open end
 */
void aloop_cable_release(struct aloop_cable *cable)
{
	hrtimer_cancel(&cable->wakeup);
}
