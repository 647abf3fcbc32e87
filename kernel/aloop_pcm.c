// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback sound card: the PCM devices.
 *
 * The two ends of a cable must agree on format, rate and channels: the
 * end that gets hw_params first fixes them for the other, for as long as
 * it keeps them.  Period and buffer sizes are each end's own, as with the
 * in-tree driver, since the data path moves both ends frame by frame
 * whatever their periods.
 */
#include <linux/slab.h>
#include <sound/pcm_params.h>

#include "aloop.h"

#define ALOOP_FORMATS	(SNDRV_PCM_FMTBIT_S8 | SNDRV_PCM_FMTBIT_U8 | \
			 SNDRV_PCM_FMTBIT_S16_LE | SNDRV_PCM_FMTBIT_S16_BE | \
			 SNDRV_PCM_FMTBIT_U16_LE | SNDRV_PCM_FMTBIT_U16_BE | \
			 SNDRV_PCM_FMTBIT_S24_LE | SNDRV_PCM_FMTBIT_S24_BE | \
			 SNDRV_PCM_FMTBIT_U24_LE | SNDRV_PCM_FMTBIT_U24_BE | \
			 SNDRV_PCM_FMTBIT_S24_3LE | SNDRV_PCM_FMTBIT_S24_3BE | \
			 SNDRV_PCM_FMTBIT_U24_3LE | SNDRV_PCM_FMTBIT_U24_3BE | \
			 SNDRV_PCM_FMTBIT_S32_LE | SNDRV_PCM_FMTBIT_S32_BE | \
			 SNDRV_PCM_FMTBIT_U32_LE | SNDRV_PCM_FMTBIT_U32_BE | \
			 SNDRV_PCM_FMTBIT_FLOAT_LE | SNDRV_PCM_FMTBIT_FLOAT_BE | \
			 SNDRV_PCM_FMTBIT_FLOAT64_LE | \
			 SNDRV_PCM_FMTBIT_FLOAT64_BE | \
			 SNDRV_PCM_FMTBIT_IEC958_SUBFRAME_LE | \
			 SNDRV_PCM_FMTBIT_IEC958_SUBFRAME_BE | \
			 SNDRV_PCM_FMTBIT_MU_LAW | SNDRV_PCM_FMTBIT_A_LAW)

#define ALOOP_RATE_MIN		8000
#define ALOOP_RATE_MAX		192000
#define ALOOP_CHANNELS_MAX	32
#define ALOOP_BUFFER_BYTES_MAX	(8 * 1024 * 1024)
#define ALOOP_PERIOD_BYTES_MIN	64
#define ALOOP_PERIOD_BYTES_MAX	(4 * 1024 * 1024)
#define ALOOP_PERIODS_MAX	1024

static const struct snd_pcm_hardware aloop_hardware = {
	.info = SNDRV_PCM_INFO_INTERLEAVED | SNDRV_PCM_INFO_NONINTERLEAVED |
		SNDRV_PCM_INFO_MMAP | SNDRV_PCM_INFO_MMAP_VALID |
		SNDRV_PCM_INFO_PAUSE | SNDRV_PCM_INFO_RESUME,
	.formats = ALOOP_FORMATS,
	.rates = SNDRV_PCM_RATE_CONTINUOUS | SNDRV_PCM_RATE_8000_192000,
	.rate_min = ALOOP_RATE_MIN,
	.rate_max = ALOOP_RATE_MAX,
	.channels_min = 1,
	.channels_max = ALOOP_CHANNELS_MAX,
	.buffer_bytes_max = ALOOP_BUFFER_BYTES_MAX,
	.period_bytes_min = ALOOP_PERIOD_BYTES_MIN,
	.period_bytes_max = ALOOP_PERIOD_BYTES_MAX,
	.periods_min = 1,
	.periods_max = ALOOP_PERIODS_MAX,
};

static struct aloop_cable *cable_of(struct snd_pcm_substream *substream)
{
	struct aloop *loop = snd_pcm_substream_chip(substream);
	unsigned int device = substream->pcm->device;

	if (substream->stream == SNDRV_PCM_STREAM_PLAYBACK)
		device = !device;
	return &loop->cables[substream->number][device];
}

static struct aloop_stream *stream_of(struct snd_pcm_substream *substream)
{
	return substream->runtime->private_data;
}

/* The other end, if it has hw_params that bind @s.  cable_mutex held. */
static struct aloop_stream *binding_end(struct aloop_stream *s)
{
	struct aloop_cable *cable = s->cable;
	int other = !s->substream->stream;

	if (!(cable->configured & BIT(other)))
		return NULL;
	return cable->streams[other];
}

static bool params_differ(const struct aloop_stream *a,
			  const struct aloop_stream *b)
{
	return a->format != b->format || a->rate != b->rate ||
	       a->channels != b->channels;
}

static int rule_follow_other_end(struct snd_pcm_hw_params *params,
				 struct snd_pcm_hw_rule *rule)
{
	struct aloop_stream *s = rule->private;
	struct mutex *cable_mutex = &s->cable->loop->cable_mutex;
	struct snd_interval value = { .integer = 1 };
	snd_pcm_format_t format;
	struct aloop_stream *other;

	mutex_lock(cable_mutex);
	other = binding_end(s);
	if (other) {
		format = other->format;
		value.min = rule->var == SNDRV_PCM_HW_PARAM_RATE ?
			    other->rate : other->channels;
	}
	mutex_unlock(cable_mutex);
	if (!other)
		return 0;

	if (rule->var == SNDRV_PCM_HW_PARAM_FORMAT)
		return snd_mask_refine_set(hw_param_mask(params, rule->var),
					   (__force unsigned int)format);
	value.max = value.min;
	return snd_interval_refine(hw_param_interval(params, rule->var),
				   &value);
}

/*
 * The hardware's limits once more, as rules.  snd_interval_refine()
 * compares an interval's maximum with the limit before it steps an open
 * integer maximum down, so the empty interval (0,0) that any caller may
 * pass comes out of the hardware constraints as [min, UINT_MAX]
 * (sound/core/pcm_lib.c), and hw_params would have the PCM core allocate
 * a buffer of up to 4 GiB.  Rules run after the constraints, on closed
 * intervals, and again whenever their parameter changes.
 */
#define LIMIT(v, lo, hi) { .var = (v), .limit = { .min = (lo), .max = (hi) } }

/* as aloop_hardware and the constraints the PCM core derives from it */
static struct {
	int var;
	struct snd_interval limit;
} hardware_limits[] = {
	LIMIT(SNDRV_PCM_HW_PARAM_CHANNELS, 1, ALOOP_CHANNELS_MAX),
	LIMIT(SNDRV_PCM_HW_PARAM_RATE, ALOOP_RATE_MIN, ALOOP_RATE_MAX),
	LIMIT(SNDRV_PCM_HW_PARAM_PERIOD_BYTES, ALOOP_PERIOD_BYTES_MIN,
	      ALOOP_PERIOD_BYTES_MAX),
	LIMIT(SNDRV_PCM_HW_PARAM_PERIODS, 1, ALOOP_PERIODS_MAX),
	LIMIT(SNDRV_PCM_HW_PARAM_BUFFER_BYTES, ALOOP_PERIOD_BYTES_MIN,
	      ALOOP_BUFFER_BYTES_MAX),
};

static int rule_hardware_limit(struct snd_pcm_hw_params *params,
			       struct snd_pcm_hw_rule *rule)
{
	return snd_interval_refine(hw_param_interval(params, rule->var),
				   rule->private);
}

static int add_rules(struct snd_pcm_runtime *runtime, struct aloop_stream *s)
{
	static const int vars[] = {
		SNDRV_PCM_HW_PARAM_FORMAT,
		SNDRV_PCM_HW_PARAM_RATE,
		SNDRV_PCM_HW_PARAM_CHANNELS,
	};
	int i, err;

	err = snd_pcm_hw_constraint_integer(runtime,
					    SNDRV_PCM_HW_PARAM_PERIODS);
	for (i = 0; i < ARRAY_SIZE(vars) && err >= 0; i++)
		err = snd_pcm_hw_rule_add(runtime, 0, vars[i],
					  rule_follow_other_end, s,
					  vars[i], -1);
	for (i = 0; i < ARRAY_SIZE(hardware_limits) && err >= 0; i++)
		err = snd_pcm_hw_rule_add(runtime, 0, hardware_limits[i].var,
					  rule_hardware_limit,
					  &hardware_limits[i].limit,
					  hardware_limits[i].var, -1);
	return min(err, 0);
}

static int aloop_open(struct snd_pcm_substream *substream)
{
	struct aloop_cable *cable = cable_of(substream);
	struct snd_pcm_runtime *runtime = substream->runtime;
	struct aloop_stream *s;
	int err;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->cable = cable;
	s->substream = substream;
	runtime->private_data = s;
	runtime->hw = aloop_hardware;
	err = add_rules(runtime, s);
	if (err < 0) {
		kfree(s);
		return err;
	}

	mutex_lock(&cable->loop->cable_mutex);
	spin_lock_irq(&cable->lock);
	cable->streams[substream->stream] = s;
	spin_unlock_irq(&cable->lock);
	/* a cable's first end puts it on the chosen clock */
	aloop_source_update_locked(cable->loop);
	mutex_unlock(&cable->loop->cable_mutex);
	return 0;
}

static int aloop_close(struct snd_pcm_substream *substream)
{
	struct aloop_stream *s = stream_of(substream);
	struct aloop_cable *cable = s->cable;

	aloop_cable_sync(cable);
	mutex_lock(&cable->loop->cable_mutex);
	s->link_name[0] = '\0';
	spin_lock_irq(&cable->lock);
	cable->streams[substream->stream] = NULL;
	cable->configured &= ~BIT(substream->stream);
	spin_unlock_irq(&cable->lock);
	/* its last end lets go of the card's timer */
	aloop_source_update_locked(cable->loop);
	mutex_unlock(&cable->loop->cable_mutex);
	kfree(s);
	return 0;
}

static bool access_interleaved(snd_pcm_access_t access)
{
	return access == SNDRV_PCM_ACCESS_RW_INTERLEAVED ||
	       access == SNDRV_PCM_ACCESS_MMAP_INTERLEAVED;
}

static int aloop_hw_params(struct snd_pcm_substream *substream,
			   struct snd_pcm_hw_params *params)
{
	struct aloop_stream *s = stream_of(substream);
	struct aloop_cable *cable = s->cable;
	struct aloop_stream *other, wanted = {
		.format = params_format(params),
		.rate = params_rate(params),
		.channels = params_channels(params),
	};
	bool playback = substream->stream == SNDRV_PCM_STREAM_PLAYBACK;
	int err = 0;

	mutex_lock(&cable->loop->cable_mutex);
	/* both ends may have passed the rules at the same time */
	other = binding_end(s);
	if (other && params_differ(other, &wanted)) {
		err = -EBUSY;
		goto unlock;
	}
	spin_lock_irq(&cable->lock);
	s->format = wanted.format;
	s->rate = wanted.rate;
	s->channels = wanted.channels;
	s->sample_bytes = snd_pcm_format_physical_width(s->format) / 8;
	s->frame_bytes = s->sample_bytes * s->channels;
	s->buffer_frames = params_buffer_size(params);
	s->period_frames = params_period_size(params);
	s->interleaved = access_interleaved(params_access(params));
	cable->configured |= BIT(substream->stream);
	spin_unlock_irq(&cable->lock);
	if (playback)
		aloop_ctl_playback_params(cable, s);
unlock:
	mutex_unlock(&cable->loop->cable_mutex);
	return err;
}

static int aloop_hw_free(struct snd_pcm_substream *substream)
{
	struct aloop_stream *s = stream_of(substream);
	struct aloop_cable *cable = s->cable;

	aloop_link_drop(s);
	mutex_lock(&cable->loop->cable_mutex);
	spin_lock_irq(&cable->lock);
	cable->configured &= ~BIT(substream->stream);
	spin_unlock_irq(&cable->lock);
	mutex_unlock(&cable->loop->cable_mutex);
	return 0;
}

static int aloop_prepare(struct snd_pcm_substream *substream)
{
	struct aloop_stream *s = stream_of(substream);

	/*
	 * The PCM core holds the link rwsem: the group is stable here.  Also
	 * with the link_changed op: a link that outlived hw_free is followed
	 * again.
	 */
	aloop_link_check(s);
	aloop_cable_reset(s);
	return 0;
}

#ifdef ALOOP_HAVE_LINK_CHANGED
static int aloop_link_changed(struct snd_pcm_substream *substream)
{
	aloop_link_check(stream_of(substream));
	return 0;
}
#endif

static int aloop_trigger(struct snd_pcm_substream *substream, int cmd)
{
	struct aloop_stream *s = stream_of(substream);

	switch (cmd) {
	case SNDRV_PCM_TRIGGER_START:
	case SNDRV_PCM_TRIGGER_PAUSE_RELEASE:
	case SNDRV_PCM_TRIGGER_RESUME:
		aloop_cable_start(s);
		return 0;
	case SNDRV_PCM_TRIGGER_STOP:
	case SNDRV_PCM_TRIGGER_PAUSE_PUSH:
	case SNDRV_PCM_TRIGGER_SUSPEND:
		aloop_cable_stop(s);
		return 0;
	}
	return -EINVAL;
}

static snd_pcm_uframes_t aloop_pointer(struct snd_pcm_substream *substream)
{
	return aloop_cable_pointer(stream_of(substream));
}

static int aloop_sync_stop(struct snd_pcm_substream *substream)
{
	aloop_cable_sync(stream_of(substream)->cable);
	return 0;
}

static const struct snd_pcm_ops aloop_pcm_ops = {
	.open = aloop_open,
	.close = aloop_close,
	.hw_params = aloop_hw_params,
	.hw_free = aloop_hw_free,
	.prepare = aloop_prepare,
	.trigger = aloop_trigger,
	.pointer = aloop_pointer,
	.sync_stop = aloop_sync_stop,
#ifdef ALOOP_HAVE_LINK_CHANGED
	.link_changed = aloop_link_changed,
#endif
};

/**
 * aloop_pcm_new - create one of the card's two PCM devices
 * @loop: the card
 * @device: 0 or 1
 *
 * Return: 0 or a negative error code.
 */
int aloop_pcm_new(struct aloop *loop, int device)
{
	struct snd_pcm *pcm;
	int err;

	err = snd_pcm_new(loop->card, "Loopback PCM", device,
			  loop->substreams, loop->substreams, &pcm);
	if (err < 0)
		return err;
	snd_pcm_set_ops(pcm, SNDRV_PCM_STREAM_PLAYBACK, &aloop_pcm_ops);
	snd_pcm_set_ops(pcm, SNDRV_PCM_STREAM_CAPTURE, &aloop_pcm_ops);
	snd_pcm_set_managed_buffer_all(pcm, SNDRV_DMA_TYPE_VMALLOC, NULL, 0, 0);
	pcm->private_data = loop;
	pcm->info_flags = 0;
	strscpy(pcm->name, "Loopback PCM", sizeof(pcm->name));
	loop->pcm[device] = pcm;
	return 0;
}
