// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback sound card: /proc/asound/cardN files.
 *
 * cable#0 and cable#1 show the cables played into device 0 and device 1,
 * as in the in-tree driver, with the clock each runs on; timer_source
 * reads and sets the card's choice of clock, as "Timer Source" does.
 */
#include <linux/string.h>
#include <sound/info.h>

#include "aloop.h"

struct end_snapshot {
	bool open;
	bool configured;
	bool running;
	unsigned int buffer_frames;
	unsigned int period_frames;
	unsigned int hw_pos;
	u64 moved;
};

static void snapshot_end(struct aloop_cable *cable, int stream,
			 struct end_snapshot *snap)
{
	struct aloop_stream *s = cable->streams[stream];

	memset(snap, 0, sizeof(*snap));
	if (!s)
		return;
	snap->open = true;
	snap->configured = cable->configured & BIT(stream);
	snap->running = cable->running & BIT(stream);
	snap->buffer_frames = s->buffer_frames;
	snap->period_frames = s->period_frames;
	snap->hw_pos = s->hw_pos;
	snap->moved = s->moved;
}

static void show_end(struct snd_info_buffer *buffer, const char *name,
		     const struct end_snapshot *snap)
{
	snd_iprintf(buffer, "  %s:", name);
	if (!snap->open) {
		snd_iprintf(buffer, " closed\n");
		return;
	}
	snd_iprintf(buffer, " %s\n", snap->running ? "running" :
		    snap->configured ? "stopped" : "open");
	if (!snap->configured)
		return;
	snd_iprintf(buffer, "    buffer_size:\t%u\n", snap->buffer_frames);
	snd_iprintf(buffer, "    period_size:\t%u\n", snap->period_frames);
	snd_iprintf(buffer, "    position:\t\t%u\n", snap->hw_pos);
	snd_iprintf(buffer, "    frames_moved:\t%llu\n", snap->moved);
}

static void show_cable(struct snd_info_buffer *buffer,
		       struct aloop_cable *cable)
{
	struct end_snapshot play, capt;
	unsigned int rate_shift;

	spin_lock_irq(&cable->lock);
	snapshot_end(cable, SNDRV_PCM_STREAM_PLAYBACK, &play);
	snapshot_end(cable, SNDRV_PCM_STREAM_CAPTURE, &capt);
	rate_shift = cable->setup.rate_shift;
	spin_unlock_irq(&cable->lock);

	snd_iprintf(buffer, "Cable %u substream %u:\n",
		    !cable->capture_device, cable->number);
	snd_iprintf(buffer, "  rate_shift: %u\n", rate_shift);
	/* the clock changes only under the cable_mutex we hold */
	if (play.open || capt.open)
		snd_iprintf(buffer, "  clock: %s (%s)\n", cable->clock->name,
			    aloop_clock_state(cable->clock));
	show_end(buffer, "Playback", &play);
	show_end(buffer, "Capture", &capt);
}

static void cables_read(struct snd_info_entry *entry,
			struct snd_info_buffer *buffer)
{
	struct aloop *loop = entry->private_data;
	/* the file's name ends in the playback device's number */
	unsigned int capture_device = entry->name[strlen(entry->name) - 1] == '0';
	unsigned int n;

	mutex_lock(&loop->cable_mutex);
	for (n = 0; n < loop->substreams; n++)
		show_cable(buffer, &loop->cables[n][capture_device]);
	mutex_unlock(&loop->cable_mutex);
}

static void timer_source_read(struct snd_info_entry *entry,
			      struct snd_info_buffer *buffer)
{
	struct aloop *loop = entry->private_data;

	mutex_lock(&aloop_catalog_mutex);
	snd_iprintf(buffer, "%s\n", loop->timer_source);
	mutex_unlock(&aloop_catalog_mutex);
}

static void timer_source_write(struct snd_info_entry *entry,
			       struct snd_info_buffer *buffer)
{
	struct aloop *loop = entry->private_data;
	char line[64];
	char *value;

	if (snd_info_get_line(buffer, line, sizeof(line)))
		line[0] = '\0';
	value = strim(line);
	if (aloop_source_choose(loop, value) < 0) {
		dev_err(loop->card->dev, "timer_source: cannot parse \"%s\"\n",
			value);
		return;
	}
	aloop_source_update(loop);
}

/**
 * aloop_proc_new - create the card's proc files
 * @loop: the card
 *
 * Return: 0 or a negative error code.
 */
int aloop_proc_new(struct aloop *loop)
{
	int err;

	err = snd_card_ro_proc_new(loop->card, "cable#0", loop, cables_read);
	if (!err)
		err = snd_card_ro_proc_new(loop->card, "cable#1", loop,
					   cables_read);
	if (!err)
		err = snd_card_rw_proc_new(loop->card, "timer_source", loop,
					   timer_source_read,
					   timer_source_write);
	return err;
}
