// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback sound card: following a linked hardware stream.
 *
 * Applications that want streams to run together link them with
 * snd_pcm_link() (JACK2's ALSA driver, alsa-lib's multi plugin).  When a
 * loopback end is linked with a substream of another card, its cable
 * runs on that substream's timer, whatever the card-wide "Timer Source"
 * says, until the link goes; the cable's own "Timer Source" control shows
 * it.  With several foreign substreams in the group, the first one in the
 * group's order is followed.
 *
 * Where the link is looked at: prepare, where the PCM core holds the link
 * rwsem and the group cannot change; alsa-lib's multi plugin and JACK2
 * link after hw_params and before prepare, which this covers on any
 * kernel.  A kernel with the link_changed PCM op (kernel/patches/) also
 * calls us whenever the group changes, with the group stable and sleeping
 * allowed, so links and unlinks at any other time are followed at once.
 * On a stock kernel a link made after prepare, or an unlink, is seen at
 * the next prepare.  hw_free and close drop the link on both.
 */
#include <linux/string.h>

#include "aloop.h"

/* The item name of the first foreign substream in @substream's group. */
static void linked_name(struct snd_pcm_substream *substream, char *name)
{
	struct snd_pcm_substream *s;

	name[0] = '\0';
	if (!snd_pcm_stream_linked(substream))
		return;
	snd_pcm_group_for_each_entry(s, substream) {
		if (s->pcm->card->module == THIS_MODULE)
			continue;
		snprintf(name, ALOOP_NAME_LEN, "%s %u.%u %s", s->pcm->card->id,
			 s->pcm->device, s->number,
			 s->stream == SNDRV_PCM_STREAM_PLAYBACK ?
			 "playback" : "capture");
		return;
	}
}

static void set_link(struct aloop_stream *s, const char *name)
{
	struct aloop *loop = s->cable->loop;

	mutex_lock(&loop->cable_mutex);
	if (strcmp(s->link_name, name)) {
		strscpy(s->link_name, name, sizeof(s->link_name));
		aloop_source_update_locked(loop);
	}
	mutex_unlock(&loop->cable_mutex);
}

/**
 * aloop_link_check - follow whatever @s is linked with now
 * @s: an end; its link group must be stable (prepare, link_changed)
 */
void aloop_link_check(struct aloop_stream *s)
{
	char name[ALOOP_NAME_LEN];

	linked_name(s->substream, name);
	set_link(s, name);
}

/**
 * aloop_link_drop - stop following a link
 * @s: an end that lets its parameters go (hw_free) or closes
 */
void aloop_link_drop(struct aloop_stream *s)
{
	set_link(s, "");
}
