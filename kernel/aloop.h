/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loopback sound card: shared definitions.
 *
 * A loopback card has two PCM devices with the same number of substreams.
 * A cable joins playback on one device to capture on the other device at
 * the same substream number.  Cables are named after their capture end:
 * cable (number n, device d) carries playback on device !d, substream n,
 * into capture on device d, substream n.  The per-cable controls carry
 * the capture end's device and subdevice numbers, as in the in-tree driver.
 */
#ifndef ALOOP_H
#define ALOOP_H

#include <linux/hrtimer.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <sound/core.h>
#include <sound/pcm.h>

#include "aloop_clock.h"

#define ALOOP_DRIVER_NAME	"snd_aloop"
#define ALOOP_MAX_SUBSTREAMS	8
#define ALOOP_DEVICES		2

/* "PCM Rate Shift 100000": 100000 means nominal speed. */
#define ALOOP_RATE_SHIFT_UNITY	100000
#define ALOOP_RATE_SHIFT_MIN	80000
#define ALOOP_RATE_SHIFT_MAX	120000

struct aloop_cable;

/**
 * struct aloop_stream - one open end of a cable (runtime->private_data)
 * @cable: the cable this substream belongs to
 * @substream: the ALSA substream
 * @format: sample format, fixed at hw_params
 * @rate: sample rate, fixed at hw_params
 * @channels: channel count, fixed at hw_params
 * @frame_bytes: bytes per frame, fixed at hw_params
 * @sample_bytes: bytes per sample, fixed at hw_params
 * @buffer_frames: ring size, fixed at hw_params
 * @period_frames: period size, fixed at hw_params
 * @interleaved: false for non-interleaved access
 * @hw_pos: ring position in frames, 0 .. @buffer_frames - 1
 * @period_pos: frames into the current period
 * @moved: frames advanced since the last start, for proc
 * @period_due: a period boundary was crossed and not yet reported
 * @link_name: the "Timer Source" item of the foreign substream this end
 *	       is linked with, or empty; under the card's cable_mutex
 *
 * The parameters are written in hw_params, under both the card's
 * cable_mutex and the cable's lock, while the stream is not running;
 * either lock is enough to read them.  The position fields are
 * protected by the cable's lock.
 */
struct aloop_stream {
	struct aloop_cable *cable;
	struct snd_pcm_substream *substream;
	snd_pcm_format_t format;
	unsigned int rate;
	unsigned int channels;
	unsigned int frame_bytes;
	unsigned int sample_bytes;
	unsigned int buffer_frames;
	unsigned int period_frames;
	bool interleaved;
	unsigned int hw_pos;
	unsigned int period_pos;
	u64 moved;
	bool period_due;
	char link_name[ALOOP_NAME_LEN];
};

/**
 * struct aloop_cable_setup - per-cable user settings and what they show
 * @rate_shift: "PCM Rate Shift 100000"
 * @notify: "PCM Notify", kept for compatibility (see aloop_ctl.c)
 * @format: "PCM Slave Format": playback format last configured
 * @rate: "PCM Slave Rate"
 * @channels: "PCM Slave Channels"
 * @active: "PCM Slave Active": playback is running and not paused
 * @ctl_active: control objects, to send value events
 * @ctl_format: see @ctl_active
 * @ctl_rate: see @ctl_active
 * @ctl_channels: see @ctl_active
 *
 * All values are protected by the cable's lock.
 */
struct aloop_cable_setup {
	unsigned int rate_shift;
	bool notify;
	snd_pcm_format_t format;
	unsigned int rate;
	unsigned int channels;
	bool active;
	struct snd_kcontrol *ctl_active;
	struct snd_kcontrol *ctl_format;
	struct snd_kcontrol *ctl_rate;
	struct snd_kcontrol *ctl_channels;
};

/**
 * struct aloop_cable - the link between one playback and one capture end
 * @loop: the card
 * @number: substream number of both ends
 * @capture_device: PCM device of the capture end
 * @lock: the data path lock, see below
 * @streams: open ends, indexed by SNDRV_PCM_STREAM_*
 * @configured: ends that have hw_params, as BIT(stream); written under
 *		both the card's cable_mutex and @lock
 * @running: ends that advance (started and not paused), as BIT(stream)
 * @rate: sample rate of the running ends
 * @clock_last: clock time of the last position update, ns
 * @frac: fraction of a frame carried between updates, in units of
 *	  1 / (NSEC_PER_SEC * @setup.rate_shift) frame
 * @wakeup: wakes the cable at the next period boundary
 * @notifying: period_elapsed calls in progress outside @lock
 * @idle: woken when @notifying drops to zero
 * @clock: the clock the cable runs on; changed under @lock and the card's
 *	   cable_mutex, so either is enough to read it
 * @ctl_timer_source: the per-cable "Timer Source" control
 * @shown: the item it shows, under aloop_catalog_mutex
 * @setup: user settings and the playback end's parameters
 *
 * Locking.  @lock (irq-safe spinlock) protects @streams, @running, the
 * position state, @notifying and @setup, and every (re)arming of
 * @wakeup.  It nests inside the PCM stream lock (trigger and pointer run
 * under it), so nothing may call into the PCM core while holding @lock.
 * The clock's own lock nests inside @lock.  @streams, @configured and the
 * ends' parameters change under both @lock and the card's cable_mutex;
 * that mutex is taken outside of everything else but a control's
 * controls_rwsem and the catalogue's list of cards, and only in process
 * context (open, close, hw_params, hw_free, controls, proc, the
 * catalogue's work).  Order: cable_mutex, then aloop_catalog_mutex or
 * the card clocks' mutex, then @lock, then a clock's lock.
 */
struct aloop_cable {
	struct aloop *loop;
	unsigned int number;
	unsigned int capture_device;
	spinlock_t lock;	/* the data path lock, see Locking above */
	struct aloop_stream *streams[2];
	unsigned int configured;
	unsigned int running;
	unsigned int rate;
	u64 clock_last;
	u64 frac;
	struct hrtimer wakeup;
	unsigned int notifying;
	wait_queue_head_t idle;
	struct aloop_clock *clock;
	struct snd_kcontrol *ctl_timer_source;
	unsigned int shown;
	struct aloop_cable_setup setup;
};

/**
 * struct aloop - one loopback card
 * @card: the ALSA card
 * @pcm: the two PCM devices
 * @substreams: substreams per PCM direction
 * @cable_mutex: serialises configuration of the cables, see struct
 *		 aloop_cable
 * @node: in the catalogue's list of loopback cards
 * @timer_source: the user's choice of clock, an item name (or, for a
 *		  card given by number and not present, the in-tree
 *		  syntax); empty for the system clock.  Under
 *		  aloop_catalog_mutex.
 * @items: the "Timer Source" items: the system clock, every present
 *	   timer and the choice if absent.  Under aloop_catalog_mutex.
 * @item_count: entries in @items
 * @shown: the item the card-wide control shows, under aloop_catalog_mutex
 * @ctl_timer_source: the card-wide "Timer Source" control
 * @cables: indexed by [substream number][capture device]
 */
struct aloop {
	struct snd_card *card;
	struct snd_pcm *pcm[ALOOP_DEVICES];
	unsigned int substreams;
	struct mutex cable_mutex;	/* see struct aloop_cable */
	struct list_head node;
	char timer_source[ALOOP_NAME_LEN];
	char (*items)[ALOOP_NAME_LEN];
	unsigned int item_count;
	unsigned int shown;
	struct snd_kcontrol *ctl_timer_source;
	struct aloop_cable cables[ALOOP_MAX_SUBSTREAMS][ALOOP_DEVICES];
};

/* aloop_cable.c: the data path */
void aloop_cable_init(struct aloop *loop, struct aloop_cable *cable,
		      unsigned int number, unsigned int capture_device);
void aloop_cable_release(struct aloop_cable *cable);
void aloop_cable_start(struct aloop_stream *s);
void aloop_cable_stop(struct aloop_stream *s);
void aloop_cable_reset(struct aloop_stream *s);
unsigned int aloop_cable_pointer(struct aloop_stream *s);
void aloop_cable_sync(struct aloop_cable *cable);
void aloop_cable_set_rate_shift(struct aloop_cable *cable,
				unsigned int rate_shift);
struct aloop_clock *aloop_cable_set_clock(struct aloop_cable *cable,
					  struct aloop_clock *clock);

/* aloop_pcm.c: PCM devices */
int aloop_pcm_new(struct aloop *loop, int device);

/* aloop_ctl.c: per-cable controls */
int aloop_ctl_new(struct aloop *loop, bool notify);
void aloop_ctl_notify(struct aloop_cable *cable, struct snd_kcontrol *kctl);
void aloop_ctl_playback_params(struct aloop_cable *cable,
			       const struct aloop_stream *play);

/* aloop_proc.c: /proc/asound/cardN files */
int aloop_proc_new(struct aloop *loop);

/* aloop_catalog.c: every card's timers and the "Timer Source" controls */
extern struct mutex aloop_catalog_mutex;
int aloop_catalog_init(void);
void aloop_catalog_exit(void);
int aloop_catalog_add_card(struct aloop *loop);
void aloop_catalog_remove_card(struct aloop *loop);
bool aloop_catalog_is_name(const char *str);
bool aloop_catalog_find(const char *name, struct snd_timer_id *id);
int aloop_catalog_refresh_items(struct aloop *loop);
unsigned int aloop_catalog_index(struct aloop *loop, const char *name);
void aloop_source_clocks_changed(void);

/* aloop_link.c: following a linked hardware stream */
void aloop_link_check(struct aloop_stream *s);
void aloop_link_drop(struct aloop_stream *s);

/* aloop_source.c: which clock each cable runs on */
int aloop_source_canonical(const char *str, char *name);
int aloop_source_choose(struct aloop *loop, const char *str);
void aloop_source_update(struct aloop *loop);
void aloop_source_update_locked(struct aloop *loop);

#endif /* ALOOP_H */
