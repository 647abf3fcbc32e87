// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback sound card: the per-cable controls.
 *
 * Names, interface and numbering are the in-tree driver's, so existing
 * mixer settings and scripts keep working: PCM interface, device and
 * subdevice of the cable's capture end.  These names predate
 * Documentation/sound/designs/control-names.rst and are kept as they are
 * for that reason.  Unlike the in-tree driver, a write out of range is
 * refused with -EINVAL rather than clamped, and a value event is sent
 * exactly when a value changes.
 *
 * "PCM Notify" ("break capture when the playback format changes") is
 * kept as a plain setting: here, as in the in-tree driver, an end's
 * parameters always bind the other end for as long as it has them, so
 * the playback end can never change format under a configured capture
 * end and there is nothing to break.
 */
#include <sound/control.h>

#include "aloop.h"

static struct aloop_cable *cable_of(struct snd_kcontrol *kctl)
{
	return snd_kcontrol_chip(kctl);
}

static int rate_shift_info(struct snd_kcontrol *kctl,
			   struct snd_ctl_elem_info *uinfo)
{
	uinfo->type = SNDRV_CTL_ELEM_TYPE_INTEGER;
	uinfo->count = 1;
	uinfo->value.integer.min = ALOOP_RATE_SHIFT_MIN;
	uinfo->value.integer.max = ALOOP_RATE_SHIFT_MAX;
	uinfo->value.integer.step = 1;
	return 0;
}

static int rate_shift_get(struct snd_kcontrol *kctl,
			  struct snd_ctl_elem_value *value)
{
	struct aloop_cable *cable = cable_of(kctl);

	spin_lock_irq(&cable->lock);
	value->value.integer.value[0] = cable->setup.rate_shift;
	spin_unlock_irq(&cable->lock);
	return 0;
}

static int rate_shift_put(struct snd_kcontrol *kctl,
			  struct snd_ctl_elem_value *value)
{
	struct aloop_cable *cable = cable_of(kctl);
	long shift = value->value.integer.value[0];
	bool changed;

	if (shift < ALOOP_RATE_SHIFT_MIN || shift > ALOOP_RATE_SHIFT_MAX)
		return -EINVAL;
	spin_lock_irq(&cable->lock);
	changed = shift != cable->setup.rate_shift;
	spin_unlock_irq(&cable->lock);
	if (changed)
		aloop_cable_set_rate_shift(cable, shift);
	return changed;
}

static int notify_get(struct snd_kcontrol *kctl,
		      struct snd_ctl_elem_value *value)
{
	struct aloop_cable *cable = cable_of(kctl);

	spin_lock_irq(&cable->lock);
	value->value.integer.value[0] = cable->setup.notify;
	spin_unlock_irq(&cable->lock);
	return 0;
}

static int notify_put(struct snd_kcontrol *kctl,
		      struct snd_ctl_elem_value *value)
{
	struct aloop_cable *cable = cable_of(kctl);
	long notify = value->value.integer.value[0];
	bool changed;

	if (notify < 0 || notify > 1)
		return -EINVAL;
	mutex_lock(&cable->loop->cable_mutex);
	spin_lock_irq(&cable->lock);
	changed = notify != cable->setup.notify;
	cable->setup.notify = notify;
	spin_unlock_irq(&cable->lock);
	mutex_unlock(&cable->loop->cable_mutex);
	return changed;
}

static int active_get(struct snd_kcontrol *kctl,
		      struct snd_ctl_elem_value *value)
{
	struct aloop_cable *cable = cable_of(kctl);

	spin_lock_irq(&cable->lock);
	value->value.integer.value[0] = cable->setup.active;
	spin_unlock_irq(&cable->lock);
	return 0;
}

static int format_info(struct snd_kcontrol *kctl,
		       struct snd_ctl_elem_info *uinfo)
{
	uinfo->type = SNDRV_CTL_ELEM_TYPE_INTEGER;
	uinfo->count = 1;
	uinfo->value.integer.min = 0;
	uinfo->value.integer.max = (__force int)SNDRV_PCM_FORMAT_LAST;
	uinfo->value.integer.step = 1;
	return 0;
}

static int format_get(struct snd_kcontrol *kctl,
		      struct snd_ctl_elem_value *value)
{
	struct aloop_cable *cable = cable_of(kctl);

	spin_lock_irq(&cable->lock);
	value->value.integer.value[0] = (__force int)cable->setup.format;
	spin_unlock_irq(&cable->lock);
	return 0;
}

static int rate_info(struct snd_kcontrol *kctl,
		     struct snd_ctl_elem_info *uinfo)
{
	uinfo->type = SNDRV_CTL_ELEM_TYPE_INTEGER;
	uinfo->count = 1;
	uinfo->value.integer.min = 0;
	uinfo->value.integer.max = 192000;
	uinfo->value.integer.step = 1;
	return 0;
}

static int rate_get(struct snd_kcontrol *kctl,
		    struct snd_ctl_elem_value *value)
{
	struct aloop_cable *cable = cable_of(kctl);

	spin_lock_irq(&cable->lock);
	value->value.integer.value[0] = cable->setup.rate;
	spin_unlock_irq(&cable->lock);
	return 0;
}

static int channels_info(struct snd_kcontrol *kctl,
			 struct snd_ctl_elem_info *uinfo)
{
	uinfo->type = SNDRV_CTL_ELEM_TYPE_INTEGER;
	uinfo->count = 1;
	uinfo->value.integer.min = 1;
	uinfo->value.integer.max = 1024;
	uinfo->value.integer.step = 1;
	return 0;
}

static int channels_get(struct snd_kcontrol *kctl,
			struct snd_ctl_elem_value *value)
{
	struct aloop_cable *cable = cable_of(kctl);

	spin_lock_irq(&cable->lock);
	value->value.integer.value[0] = cable->setup.channels;
	spin_unlock_irq(&cable->lock);
	return 0;
}

enum {
	CTL_RATE_SHIFT,
	CTL_NOTIFY,
	CTL_ACTIVE,
	CTL_FORMAT,
	CTL_RATE,
	CTL_CHANNELS,
	CTL_COUNT
};

static const struct snd_kcontrol_new cable_controls[CTL_COUNT] = {
	[CTL_RATE_SHIFT] = {
		.iface = SNDRV_CTL_ELEM_IFACE_PCM,
		.name = "PCM Rate Shift 100000",
		.info = rate_shift_info,
		.get = rate_shift_get,
		.put = rate_shift_put,
	},
	[CTL_NOTIFY] = {
		.iface = SNDRV_CTL_ELEM_IFACE_PCM,
		.name = "PCM Notify",
		.info = snd_ctl_boolean_mono_info,
		.get = notify_get,
		.put = notify_put,
	},
	[CTL_ACTIVE] = {
		.iface = SNDRV_CTL_ELEM_IFACE_PCM,
		.name = "PCM Slave Active",
		.access = SNDRV_CTL_ELEM_ACCESS_READ,
		.info = snd_ctl_boolean_mono_info,
		.get = active_get,
	},
	[CTL_FORMAT] = {
		.iface = SNDRV_CTL_ELEM_IFACE_PCM,
		.name = "PCM Slave Format",
		.access = SNDRV_CTL_ELEM_ACCESS_READ,
		.info = format_info,
		.get = format_get,
	},
	[CTL_RATE] = {
		.iface = SNDRV_CTL_ELEM_IFACE_PCM,
		.name = "PCM Slave Rate",
		.access = SNDRV_CTL_ELEM_ACCESS_READ,
		.info = rate_info,
		.get = rate_get,
	},
	[CTL_CHANNELS] = {
		.iface = SNDRV_CTL_ELEM_IFACE_PCM,
		.name = "PCM Slave Channels",
		.access = SNDRV_CTL_ELEM_ACCESS_READ,
		.info = channels_info,
		.get = channels_get,
	},
};

/**
 * aloop_ctl_notify - tell userspace a cable's read-only control changed
 * @cable: the cable
 * @kctl: one of its controls
 *
 * Any context.
 */
void aloop_ctl_notify(struct aloop_cable *cable, struct snd_kcontrol *kctl)
{
	snd_ctl_notify(cable->loop->card, SNDRV_CTL_EVENT_MASK_VALUE,
		       &kctl->id);
}

/**
 * aloop_ctl_playback_params - the playback end got new parameters
 * @cable: the cable; the card's cable_mutex held
 * @play: its playback end, after hw_params
 *
 * Updates "PCM Slave Format/Rate/Channels", with an event for each value
 * that changed.
 */
void aloop_ctl_playback_params(struct aloop_cable *cable,
			       const struct aloop_stream *play)
{
	struct aloop_cable_setup *setup = &cable->setup;
	bool format, rate, channels;

	spin_lock_irq(&cable->lock);
	format = setup->format != play->format;
	rate = setup->rate != play->rate;
	channels = setup->channels != play->channels;
	setup->format = play->format;
	setup->rate = play->rate;
	setup->channels = play->channels;
	spin_unlock_irq(&cable->lock);

	if (format)
		aloop_ctl_notify(cable, setup->ctl_format);
	if (rate)
		aloop_ctl_notify(cable, setup->ctl_rate);
	if (channels)
		aloop_ctl_notify(cable, setup->ctl_channels);
}

static int add_cable_controls(struct aloop_cable *cable)
{
	struct snd_kcontrol *kctl[CTL_COUNT];
	int i, err;

	for (i = 0; i < CTL_COUNT; i++) {
		kctl[i] = snd_ctl_new1(&cable_controls[i], cable);
		if (!kctl[i])
			return -ENOMEM;
		kctl[i]->id.device = cable->capture_device;
		kctl[i]->id.subdevice = cable->number;
		err = snd_ctl_add(cable->loop->card, kctl[i]);
		if (err < 0)
			return err;
	}
	cable->setup.ctl_active = kctl[CTL_ACTIVE];
	cable->setup.ctl_format = kctl[CTL_FORMAT];
	cable->setup.ctl_rate = kctl[CTL_RATE];
	cable->setup.ctl_channels = kctl[CTL_CHANNELS];
	return 0;
}

/**
 * aloop_ctl_new - create every cable's controls
 * @loop: the card, its cables initialised
 * @notify: initial "PCM Notify" value (the pcm_notify parameter)
 *
 * Return: 0 or a negative error code.
 */
int aloop_ctl_new(struct aloop *loop, bool notify)
{
	unsigned int n, dev;
	int err;

	strscpy(loop->card->mixername, "Loopback Mixer",
		sizeof(loop->card->mixername));
	for (dev = 0; dev < ALOOP_DEVICES; dev++) {
		for (n = 0; n < loop->substreams; n++) {
			loop->cables[n][dev].setup.notify = notify;
			err = add_cable_controls(&loop->cables[n][dev]);
			if (err < 0)
				return err;
		}
	}
	return 0;
}
