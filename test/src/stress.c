// SPDX-License-Identifier: GPL-2.0
/*
 * stress - a seeded, time-bounded stress of a loopback card.
 *
 * Forks workers that hammer one loopback card at once: PCM workers open,
 * configure, start, feed, pause, drain, stop, link and close loopback
 * ends and streams of a "hardware" card (snd-dummy); a control worker
 * writes the per-cable controls and the card-wide "Timer Source" and reads
 * every element; a proc worker writes and reads the proc files; a hotplug
 * worker loads and unloads clock card modules and unbinds and binds their
 * devices; an unload worker tries to unload the loopback module while it
 * holds it open.  Each worker draws its choices from its own generator,
 * seeded from the seed and the worker's number, so a seed gives every
 * worker the same sequence of choices on every run (what each choice
 * leads to still depends on timing).
 *
 * After the deadline every worker must finish within a grace time; then
 * the card's state is checked: no cable end left open, the "Timer
 * Source" items equal the PCMs present, its value the proc file's choice,
 * the per-cable values in range.  It prints the number of operations of
 * each kind and their errors.
 *
 * Exit status: 0 nothing found, 1 a violation, a stuck or failed worker
 * or a bad final state, 2 setup error.
 */
#include <dirent.h>
#include <execinfo.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

enum { EXIT_OK = 0, EXIT_FOUND = 1, EXIT_SETUP = 2 };

#define MAX_WORKERS	32
#define MAX_MODULES	4
#define MAX_BINDS	4
#define MAX_ERRNO	160
#define MAX_MESSAGES	20
#define TS_NAME		"Timer Source"
#define NAME_LEN	80

/* Operations, counted per kind.  Loopback (lb) and dummy (dm) apart. */
enum op {
	OP_LB_OPEN, OP_LB_CLOSE, OP_LB_HW_PARAMS, OP_LB_SW_PARAMS,
	OP_LB_PREPARE, OP_LB_START, OP_LB_WRITE, OP_LB_READ, OP_LB_PAUSE,
	OP_LB_PAUSE_LINKED, OP_LB_DROP, OP_LB_DRAIN, OP_LB_LINK, OP_LB_LINK_DUMMY, OP_LB_UNLINK,
	OP_LB_HW_FREE, OP_LB_STATUS,
	OP_DM_OPEN, OP_DM_CLOSE, OP_DM_HW_PARAMS, OP_DM_PREPARE, OP_DM_START,
	OP_DM_DROP, OP_DM_OTHER,
	OP_CTL_RATE_SHIFT, OP_CTL_RATE_SHIFT_BAD, OP_CTL_NOTIFY,
	OP_CTL_NOTIFY_BAD, OP_CTL_TIMER_SOURCE, OP_CTL_TIMER_SOURCE_BAD,
	OP_CTL_READ_ALL, OP_CTL_EVENTS, OP_CTL_REOPEN,
	OP_PROC_WRITE, OP_PROC_READ,
	OP_UNBIND, OP_BIND,
	OP_LB_RMMOD,
	OP_INSMOD,			/* + module index */
	OP_RMMOD = OP_INSMOD + MAX_MODULES,
	OP_COUNT = OP_RMMOD + MAX_MODULES
};

static const char *const op_base_names[OP_INSMOD] = {
	[OP_LB_OPEN] = "loopback open",
	[OP_LB_CLOSE] = "loopback close",
	[OP_LB_HW_PARAMS] = "loopback hw_params",
	[OP_LB_SW_PARAMS] = "loopback sw_params",
	[OP_LB_PREPARE] = "loopback prepare",
	[OP_LB_START] = "loopback start",
	[OP_LB_WRITE] = "loopback write",
	[OP_LB_READ] = "loopback read",
	[OP_LB_PAUSE] = "loopback pause/release",
	[OP_LB_PAUSE_LINKED] = "loopback pause/release, linked",
	[OP_LB_DROP] = "loopback drop (stop)",
	[OP_LB_DRAIN] = "loopback drain",
	[OP_LB_LINK] = "loopback link (both ends)",
	[OP_LB_LINK_DUMMY] = "loopback link (with dummy)",
	[OP_LB_UNLINK] = "loopback unlink",
	[OP_LB_HW_FREE] = "loopback hw_free",
	[OP_LB_STATUS] = "loopback status/delay/avail",
	[OP_DM_OPEN] = "dummy open",
	[OP_DM_CLOSE] = "dummy close",
	[OP_DM_HW_PARAMS] = "dummy hw_params",
	[OP_DM_PREPARE] = "dummy prepare",
	[OP_DM_START] = "dummy start",
	[OP_DM_DROP] = "dummy drop",
	[OP_DM_OTHER] = "dummy other",
	[OP_CTL_RATE_SHIFT] = "ctl Rate Shift write",
	[OP_CTL_RATE_SHIFT_BAD] = "ctl Rate Shift write, out of range",
	[OP_CTL_NOTIFY] = "ctl Notify write",
	[OP_CTL_NOTIFY_BAD] = "ctl Notify write, out of range",
	[OP_CTL_TIMER_SOURCE] = "ctl Timer Source write",
	[OP_CTL_TIMER_SOURCE_BAD] = "ctl Timer Source write, out of range",
	[OP_CTL_READ_ALL] = "ctl read every element",
	[OP_CTL_EVENTS] = "ctl read events",
	[OP_CTL_REOPEN] = "ctl reopen",
	[OP_PROC_WRITE] = "proc timer_source write",
	[OP_PROC_READ] = "proc read",
	[OP_UNBIND] = "driver unbind",
	[OP_BIND] = "driver bind",
	[OP_LB_RMMOD] = "loopback rmmod (in use)",
};

static char op_names[OP_COUNT][48];

/* What every worker leaves in shared memory. */
struct slot {
	pid_t pid;
	char kind[24];
	volatile int op;		/* running operation, -1 for none */
	volatile double op_since;	/* its start, now_mono() */
	volatile int finished;
	uint64_t violations;
	unsigned int messages;
	uint64_t ok[OP_COUNT];
	uint64_t err[OP_COUNT][MAX_ERRNO];
};

struct shared {
	volatile int stop;
	struct slot slot[MAX_WORKERS];
};

struct module_spec {
	char name[NAME_LEN];
	char path[PATH_MAX];
	char params[NAME_LEN];
};

struct bind_spec {
	char driver[NAME_LEN];
	char device[NAME_LEN];
};

static struct {
	uint64_t seed;
	double seconds;
	double grace;
	const char *card;
	const char *dummy;
	unsigned int pcm_workers;
	int proc;
	int unload;
	int pause_linked;
	const char *lb_module;
	unsigned int nmodules;
	struct module_spec modules[MAX_MODULES];
	unsigned int nbinds;
	struct bind_spec binds[MAX_BINDS];
	int card_number;
	unsigned int substreams;
	double deadline;
} cfg = {
	.seed = 1,
	.seconds = 10,
	.grace = 30,
	.card = "Loopback",
	.dummy = "Dummy",
	.pcm_workers = 4,
	.lb_module = "snd_aloop",
};

static int read_file(const char *path, char *buf, size_t size);

static struct shared *sh;
static struct slot *me;
static const char *me_name = "main";

static void usage(FILE *f)
{
	fprintf(f,
"Usage: stress [OPTION]...\n"
"Seeded, time-bounded stress of a loopback card: forked workers open,\n"
"configure, start, feed, pause, drain, stop, link (with each other and with\n"
"a dummy card's streams) and close loopback ends, write the per-cable\n"
"controls and \"" TS_NAME "\", write the proc files, load and unload clock\n"
"card modules, unbind and bind their devices, and try to unload the\n"
"loopback module while it is in use.  The same seed gives each worker the\n"
"same sequence of choices.  Then checks the final state and prints the\n"
"operations done, per kind, with their errors.\n"
"\n"
"Options:\n"
"  -s, --seed=N          seed of the workers' choices (default 1)\n"
"  -t, --seconds=SEC     how long the workers run (default 10)\n"
"  -g, --grace=SEC       how long they may take to finish after that\n"
"                        before they count as stuck (default 30)\n"
"  -c, --card=ID         loopback card id (default Loopback)\n"
"  -d, --dummy=ID        card id of the dummy card to link with and follow\n"
"                        (default Dummy)\n"
"  -w, --workers=N       PCM workers, 1 to 16 (default 4)\n"
"  -m, --module=NAME=PATH[:PARAMS]\n"
"                        a clock card module the hotplug worker loads and\n"
"                        unloads (finit_module, delete_module); up to %d\n"
"  -b, --bind=DRIVER=DEVICE\n"
"                        a platform device the hotplug worker unbinds and\n"
"                        binds (/sys/bus/platform/drivers/DRIVER); up to %d\n"
"  -p, --proc            a worker writes /proc/asound/ID/timer_source\n"
"  -u, --unload          a worker tries to unload the loopback module\n"
"                        while it holds the card's control device open:\n"
"                        that must fail (it may wait for other module\n"
"                        loads, not for the card)\n"
"      --lb-module=NAME  the loopback module's name (default snd_aloop)\n"
"      --pause-linked    also pause linked streams: Linux before 6.5\n"
"                        deadlocks when one of them underruns just then\n"
"                        (pcm_native.c: snd_pcm_do_pause() updates the\n"
"                        position under the group lock, an xrun found\n"
"                        there takes that lock again)\n"
"  -h, --help            show this help\n"
"\n"
"-m, -b, -p and -u need root.  A hotplug worker runs when -m or -b is\n"
"given.\n"
"\n"
"A violation is a loopback operation that fails with an error other than\n"
"EAGAIN, EBUSY, EINVAL, EBADFD, EPIPE or EALREADY (EIO is what the PCM\n"
"core returns for a stream that stopped moving), an out-of-range control\n"
"write that is accepted, a blocking drain that takes much longer than the\n"
"buffer, and a loopback unload that succeeds or takes over 20 s.  The\n"
"final state must have every cable end closed, \"" TS_NAME "\" items equal\n"
"to the PCM substreams present (plus \"HR timer\" while snd-hrtimer is\n"
"loaded, plus the choice when absent), its value equal to the proc file's\n"
"choice.\n"
"\n"
"Output lines start with \"stress: \".  Exit status: 0 nothing found;\n"
"1 a violation, a worker stuck or exiting with a bad status, or a bad\n"
"final state; 2 setup error.\n", MAX_MODULES, MAX_BINDS);
}

/* ---- reporting ------------------------------------------------------ */

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

static void violation(const char *fmt, ...)
{
	va_list ap;

	me->violations++;
	if (me->messages++ >= MAX_MESSAGES)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "stress: VIOLATION [%s] ", me_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void op_begin(int op)
{
	me->op_since = now_mono();
	me->op = op;
}

/* Count an operation's result (0 or more ok, a negative errno failed). */
static void op_end(int op, int res)
{
	me->op = -1;
	if (res >= 0) {
		me->ok[op]++;
	} else {
		int e = -res;

		me->err[op][e < MAX_ERRNO ? e : 0]++;
	}
}

/* A loopback operation's error must be one of those a caller can cause. */
static void lb_check(int op, int res)
{
	if (res >= 0)
		return;
	switch (-res) {
	case EAGAIN:
	case EBUSY:
	case EINVAL:
	case EBADFD:
	case EPIPE:
	case EALREADY:
		return;
	}
	violation("%s: %s (%s)", op_names[op], errname(-res), strerror(-res));
}

/* ---- the generator -------------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	return mix64(r->s++);
}

/* ---- PCM workers ---------------------------------------------------- */

struct end {
	snd_pcm_t *pcm;
	int loop;		/* a loopback end, not the dummy */
	unsigned int device, sub;
	snd_pcm_stream_t stream;
	int configured;
	int group;		/* snd_pcm_link() group, 0 for none */
	int linked_dummy;	/* in a group with the dummy's end since open */
	snd_pcm_access_t access;
	snd_pcm_format_t format;
	unsigned int rate, channels;
	snd_pcm_uframes_t period, buffer;
};

/* the end of the PCM operation under way, for crash_report() */
static const struct end *cur_end;

#define MAX_CHANNELS	6
#define MAX_PERIOD	4096
static unsigned char *scratch;	/* MAX_PERIOD frames of MAX_CHANNELS * 4 */

static int end_open(struct end *e, const char *card)
{
	char name[96];
	int err;

	snprintf(name, sizeof(name), "hw:%s,%u,%u", card, e->device, e->sub);
	err = snd_pcm_open(&e->pcm, name, e->stream, SND_PCM_NONBLOCK);
	if (err < 0)
		e->pcm = NULL;
	e->configured = 0;
	return err;
}

/*
 * Link groups of a worker's ends, as the PCM core keeps them: a link
 * puts the second end into the first one's group (the second must be in
 * none), an unlink or a close takes an end out, and the last one left is
 * unlinked too.
 */
static void group_link(struct end *ends, struct end *e, struct end *o)
{
	static int next_group;
	int i;

	if (!e->group)
		e->group = ++next_group;
	o->group = e->group;
	if (ends[2].group == e->group)
		for (i = 0; i < 2; i++)
			if (ends[i].group == e->group)
				ends[i].linked_dummy = 1;
}

static void group_leave(struct end *ends, struct end *e)
{
	int g = e->group, left = 0, i;

	e->group = 0;
	if (!g)
		return;
	for (i = 0; i < 3; i++)
		left += ends[i].group == g;
	if (left == 1)
		for (i = 0; i < 3; i++)
			if (ends[i].group == g)
				ends[i].group = 0;
}

static int end_close(struct end *ends, struct end *e)
{
	int err = snd_pcm_close(e->pcm);

	group_leave(ends, e);
	e->pcm = NULL;
	e->configured = 0;
	e->linked_dummy = 0;
	return err;
}

static const snd_pcm_format_t formats[] = {
	SND_PCM_FORMAT_S16_LE, SND_PCM_FORMAT_S32_LE, SND_PCM_FORMAT_FLOAT_LE,
	SND_PCM_FORMAT_U8,
};
static const unsigned int rates[] = { 48000, 44100, 8000, 96000 };
static const unsigned int channel_counts[] = { 2, 1, 6 };
static const snd_pcm_uframes_t periods_sizes[] = { 64, 256, 1024, 32, 4096 };
static const unsigned int period_counts[] = { 2, 4, 3, 8 };
static const snd_pcm_access_t accesses[] = {
	SND_PCM_ACCESS_RW_INTERLEAVED, SND_PCM_ACCESS_MMAP_INTERLEAVED,
	SND_PCM_ACCESS_RW_NONINTERLEAVED,
};

#define PICK(a, r) ((a)[(r) % (sizeof(a) / sizeof((a)[0]))])

/* Choose parameters from @r; @like: the other end's, or NULL. */
static void choose_params(struct end *e, uint64_t r, const struct end *like)
{
	unsigned int periods;

	if (!e->loop) {
		/* snd-dummy: U8 or S16_LE, 5500 to 48000 Hz, 1 or 2 channels */
		e->access = SND_PCM_ACCESS_RW_INTERLEAVED;
		e->format = SND_PCM_FORMAT_S16_LE;
		e->rate = 48000;
		e->channels = 2;
		e->period = PICK(periods_sizes, r >> 8) % 2048;
		if (e->period < 64)
			e->period = 64;
		e->buffer = e->period * 4;
		return;
	}
	if (like && like->configured && (r & 3)) {
		e->format = like->format;
		e->rate = like->rate;
		e->channels = like->channels;
	} else {
		e->format = PICK(formats, r >> 4);
		e->rate = PICK(rates, r >> 8);
		e->channels = PICK(channel_counts, r >> 12);
	}
	e->access = PICK(accesses, r >> 16);
	e->period = PICK(periods_sizes, r >> 20);
	periods = PICK(period_counts, r >> 24);
	e->buffer = e->period * periods;
}

/* Whether alsa-lib has hw_params for @pcm. */
static int alsa_setup(snd_pcm_t *pcm)
{
	snd_pcm_hw_params_t *hw;

	snd_pcm_hw_params_alloca(&hw);
	return snd_pcm_hw_params_current(pcm, hw) >= 0;
}

/*
 * Record in @e what alsa-lib has set up for it; 0 if nothing.  Whatever
 * snd_pcm_hw_params() returned: a failed one may have freed the old
 * parameters, or installed the new ones and failed only in the prepare
 * it ends with (a member of the link group that cannot be prepared:
 * EBADFD, EBUSY).  A transfer must use the access alsa-lib has: an mmap
 * transfer on a PCM set up for read/write has no areas to copy to.
 */
static int end_record_setup(struct end *e)
{
	snd_pcm_hw_params_t *hw;
	int dir = 0;

	snd_pcm_hw_params_alloca(&hw);
	if (snd_pcm_hw_params_current(e->pcm, hw) < 0 ||
	    snd_pcm_hw_params_get_access(hw, &e->access) < 0 ||
	    snd_pcm_hw_params_get_format(hw, &e->format) < 0 ||
	    snd_pcm_hw_params_get_rate(hw, &e->rate, &dir) < 0 ||
	    snd_pcm_hw_params_get_channels(hw, &e->channels) < 0 ||
	    snd_pcm_hw_params_get_period_size(hw, &e->period, &dir) < 0 ||
	    snd_pcm_hw_params_get_buffer_size(hw, &e->buffer) < 0)
		return 0;
	return 1;
}

/* hw_params as in @want */
static int end_hw_params(struct end *e, const struct end *want)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_uframes_t period = want->period, buffer = want->buffer;
	int err;

	snd_pcm_hw_params_alloca(&hw);
	err = snd_pcm_hw_params_any(e->pcm, hw);
	if (err >= 0)
		err = snd_pcm_hw_params_set_rate_resample(e->pcm, hw, 0);
	if (err >= 0)
		err = snd_pcm_hw_params_set_access(e->pcm, hw, want->access);
	if (err >= 0)
		err = snd_pcm_hw_params_set_format(e->pcm, hw, want->format);
	if (err >= 0)
		err = snd_pcm_hw_params_set_channels(e->pcm, hw, want->channels);
	if (err >= 0)
		err = snd_pcm_hw_params_set_rate(e->pcm, hw, want->rate, 0);
	if (err >= 0)
		err = snd_pcm_hw_params_set_period_size_near(e->pcm, hw,
							     &period, NULL);
	if (err >= 0)
		err = snd_pcm_hw_params_set_buffer_size_near(e->pcm, hw,
							     &buffer);
	if (err >= 0)
		err = snd_pcm_hw_params(e->pcm, hw);
	e->configured = end_record_setup(e);
	return err;
}

static int end_sw_params(struct end *e, uint64_t r)
{
	snd_pcm_sw_params_t *sw;
	int err;

	snd_pcm_sw_params_alloca(&sw);
	err = snd_pcm_sw_params_current(e->pcm, sw);
	if (err >= 0)
		err = snd_pcm_sw_params_set_start_threshold(e->pcm, sw,
			(r & 1) ? e->buffer : 1 + (r >> 8) % e->buffer);
	if (err >= 0)
		err = snd_pcm_sw_params_set_avail_min(e->pcm, sw,
			1 + (r >> 24) % e->period);
	if (err >= 0)
		err = snd_pcm_sw_params_set_stop_threshold(e->pcm, sw,
			(r & 2) ? e->buffer : (snd_pcm_uframes_t)-1 / 2);
	if (err >= 0)
		err = snd_pcm_sw_params(e->pcm, sw);
	return err;
}

/* Move up to a period of frames through @e, without blocking. */
static int end_xfer(struct end *e, uint64_t r)
{
	snd_pcm_uframes_t max = e->period < MAX_PERIOD ? e->period : MAX_PERIOD;
	snd_pcm_uframes_t frames = max ? 1 + r % max : 16;
	void *bufs[MAX_CHANNELS];
	snd_pcm_sframes_t n;
	unsigned int c;

	switch (e->access) {
	case SND_PCM_ACCESS_RW_NONINTERLEAVED:
		for (c = 0; c < MAX_CHANNELS; c++)
			bufs[c] = scratch + (size_t)c * MAX_PERIOD * 4;
		n = e->stream == SND_PCM_STREAM_PLAYBACK ?
		    snd_pcm_writen(e->pcm, bufs, frames) :
		    snd_pcm_readn(e->pcm, bufs, frames);
		break;
	case SND_PCM_ACCESS_MMAP_INTERLEAVED:
		n = e->stream == SND_PCM_STREAM_PLAYBACK ?
		    snd_pcm_mmap_writei(e->pcm, scratch, frames) :
		    snd_pcm_mmap_readi(e->pcm, scratch, frames);
		break;
	default:
		n = e->stream == SND_PCM_STREAM_PLAYBACK ?
		    snd_pcm_writei(e->pcm, scratch, frames) :
		    snd_pcm_readi(e->pcm, scratch, frames);
		break;
	}
	return n < 0 ? (int)n : 0;
}

/*
 * Blocking drain; a loopback drain must end within its buffer's time.
 * The PCM core waits for period wakeups and fails the drain with EIO
 * after 1.1 buffers without one (sound/core/pcm_native.c,
 * snd_pcm_drain()).  Under QEMU's TCG on a busy host the guest stalls
 * for up to ~100 ms at times, after which that timeout can come before
 * the period's hrtimer: buffers shorter than half a second drain without
 * blocking.  A stream that really stopped fails any drain.
 */
static int end_drain(struct end *e)
{
	double t0 = now_mono(), limit;
	int block = !e->rate || (double)e->buffer / e->rate >= 0.5;
	int err;

	snd_pcm_nonblock(e->pcm, !block);
	err = snd_pcm_drain(e->pcm);
	snd_pcm_nonblock(e->pcm, 1);
	if (e->loop && err == -EIO) {
		/* the PCM core saw no period for 1.1 buffers: say where */
		char path[96], text[4096];

		fprintf(stderr, "stress: [%s] drain of hw:%s,%u,%u %s: EIO after %.3f s, buffer %lu period %lu rate %u, group %d\n",
			me_name, cfg.card, e->device, e->sub,
			snd_pcm_stream_name(e->stream), now_mono() - t0,
			e->buffer, e->period, e->rate, e->group);
		snprintf(path, sizeof(path), "/proc/asound/%s/cable#%u",
			 cfg.card, e->stream == SND_PCM_STREAM_PLAYBACK ?
			 e->device : !e->device);
		if (read_file(path, text, sizeof(text)) > 0) {
			char *line = strtok(text, "\n");

			for (; line; line = strtok(NULL, "\n"))
				if (strstr(line, "substream") || strstr(line, "rate_shift") ||
				    strstr(line, "clock") || strstr(line, ":\t"))
					fprintf(stderr, "stress: [%s]   %s\n", me_name, line);
		}
	}
	if (e->loop && e->configured && e->rate) {
		/* a Rate Shift of 120000 runs the cable at 5/6 speed */
		limit = 1.25 * (double)e->buffer / e->rate + 10;
		if (now_mono() - t0 > limit)
			violation("drain of hw:%s,%u,%u %s took %.1f s (buffer %lu frames at %u Hz)",
				  cfg.card, e->device, e->sub,
				  snd_pcm_stream_name(e->stream),
				  now_mono() - t0, e->buffer, e->rate);
	}
	return err;
}

static int end_status(struct end *e, uint64_t r)
{
	snd_pcm_status_t *st;
	snd_pcm_sframes_t d;

	switch (r % 4) {
	case 0:
		snd_pcm_status_alloca(&st);
		return snd_pcm_status(e->pcm, st);
	case 1:
		return snd_pcm_delay(e->pcm, &d);
	case 2:
		d = snd_pcm_avail(e->pcm);
		return d < 0 ? (int)d : 0;
	default:
		return snd_pcm_hwsync(e->pcm);
	}
}

/*
 * lb_check() for an operation on loopback end @e.  When a card goes
 * away the PCM core leaves every stream linked with one of its running
 * streams in state DISCONNECTED, the loopback end too (README,
 * "Following a linked stream"); alsa-lib answers ENODEV for such a
 * stream without asking the kernel (which says EBADFD).  The stress
 * causes that only through a link with the dummy.
 */
static void end_lb_check(const struct end *e, int op, int res)
{
	if (res == -ENODEV && e->pcm && e->linked_dummy &&
	    snd_pcm_state(e->pcm) == SND_PCM_STATE_DISCONNECTED)
		return;
	if (res == -ENODEV && e->pcm) {
		violation("%s: ENODEV in state %s, %slinked with the dummy",
			  op_names[op], snd_pcm_state_name(snd_pcm_state(e->pcm)),
			  e->linked_dummy ? "" : "never ");
		return;
	}
	lb_check(op, res);
}

/*
 * A worker killed by a fault says what it was doing: the operation, the
 * end as the worker recorded it and as alsa-lib has it set up, and a
 * backtrace, each line starting "stress: " as 90-stress.sh keeps them.
 * Not async-signal-safe, but the process is dying anyway; the signal is
 * raised again so that the parent sees it.
 */
static void crash_report(int sig)
{
	void *frames[32];
	int n = backtrace(frames, 32), i;
	char **symbols;

	fprintf(stderr, "stress: [%s] %s during %s\n", me_name, strsignal(sig),
		me && me->op >= 0 ? op_names[me->op] : "no operation");
	if (cur_end && cur_end->pcm) {
		const struct end *e = cur_end;
		struct end now = *e;
		int setup = end_record_setup(&now);

		fprintf(stderr, "stress: [%s] end %s,%u,%u %s state %s group %d; recorded: configured %d access %d format %d channels %u period %lu buffer %lu; alsa-lib: configured %d access %d format %d channels %u period %lu buffer %lu\n",
			me_name, e->loop ? cfg.card : cfg.dummy, e->device,
			e->sub, snd_pcm_stream_name(e->stream),
			snd_pcm_state_name(snd_pcm_state(e->pcm)), e->group,
			e->configured, (int)e->access, (int)e->format,
			e->channels, e->period, e->buffer, setup,
			(int)now.access, (int)now.format, now.channels,
			now.period, now.buffer);
	}
	symbols = backtrace_symbols(frames, n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "stress: [%s]   %s\n", me_name,
			symbols ? symbols[i] : "?");
	fflush(stderr);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void pcm_worker(unsigned int index, struct rng *rng)
{
	struct end ends[3];	/* a loopback end, its cable's other end, dummy */
	uint64_t r[4];
	struct end *e, *o, want;
	int op, res, i, setup;
	unsigned int choice;

	memset(ends, 0, sizeof(ends));
	scratch = calloc(MAX_CHANNELS, MAX_PERIOD * 4);
	if (!scratch) {
		fprintf(stderr, "stress: [%s] out of memory\n", me_name);
		exit(EXIT_SETUP);
	}
	/* Each worker keeps to its own cables (substreams), so opens race
	 * only where two workers share one (more workers than substreams). */
	ends[0].loop = ends[1].loop = 1;
	ends[0].sub = ends[1].sub = index % cfg.substreams;
	ends[2].sub = index % 8;

	while (!sh->stop && now_mono() < cfg.deadline) {
		for (i = 0; i < 4; i++)
			r[i] = rnd(rng);
		e = &ends[r[1] % 3];
		cur_end = e;
		o = e == &ends[2] ? &ends[0] : &ends[!(e - ends)];
		if (!e->pcm) {
			if (e == &ends[2]) {
				e->device = 0;
				e->stream = (r[2] & 1) ? SND_PCM_STREAM_CAPTURE :
					    SND_PCM_STREAM_PLAYBACK;
				op_begin(OP_DM_OPEN);
				res = end_open(e, cfg.dummy);
				op_end(OP_DM_OPEN, res);
				/* the card may be away for a while */
				if (res < 0)
					usleep((useconds_t)(r[3] % 5000));
				continue;
			}
			if (e == &ends[1] && ends[0].pcm) {
				/* the other end of ends[0]'s cable */
				e->device = !ends[0].device;
				e->stream = !ends[0].stream;
			} else if (e == &ends[0] && ends[1].pcm) {
				e->device = !ends[1].device;
				e->stream = !ends[1].stream;
			} else {
				e->device = r[2] & 1;
				e->stream = (r[2] & 2) ? SND_PCM_STREAM_CAPTURE :
					    SND_PCM_STREAM_PLAYBACK;
			}
			op_begin(OP_LB_OPEN);
			res = end_open(e, cfg.card);
			op_end(OP_LB_OPEN, res);
			lb_check(OP_LB_OPEN, res);
			continue;
		}

		choice = r[0] % 100;
		/*
		 * alsa-lib refuses most calls on a PCM it has no hw_params
		 * for with EIO of its own ("PCM not set up"), without
		 * asking the kernel; it forgets them also when the kernel
		 * refused to free them (snd_pcm_hw_free() on a running
		 * stream).  Configure it instead.  (Raw ioctls in any state
		 * are test/src/fuzz.c's business.)
		 */
		setup = alsa_setup(e->pcm);
		if (!setup && choice > 17 && (choice < 72 || choice > 80))
			choice = 6;
		/* ... and without them it cannot stop the stream: close it */
		if (!setup && choice > 5 && choice < 18 &&
		    snd_pcm_state(e->pcm) != SND_PCM_STATE_OPEN)
			choice = 0;
		switch (choice) {
		case 0 ... 5:
			op = e->loop ? OP_LB_CLOSE : OP_DM_CLOSE;
			op_begin(op);
			res = end_close(ends, e);
			break;
		case 6 ... 17:
			op = e->loop ? OP_LB_HW_PARAMS : OP_DM_HW_PARAMS;
			want = *e;
			choose_params(&want, r[2], o);
			op_begin(op);
			res = end_hw_params(e, &want);
			break;
		case 18 ... 21:
			op = e->loop ? OP_LB_SW_PARAMS : OP_DM_OTHER;
			op_begin(op);
			res = end_sw_params(e, r[2]);
			break;
		case 22 ... 29:
			op = e->loop ? OP_LB_PREPARE : OP_DM_PREPARE;
			op_begin(op);
			res = snd_pcm_prepare(e->pcm);
			break;
		case 30 ... 37:
			op = e->loop ? OP_LB_START : OP_DM_START;
			op_begin(op);
			res = snd_pcm_start(e->pcm);
			break;
		case 38 ... 59:
			op = !e->loop ? OP_DM_OTHER :
			     e->stream == SND_PCM_STREAM_PLAYBACK ?
			     OP_LB_WRITE : OP_LB_READ;
			op_begin(op);
			res = end_xfer(e, r[2]);
			break;
		case 60 ... 62:
			op = e->loop ? OP_LB_PAUSE : OP_DM_OTHER;
			/*
			 * Linux before 6.5 updates the position in a pause
			 * push under the group lock, and an xrun found
			 * there takes that lock again: a linked group
			 * deadlocks (sound/core/pcm_native.c,
			 * snd_pcm_do_pause(), then __snd_pcm_xrun()).
			 */
			if (e->group && !cfg.pause_linked) {
				op = e->loop ? OP_LB_STATUS : OP_DM_OTHER;
				op_begin(op);
				res = end_status(e, r[2]);
				break;
			}
			if (e->group)
				op = e->loop ? OP_LB_PAUSE_LINKED : OP_DM_OTHER;
			op_begin(op);
			res = snd_pcm_pause(e->pcm, (int)(r[2] & 1));
			break;
		case 63 ... 68:
			op = e->loop ? OP_LB_DROP : OP_DM_DROP;
			op_begin(op);
			res = snd_pcm_drop(e->pcm);
			break;
		case 69 ... 71:
			op = e->loop ? OP_LB_DRAIN : OP_DM_OTHER;
			op_begin(op);
			res = end_drain(e);
			break;
		case 72 ... 77:
			/* link with the cable's other end or with the dummy */
			o = (r[2] & 1) ? &ends[2] : o;
			if (o == e)
				o = &ends[0];
			if (!o->pcm || !e->loop) {
				op = OP_DM_OTHER;
				op_begin(op);
				res = o->pcm ? snd_pcm_link(e->pcm, o->pcm) :
				      -EBADF;
				if (res >= 0)
					group_link(ends, e, o);
				break;
			}
			op = o->loop ? OP_LB_LINK : OP_LB_LINK_DUMMY;
			op_begin(op);
			res = snd_pcm_link(e->pcm, o->pcm);
			if (res >= 0)
				group_link(ends, e, o);
			break;
		case 78 ... 80:
			op = e->loop ? OP_LB_UNLINK : OP_DM_OTHER;
			op_begin(op);
			res = snd_pcm_unlink(e->pcm);
			if (res >= 0)
				group_leave(ends, e);
			break;
		case 81 ... 83:
			op = e->loop ? OP_LB_HW_FREE : OP_DM_OTHER;
			op_begin(op);
			res = snd_pcm_hw_free(e->pcm);
			if (res >= 0)
				e->configured = 0;
			break;
		case 84 ... 91:
			op = e->loop ? OP_LB_STATUS : OP_DM_OTHER;
			op_begin(op);
			res = end_status(e, r[2]);
			break;
		default:
			/* let the streams run for a moment */
			usleep((useconds_t)(r[3] % 20000));
			continue;
		}
		op_end(op, res);
		/* the dummy card may be gone: anything goes for its streams */
		if (e->loop && op != OP_DM_OTHER)
			end_lb_check(e, op, res);
	}
	for (i = 0; i < 3; i++) {
		if (!ends[i].pcm)
			continue;
		op = ends[i].loop ? OP_LB_CLOSE : OP_DM_CLOSE;
		op_begin(op);
		res = end_close(ends, &ends[i]);
		op_end(op, res);
		if (ends[i].loop)
			lb_check(op, res);
	}
	free(scratch);
}

/* ---- the control worker --------------------------------------------- */

static void id_set(snd_ctl_elem_id_t *id, snd_ctl_elem_iface_t iface,
		   const char *name, unsigned int dev, unsigned int sub)
{
	snd_ctl_elem_id_clear(id);
	snd_ctl_elem_id_set_interface(id, iface);
	snd_ctl_elem_id_set_name(id, name);
	snd_ctl_elem_id_set_device(id, dev);
	snd_ctl_elem_id_set_subdevice(id, sub);
}

/* Write one value; 0 or more written, a negative errno refused. */
static int ctl_write(snd_ctl_t *ctl, snd_ctl_elem_id_t *id, int enumerated,
		     long v)
{
	snd_ctl_elem_value_t *val;

	snd_ctl_elem_value_alloca(&val);
	snd_ctl_elem_value_set_id(val, id);
	if (enumerated)
		snd_ctl_elem_value_set_enumerated(val, 0, (unsigned int)v);
	else
		snd_ctl_elem_value_set_integer(val, 0, v);
	return snd_ctl_elem_write(ctl, val);
}

static int ctl_items(snd_ctl_t *ctl)
{
	snd_ctl_elem_info_t *info;
	snd_ctl_elem_id_t *id;
	int err;

	snd_ctl_elem_id_alloca(&id);
	snd_ctl_elem_info_alloca(&info);
	id_set(id, SND_CTL_ELEM_IFACE_MIXER, TS_NAME, 0, 0);
	snd_ctl_elem_info_set_id(info, id);
	err = snd_ctl_elem_info(ctl, info);
	return err < 0 ? err : (int)snd_ctl_elem_info_get_items(info);
}

/* Read every element of the card, with its info, as mixers do. */
static int ctl_read_all(snd_ctl_t *ctl)
{
	snd_ctl_elem_list_t *list;
	snd_ctl_elem_info_t *info;
	snd_ctl_elem_value_t *val;
	snd_ctl_elem_id_t *id;
	unsigned int i, n, item;
	int err;

	snd_ctl_elem_list_alloca(&list);
	snd_ctl_elem_info_alloca(&info);
	snd_ctl_elem_value_alloca(&val);
	snd_ctl_elem_id_alloca(&id);
	err = snd_ctl_elem_list(ctl, list);
	if (err < 0)
		return err;
	n = snd_ctl_elem_list_get_count(list);
	err = snd_ctl_elem_list_alloc_space(list, n);
	if (err < 0)
		return err;
	err = snd_ctl_elem_list(ctl, list);
	for (i = 0; err >= 0 && i < snd_ctl_elem_list_get_used(list); i++) {
		snd_ctl_elem_list_get_id(list, i, id);
		snd_ctl_elem_info_set_id(info, id);
		err = snd_ctl_elem_info(ctl, info);
		if (err < 0)
			break;
		if (snd_ctl_elem_info_get_type(info) ==
		    SND_CTL_ELEM_TYPE_ENUMERATED) {
			/* ask for an item past the end: it is clamped */
			item = snd_ctl_elem_info_get_items(info) + 5;
			snd_ctl_elem_info_set_item(info, item);
			err = snd_ctl_elem_info(ctl, info);
			if (err < 0)
				break;
		}
		snd_ctl_elem_value_set_id(val, id);
		err = snd_ctl_elem_read(ctl, val);
		if (err < 0)
			break;
		if (!strcmp(snd_ctl_elem_id_get_name(id),
			    "PCM Rate Shift 100000")) {
			long v = snd_ctl_elem_value_get_integer(val, 0);

			if (v < 80000 || v > 120000)
				violation("PCM Rate Shift 100000 reads %ld", v);
		}
	}
	snd_ctl_elem_list_free_space(list);
	return err;
}

static void ctl_worker(struct rng *rng)
{
	snd_ctl_elem_id_t *id;
	snd_ctl_event_t *ev;
	snd_ctl_t *ctl = NULL;
	char name[96];
	uint64_t r[3];
	int op, res, i, items;
	long v;

	snd_ctl_elem_id_alloca(&id);
	snd_ctl_event_alloca(&ev);
	snprintf(name, sizeof(name), "hw:%s", cfg.card);
	while (!sh->stop && now_mono() < cfg.deadline) {
		for (i = 0; i < 3; i++)
			r[i] = rnd(rng);
		if (!ctl || r[0] % 200 == 0) {
			op_begin(OP_CTL_REOPEN);
			if (ctl)
				snd_ctl_close(ctl);
			res = snd_ctl_open(&ctl, name, SND_CTL_NONBLOCK);
			if (res >= 0)
				res = snd_ctl_subscribe_events(ctl, 1);
			op_end(OP_CTL_REOPEN, res);
			if (res < 0) {
				violation("snd_ctl_open(%s): %s", name,
					  snd_strerror(res));
				ctl = NULL;
				usleep(100000);
			}
			continue;
		}
		switch (r[0] % 100) {
		case 0 ... 24:
			v = 80000 + (long)(r[2] % 40001);
			op = OP_CTL_RATE_SHIFT;
			if (r[2] % 10 == 0) {
				static const long bad[] = {
					79999, 120001, 0, -1, 100000000,
					LONG_MAX, LONG_MIN,
				};
				v = PICK(bad, r[2] >> 8);
				op = OP_CTL_RATE_SHIFT_BAD;
			}
			id_set(id, SND_CTL_ELEM_IFACE_PCM,
			       "PCM Rate Shift 100000", r[1] & 1,
			       (r[1] >> 1) % cfg.substreams);
			op_begin(op);
			res = ctl_write(ctl, id, 0, v);
			break;
		case 25 ... 34:
			v = r[2] & 1;
			op = OP_CTL_NOTIFY;
			if (r[2] % 10 == 0) {
				v = (r[2] & 2) ? 2 : -1;
				op = OP_CTL_NOTIFY_BAD;
			}
			id_set(id, SND_CTL_ELEM_IFACE_PCM, "PCM Notify", r[1] & 1,
			       (r[1] >> 1) % cfg.substreams);
			op_begin(op);
			res = ctl_write(ctl, id, 0, v);
			break;
		case 35 ... 59:
			op_begin(OP_CTL_TIMER_SOURCE);
			items = ctl_items(ctl);
			op = OP_CTL_TIMER_SOURCE;
			if (items <= 0) {
				res = items < 0 ? items : -ENOENT;
				break;
			}
			v = (long)(r[2] % (unsigned int)items);
			if (r[2] % 10 == 0) {
				v = (r[2] & 2) ? 0xffffffffL : items + 1000;
				op = OP_CTL_TIMER_SOURCE_BAD;
			}
			id_set(id, SND_CTL_ELEM_IFACE_MIXER, TS_NAME, 0, 0);
			me->op = op;
			res = ctl_write(ctl, id, 1, v);
			break;
		case 60 ... 84:
			op = OP_CTL_READ_ALL;
			op_begin(op);
			res = ctl_read_all(ctl);
			break;
		default:
			op = OP_CTL_EVENTS;
			op_begin(op);
			while ((res = snd_ctl_read(ctl, ev)) > 0)
				;
			if (res == -EAGAIN)
				res = 0;
			usleep((useconds_t)(r[2] % 10000));
			break;
		}
		op_end(op, res);
		if (op == OP_CTL_RATE_SHIFT_BAD || op == OP_CTL_NOTIFY_BAD ||
		    op == OP_CTL_TIMER_SOURCE_BAD) {
			if (res != -EINVAL)
				violation("%s of %ld: %s, not EINVAL",
					  op_names[op], v,
					  res < 0 ? errname(-res) : "accepted");
		} else if (op == OP_CTL_TIMER_SOURCE && res == -EINVAL) {
			/* the items may have changed since we counted them */
		} else {
			lb_check(op, res);
		}
	}
	if (ctl)
		snd_ctl_close(ctl);
}

/* ---- the proc worker ------------------------------------------------ */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0)
		err = -errno;
	/* ALSA applies a proc write at close */
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = 0, total = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)total + 1 < size &&
	       (n = read(fd, buf + total, size - 1 - (size_t)total)) > 0)
		total += n;
	if (n < 0 && total == 0)
		total = -errno;
	close(fd);
	if (total >= 0)
		buf[total] = '\0';
	return (int)total;
}

/* Item @index of "Timer Source" by name, or "". */
static void item_name(snd_ctl_t *ctl, unsigned int index, char *out,
		      size_t size)
{
	snd_ctl_elem_info_t *info;
	snd_ctl_elem_id_t *id;

	snd_ctl_elem_id_alloca(&id);
	snd_ctl_elem_info_alloca(&info);
	id_set(id, SND_CTL_ELEM_IFACE_MIXER, TS_NAME, 0, 0);
	snd_ctl_elem_info_set_id(info, id);
	snd_ctl_elem_info_set_item(info, index);
	out[0] = '\0';
	if (snd_ctl_elem_info(ctl, info) >= 0)
		snprintf(out, size, "%s", snd_ctl_elem_info_get_item_name(info));
}

static void proc_worker(struct rng *rng)
{
	char path[128], value[96], ctlname[96];
	static char buf[65536];
	snd_ctl_t *ctl = NULL;
	uint64_t r[3];
	int res, i, items;

	snprintf(ctlname, sizeof(ctlname), "hw:%s", cfg.card);
	if (snd_ctl_open(&ctl, ctlname, 0) < 0)
		ctl = NULL;
	while (!sh->stop && now_mono() < cfg.deadline) {
		for (i = 0; i < 3; i++)
			r[i] = rnd(rng);
		if (r[0] % 100 < 40) {
			switch (r[1] % 500) {
			case 0 ... 199:
				items = ctl ? ctl_items(ctl) : 0;
				if (items > 0)
					item_name(ctl, (unsigned int)(r[2] % (unsigned int)items),
						  value, sizeof(value));
				else
					snprintf(value, sizeof(value), "System clock");
				break;
			case 200 ... 279:
				snprintf(value, sizeof(value), "%s.0.%u", cfg.dummy,
					 (unsigned int)(r[2] % 16));
				break;
			case 280 ... 319:
				snprintf(value, sizeof(value), "Skew.0.%u",
					 (unsigned int)(r[2] % 8));
				break;
			case 320 ... 359:
				snprintf(value, sizeof(value), "%u.0.%u",
					 (unsigned int)(r[2] % 4),
					 (unsigned int)((r[2] >> 8) % 16));
				break;
			case 360 ... 399:
				snprintf(value, sizeof(value), "%s %u.%u playback",
					 cfg.dummy, (unsigned int)(r[2] % 3),
					 (unsigned int)((r[2] >> 8) % 10));
				break;
			case 400 ... 439:
				snprintf(value, sizeof(value), "HR timer");
				break;
			case 440 ... 498:
				value[0] = '\0';
				break;
			default:
				/* rare: each one is an error line in dmesg */
				snprintf(value, sizeof(value), "no such %llu!",
					 (unsigned long long)r[2] % 1000);
				break;
			}
			snprintf(path, sizeof(path), "/proc/asound/%s/timer_source",
				 cfg.card);
			strcat(value, "\n");
			op_begin(OP_PROC_WRITE);
			res = write_file(path, value);
		} else {
			static const char *const files[] = {
				"cable#0", "cable#1", "timer_source",
				"pcm0p/sub0/status", "pcm1c/sub0/status",
				"pcm0c/sub1/hw_params", "pcm1p/sub1/sw_params",
			};
			snprintf(path, sizeof(path), "/proc/asound/%s/%s",
				 cfg.card, PICK(files, r[1]));
			op_begin(OP_PROC_READ);
			res = read_file(path, buf, sizeof(buf));
		}
		op_end(me->op, res);
		if (res < 0)
			violation("%s: %s", path, errname(-res));
		usleep((useconds_t)(r[2] % 5000));
	}
	if (ctl)
		snd_ctl_close(ctl);
}

/* ---- hotplug and unload workers ------------------------------------- */

static int mod_load(const struct module_spec *m)
{
	int fd = open(m->path, O_RDONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, m->params, 0) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int mod_unload(const char *name, unsigned int flags)
{
	return syscall(SYS_delete_module, name, flags) < 0 ? -errno : 0;
}

static void hotplug_worker(struct rng *rng)
{
	char path[256];
	uint64_t r[3];
	unsigned int n = cfg.nmodules + cfg.nbinds, k;
	int op, res, i;

	while (!sh->stop && now_mono() < cfg.deadline) {
		for (i = 0; i < 3; i++)
			r[i] = rnd(rng);
		k = (unsigned int)(r[0] % n);
		if (k < cfg.nmodules) {
			const struct module_spec *m = &cfg.modules[k];

			/* more often back than away */
			if (r[1] % 3) {
				op = OP_INSMOD + (int)k;
				op_begin(op);
				res = mod_load(m);
			} else {
				op = OP_RMMOD + (int)k;
				op_begin(op);
				res = mod_unload(m->name, O_NONBLOCK);
			}
		} else {
			const struct bind_spec *b = &cfg.binds[k - cfg.nmodules];

			op = (r[1] % 3) ? OP_BIND : OP_UNBIND;
			snprintf(path, sizeof(path),
				 "/sys/bus/platform/drivers/%s/%s", b->driver,
				 op == OP_BIND ? "bind" : "unbind");
			op_begin(op);
			res = write_file(path, b->device);
		}
		op_end(op, res);
		if (now_mono() - me->op_since > 20)
			violation("%s took %.1f s", op_names[op],
				  now_mono() - me->op_since);
		/* leave the cards there, or not, for a while */
		usleep((useconds_t)(r[2] % 300000));
	}
}

static void unload_worker(struct rng *rng)
{
	char path[64];
	double t;
	int fd, res;

	snprintf(path, sizeof(path), "/dev/snd/controlC%d", cfg.card_number);
	while (!sh->stop && now_mono() < cfg.deadline) {
		uint64_t r = rnd(rng);

		/* hold the card, so that the module is in use */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			violation("open %s: %s", path, strerror(errno));
			usleep(100000);
			continue;
		}
		op_begin(OP_LB_RMMOD);
		t = now_mono();
		res = mod_unload(cfg.lb_module, (r & 1) ? O_NONBLOCK : 0);
		t = now_mono() - t;
		op_end(OP_LB_RMMOD, res);
		close(fd);
		if (res == 0) {
			violation("%s unloaded while its control device was open",
				  cfg.lb_module);
			break;
		}
		if (res != -EWOULDBLOCK && res != -EBUSY)
			violation("delete_module(%s): %s", cfg.lb_module,
				  errname(-res));
		/*
		 * It takes module_mutex, which a concurrent insmod holds for
		 * seconds on a KASAN kernel under TCG: slow, but no hang.
		 */
		if (t > 20)
			violation("delete_module(%s) took %.1f s", cfg.lb_module, t);
		usleep((useconds_t)(50000 + (r >> 8) % 250000));
	}
}

/* ---- the final state ------------------------------------------------ */

struct item {
	char name[NAME_LEN];
	char id[16];
	unsigned int device, sub, stream;
	int keyed;
};

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c)
		return c;
	if (x->device != y->device)
		return x->device < y->device ? -1 : 1;
	if (x->sub != y->sub)
		return x->sub < y->sub ? -1 : 1;
	return (int)x->stream - (int)y->stream;
}

/* An item name's sort key, as the driver parses it. */
static int parse_item(const char *name, struct item *it)
{
	char dir[16], check[NAME_LEN];

	memset(it, 0, sizeof(*it));
	snprintf(it->name, sizeof(it->name), "%.*s", (int)sizeof(it->name) - 1,
		 name);
	if (sscanf(name, "%15s %u.%u %15s", it->id, &it->device, &it->sub,
		   dir) != 4)
		return 0;
	if (!strcmp(dir, "capture"))
		it->stream = 1;
	else if (strcmp(dir, "playback"))
		return 0;
	snprintf(check, sizeof(check), "%s %u.%u %s", it->id, it->device,
		 it->sub, dir);
	it->keyed = !strcmp(check, name);
	return it->keyed;
}

/* The driver field of card @n in /proc/asound/cards. */
static void card_driver(int n, char *out, size_t size)
{
	char line[256];
	FILE *f = fopen("/proc/asound/cards", "r");
	int num;

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "]: ");

		if (sscanf(line, "%d [", &num) != 1 || num != n || !p)
			continue;
		p += 3;
		snprintf(out, size, "%.*s", (int)strcspn(p, " "), p);
		break;
	}
	fclose(f);
}

static int count_subs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "sub", 3))
			n++;
	closedir(d);
	return n;
}

/* What the items should be, from /proc/asound and /sys/module. */
static unsigned int expected_items(struct item *out, unsigned int max,
				   const char *choice)
{
	char path[600], buf[16], drv[64];
	unsigned int n = 0, i;
	struct dirent *de, *pe;
	int card, dev, present;
	struct item choice_it;
	char dir;
	DIR *d, *cd;

	snprintf(out[n++].name, NAME_LEN, "System clock");
	if (read_file("/sys/module/snd_hrtimer/initstate", buf, sizeof(buf)) > 0 &&
	    !strncmp(buf, "live", 4)) {
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n++].name, NAME_LEN, "HR timer");
	}
	d = opendir("/proc/asound");
	while (d && (de = readdir(d))) {
		if (sscanf(de->d_name, "card%d", &card) != 1)
			continue;
		card_driver(card, drv, sizeof(drv));
		snprintf(path, sizeof(path), "/proc/asound/%s/id", de->d_name);
		if (!strcmp(drv, "Loopback") || read_file(path, buf, sizeof(buf)) <= 0)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		if (!buf[0])
			continue;
		snprintf(path, sizeof(path), "/proc/asound/%s", de->d_name);
		cd = opendir(path);
		while (cd && (pe = readdir(cd))) {
			int subs, s;

			if (sscanf(pe->d_name, "pcm%d%c", &dev, &dir) != 2 ||
			    (dir != 'p' && dir != 'c'))
				continue;
			snprintf(path, sizeof(path), "/proc/asound/%s/%s",
				 de->d_name, pe->d_name);
			subs = count_subs(path);
			for (s = 0; s < subs && n < max; s++) {
				struct item *it = &out[n++];

				memset(it, 0, sizeof(*it));
				snprintf(it->id, sizeof(it->id), "%s", buf);
				it->device = (unsigned int)dev;
				it->sub = (unsigned int)s;
				it->stream = dir == 'c';
				snprintf(it->name, sizeof(it->name),
					 "%s %u.%u %s", buf, it->device, it->sub,
					 it->stream ? "capture" : "playback");
			}
		}
		if (cd)
			closedir(cd);
	}
	if (d)
		closedir(d);
	/* the global timers sort first, then the PCMs */
	i = strcmp(out[1].name, "HR timer") ? 1 : 2;
	qsort(out + i, n - i, sizeof(*out), item_cmp);

	if (!choice[0] || n >= max)
		return n;
	present = 0;
	for (i = 1; i < n; i++)
		present |= !strcmp(out[i].name, choice);
	if (present)
		return n;
	/* an absent choice stays listed at its sorted place, else last */
	if (parse_item(choice, &choice_it)) {
		for (i = 1; i < n; i++)
			if (out[i].id[0] && item_cmp(&choice_it, &out[i]) < 0)
				break;
		memmove(&out[i + 1], &out[i], (n - i) * sizeof(*out));
		out[i] = choice_it;
	} else {
		out[n] = choice_it;
	}
	return n + 1;
}

#define MAX_ITEMS	512

static int check_items(snd_ctl_t *ctl, char *report, size_t size)
{
	static struct item want[MAX_ITEMS];
	static char got[MAX_ITEMS][NAME_LEN];
	char path[128], choice[96];
	unsigned int nw, ng, i;
	int items, len;

	snprintf(path, sizeof(path), "/proc/asound/%s/timer_source", cfg.card);
	if (read_file(path, choice, sizeof(choice)) < 0)
		choice[0] = '\0';
	choice[strcspn(choice, "\n")] = '\0';
	nw = expected_items(want, MAX_ITEMS - 1, choice);
	items = ctl_items(ctl);
	if (items < 0) {
		snprintf(report, size, "cannot read the items: %s",
			 snd_strerror(items));
		return -1;
	}
	ng = (unsigned int)items < MAX_ITEMS ? (unsigned int)items : MAX_ITEMS;
	for (i = 0; i < ng; i++)
		item_name(ctl, i, got[i], NAME_LEN);
	for (i = 0; i < nw && i < ng; i++)
		if (strcmp(want[i].name, got[i]))
			break;
	if (i == nw && i == ng)
		return 0;
	len = snprintf(report, size,
		       "items differ from item %u on (choice \"%s\"): %u expected, %u listed\n",
		       i, choice, nw, ng);
	for (i = 0; i < nw || i < ng; i++) {
		if (len < 0 || (size_t)len >= size)
			break;
		len += snprintf(report + len, size - (size_t)len,
				"  %3u %-30s %s\n", i, i < nw ? want[i].name : "-",
				i < ng ? got[i] : "-");
	}
	return -1;
}

static int read_enum(snd_ctl_t *ctl, snd_ctl_elem_iface_t iface,
		     const char *name, unsigned int dev, unsigned int sub,
		     long *v)
{
	snd_ctl_elem_value_t *val;
	snd_ctl_elem_id_t *id;
	int err;

	snd_ctl_elem_id_alloca(&id);
	snd_ctl_elem_value_alloca(&val);
	id_set(id, iface, name, dev, sub);
	snd_ctl_elem_value_set_id(val, id);
	err = snd_ctl_elem_read(ctl, val);
	if (err < 0)
		return err;
	*v = iface == SND_CTL_ELEM_IFACE_MIXER || !strcmp(name, TS_NAME) ?
	     (long)snd_ctl_elem_value_get_enumerated(val, 0) :
	     snd_ctl_elem_value_get_integer(val, 0);
	return 0;
}

/* The card after the run: returns the number of problems found. */
static int final_state(void)
{
	static char report[65536];
	char path[128], name[96], choice[96];
	snd_ctl_t *ctl;
	unsigned int d, s;
	int problems = 0, err, tries;
	double t0 = now_mono();
	long v;
	FILE *f;

	snprintf(name, sizeof(name), "hw:%s", cfg.card);
	err = snd_ctl_open(&ctl, name, 0);
	if (err < 0) {
		printf("stress: FAIL final state: snd_ctl_open(%s): %s\n", name,
		       snd_strerror(err));
		return 1;
	}

	/* every cable end closed */
	for (d = 0; d < 2; d++) {
		char line[256];

		snprintf(path, sizeof(path), "/proc/asound/%s/cable#%u",
			 cfg.card, d);
		f = fopen(path, "r");
		if (!f) {
			printf("stress: FAIL final state: %s: %s\n", path,
			       strerror(errno));
			problems++;
			continue;
		}
		while (fgets(line, sizeof(line), f)) {
			if ((strstr(line, "Playback:") || strstr(line, "Capture:")) &&
			    !strstr(line, "closed")) {
				printf("stress: FAIL final state: %s: an end is left: %s",
				       path, line);
				problems++;
			}
		}
		fclose(f);
	}

	/* the catalogue catches up from a work item (and retries for
	 * cards that are slow to become reachable): give it time */
	for (tries = 0;; tries++) {
		if (!check_items(ctl, report, sizeof(report)))
			break;
		if (now_mono() - t0 > 10) {
			printf("stress: FAIL final state: Timer Source %s", report);
			problems++;
			break;
		}
		usleep(100000);
	}
	printf("stress: final Timer Source items match the PCMs present (after %.1f s)\n",
	       now_mono() - t0);

	/* the value shows the choice */
	snprintf(path, sizeof(path), "/proc/asound/%s/timer_source", cfg.card);
	if (read_file(path, choice, sizeof(choice)) < 0)
		choice[0] = '\0';
	choice[strcspn(choice, "\n")] = '\0';
	err = read_enum(ctl, SND_CTL_ELEM_IFACE_MIXER, TS_NAME, 0, 0, &v);
	if (err >= 0) {
		item_name(ctl, (unsigned int)v, name, sizeof(name));
		if (strcmp(name, choice[0] ? choice : "System clock")) {
			printf("stress: FAIL final state: Timer Source shows item %ld \"%s\", proc \"%s\"\n",
			       v, name, choice);
			problems++;
		}
	} else {
		printf("stress: FAIL final state: Timer Source: %s\n",
		       snd_strerror(err));
		problems++;
	}
	printf("stress: final Timer Source choice: \"%s\"\n",
	       choice[0] ? choice : "System clock");

	/* per-cable values; no cable is open, so none follows a card */
	for (d = 0; d < 2; d++) {
		for (s = 0; s < cfg.substreams; s++) {
			err = read_enum(ctl, SND_CTL_ELEM_IFACE_PCM, TS_NAME, d,
					s, &v);
			if (err < 0 || v != 0) {
				printf("stress: FAIL final state: Timer Source of cable %u,%u: %s %ld (not System clock)\n",
				       d, s, err < 0 ? snd_strerror(err) : "item",
				       v);
				problems++;
			}
			err = read_enum(ctl, SND_CTL_ELEM_IFACE_PCM,
					"PCM Rate Shift 100000", d, s, &v);
			if (err < 0 || v < 80000 || v > 120000) {
				printf("stress: FAIL final state: PCM Rate Shift 100000 of %u,%u: %s %ld\n",
				       d, s, err < 0 ? snd_strerror(err) : "value",
				       v);
				problems++;
			}
		}
	}
	snd_ctl_close(ctl);
	return problems;
}

/* ---- the parent ----------------------------------------------------- */

static int card_info(void)
{
	char name[96];
	snd_ctl_card_info_t *info;
	snd_pcm_info_t *pinfo;
	snd_ctl_t *ctl;
	int err;

	snd_ctl_card_info_alloca(&info);
	snd_pcm_info_alloca(&pinfo);
	snprintf(name, sizeof(name), "hw:%s", cfg.card);
	err = snd_ctl_open(&ctl, name, 0);
	if (err < 0) {
		fprintf(stderr, "stress: snd_ctl_open(%s) failed: %s\n", name,
			snd_strerror(err));
		return -1;
	}
	err = snd_ctl_card_info(ctl, info);
	if (err >= 0) {
		cfg.card_number = snd_ctl_card_info_get_card(info);
		snd_pcm_info_set_device(pinfo, 0);
		snd_pcm_info_set_subdevice(pinfo, 0);
		snd_pcm_info_set_stream(pinfo, SND_PCM_STREAM_PLAYBACK);
		err = snd_ctl_pcm_info(ctl, pinfo);
	}
	if (err >= 0)
		cfg.substreams = snd_pcm_info_get_subdevices_count(pinfo);
	snd_ctl_close(ctl);
	if (err < 0 || !cfg.substreams) {
		fprintf(stderr, "stress: snd_ctl_pcm_info(%s) failed: %s\n", name,
			snd_strerror(err));
		return -1;
	}
	return 0;
}

static int parse_module(const char *arg, struct module_spec *m)
{
	const char *eq = strchr(arg, '='), *colon;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(m->name))
		return -1;
	snprintf(m->name, sizeof(m->name), "%.*s", (int)(eq - arg), arg);
	colon = strchr(eq + 1, ':');
	if (colon) {
		snprintf(m->path, sizeof(m->path), "%.*s",
			 (int)(colon - eq - 1), eq + 1);
		snprintf(m->params, sizeof(m->params), "%s", colon + 1);
	} else {
		snprintf(m->path, sizeof(m->path), "%s", eq + 1);
	}
	return m->path[0] ? 0 : -1;
}

static int parse_bind(const char *arg, struct bind_spec *b)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1] ||
	    (size_t)(eq - arg) >= sizeof(b->driver) ||
	    strlen(eq + 1) >= sizeof(b->device))
		return -1;
	snprintf(b->driver, sizeof(b->driver), "%.*s", (int)(eq - arg), arg);
	snprintf(b->device, sizeof(b->device), "%s", eq + 1);
	return 0;
}

/* Where a stuck worker waits, from /proc (the kernel stack needs root). */
static void show_stuck(const struct slot *s)
{
	char path[64], buf[4096];

	printf("stress: FAIL worker %s (pid %d) stuck in \"%s\" for %.1f s\n",
	       s->kind, s->pid, s->op >= 0 ? op_names[s->op] : "its loop",
	       now_mono() - s->op_since);
	snprintf(path, sizeof(path), "/proc/%d/wchan", s->pid);
	if (read_file(path, buf, sizeof(buf)) > 0)
		printf("stress:   wchan: %s\n", buf);
	snprintf(path, sizeof(path), "/proc/%d/stack", s->pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		char *line = strtok(buf, "\n");

		for (; line; line = strtok(NULL, "\n"))
			printf("stress:   %s\n", line);
	}
}

static void print_counts(unsigned int nworkers, double secs)
{
	uint64_t total = 0, ok, failed, e;
	unsigned int w, op, n;
	char errs[512];
	int len;

	for (op = 0; op < OP_COUNT; op++) {
		ok = failed = 0;
		len = 0;
		errs[0] = '\0';
		for (w = 0; w < nworkers; w++)
			ok += sh->slot[w].ok[op];
		for (e = 0; e < MAX_ERRNO; e++) {
			n = 0;
			for (w = 0; w < nworkers; w++)
				n += (unsigned int)sh->slot[w].err[op][e];
			if (!n)
				continue;
			failed += n;
			if (len >= 0 && (size_t)len < sizeof(errs))
				len += snprintf(errs + len, sizeof(errs) - (size_t)len,
						"%s%s %u", len ? ", " : "",
						e ? errname((int)e) : "other", n);
		}
		if (!ok && !failed)
			continue;
		total += ok + failed;
		printf("stress: op %-38s %8llu ok %8llu failed%s%s%s\n",
		       op_names[op], (unsigned long long)ok,
		       (unsigned long long)failed, failed ? " (" : "", errs,
		       failed ? ")" : "");
	}
	printf("stress: %llu operations in %.1f s, %.0f/s\n",
	       (unsigned long long)total, secs, secs > 0 ? total / secs : 0.0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "grace", required_argument, NULL, 'g' },
		{ "card", required_argument, NULL, 'c' },
		{ "dummy", required_argument, NULL, 'd' },
		{ "workers", required_argument, NULL, 'w' },
		{ "module", required_argument, NULL, 'm' },
		{ "bind", required_argument, NULL, 'b' },
		{ "proc", no_argument, NULL, 'p' },
		{ "unload", no_argument, NULL, 'u' },
		{ "lb-module", required_argument, NULL, 'L' },
		{ "pause-linked", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum kind { K_PCM, K_CTL, K_PROC, K_HOTPLUG, K_UNLOAD };
	enum kind kinds[MAX_WORKERS];
	unsigned int nworkers = 0, nkinds, w, running, i;
	int c, status, problems = 0;
	unsigned long v;
	double t0, t_end, secs;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "s:t:g:c:d:w:m:b:puh", opts,
				NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_uint(optarg, 0, ULONG_MAX, &v))
				goto bad;
			cfg.seed = v;
			break;
		case 't':
			if (parse_double(optarg, 0, 1e6, &cfg.seconds))
				goto bad;
			break;
		case 'g':
			if (parse_double(optarg, 1, 1e6, &cfg.grace))
				goto bad;
			break;
		case 'c':
			cfg.card = optarg;
			break;
		case 'd':
			cfg.dummy = optarg;
			break;
		case 'w':
			if (parse_uint(optarg, 1, 16, &v))
				goto bad;
			cfg.pcm_workers = (unsigned int)v;
			break;
		case 'm':
			if (cfg.nmodules >= MAX_MODULES ||
			    parse_module(optarg, &cfg.modules[cfg.nmodules]))
				goto bad;
			cfg.nmodules++;
			break;
		case 'b':
			if (cfg.nbinds >= MAX_BINDS ||
			    parse_bind(optarg, &cfg.binds[cfg.nbinds]))
				goto bad;
			cfg.nbinds++;
			break;
		case 'p':
			cfg.proc = 1;
			break;
		case 'u':
			cfg.unload = 1;
			break;
		case 'L':
			cfg.lb_module = optarg;
			break;
		case 'P':
			cfg.pause_linked = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_SETUP;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "stress: unexpected argument '%s'\n", argv[optind]);
		return EXIT_SETUP;
	}
	if ((cfg.nmodules || cfg.nbinds || cfg.proc || cfg.unload) && geteuid()) {
		fprintf(stderr, "stress: -m, -b, -p and -u need root\n");
		return EXIT_SETUP;
	}

	for (i = 0; i < OP_INSMOD; i++)
		snprintf(op_names[i], sizeof(op_names[i]), "%s", op_base_names[i]);
	for (i = 0; i < MAX_MODULES; i++) {
		snprintf(op_names[OP_INSMOD + i], sizeof(op_names[0]), "insmod %s",
			 cfg.modules[i].name);
		snprintf(op_names[OP_RMMOD + i], sizeof(op_names[0]), "rmmod %s",
			 cfg.modules[i].name);
	}
	if (card_info() < 0)
		return EXIT_SETUP;
	/* read alsa-lib's configuration once, before the workers fork */
	snd_config_update();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		fprintf(stderr, "stress: mmap: %s\n", strerror(errno));
		return EXIT_SETUP;
	}
	memset(sh, 0, sizeof(*sh));

	printf("stress: seed %llu, %.0f s, card %s (%u substreams), %u PCM workers%s%s%s\n",
	       (unsigned long long)cfg.seed, cfg.seconds, cfg.card,
	       cfg.substreams, cfg.pcm_workers,
	       cfg.proc ? ", proc" : "",
	       cfg.nmodules || cfg.nbinds ? ", hotplug" : "",
	       cfg.unload ? ", unload" : "");
	for (i = 0; i < cfg.nmodules; i++)
		printf("stress: module %s from %s%s%s\n", cfg.modules[i].name,
		       cfg.modules[i].path, cfg.modules[i].params[0] ? " " : "",
		       cfg.modules[i].params);
	for (i = 0; i < cfg.nbinds; i++)
		printf("stress: device %s of driver %s\n", cfg.binds[i].device,
		       cfg.binds[i].driver);
	fflush(stdout);
	{
		/* glibc loads what backtrace() needs on its first call:
		 * not in a signal handler */
		void *frame;

		backtrace(&frame, 1);
	}

	t0 = now_mono();
	cfg.deadline = t0 + cfg.seconds;
	nkinds = 0;
	for (w = 0; w < cfg.pcm_workers; w++)
		kinds[nkinds++] = K_PCM;
	kinds[nkinds++] = K_CTL;
	if (cfg.proc)
		kinds[nkinds++] = K_PROC;
	if (cfg.nmodules || cfg.nbinds)
		kinds[nkinds++] = K_HOTPLUG;
	if (cfg.unload)
		kinds[nkinds++] = K_UNLOAD;
	for (w = 0; w < nkinds; w++) {
		enum kind kind = kinds[w];
		struct rng rng;

		me = &sh->slot[w];
		me->op = -1;
		switch (kind) {
		case K_PCM:
			snprintf(me->kind, sizeof(me->kind), "pcm%u", w);
			break;
		case K_CTL:
			snprintf(me->kind, sizeof(me->kind), "ctl");
			break;
		case K_PROC:
			snprintf(me->kind, sizeof(me->kind), "proc");
			break;
		case K_HOTPLUG:
			snprintf(me->kind, sizeof(me->kind), "hotplug");
			break;
		default:
			snprintf(me->kind, sizeof(me->kind), "unload");
			break;
		}
		rng.s = mix64(cfg.seed) ^ mix64(0x5eed0000ULL + w);
		fflush(stdout);
		fflush(stderr);
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "stress: fork: %s\n", strerror(errno));
			sh->stop = 1;
			break;
		}
		if (!pid) {
			me_name = me->kind;
			signal(SIGSEGV, crash_report);
			signal(SIGBUS, crash_report);
			signal(SIGFPE, crash_report);
			signal(SIGILL, crash_report);
			switch (kind) {
			case K_PCM:
				pcm_worker(w, &rng);
				break;
			case K_CTL:
				ctl_worker(&rng);
				break;
			case K_PROC:
				proc_worker(&rng);
				break;
			case K_HOTPLUG:
				hotplug_worker(&rng);
				break;
			default:
				unload_worker(&rng);
				break;
			}
			me->finished = 1;
			_exit(EXIT_OK);
		}
		me->pid = pid;
		nworkers = w + 1;
	}
	me = NULL;

	/* Wait for the deadline, then for the workers, within the grace. */
	running = nworkers;
	t_end = cfg.deadline + cfg.grace;
	while (running) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			for (w = 0; w < nworkers; w++) {
				struct slot *s = &sh->slot[w];

				if (s->pid != pid)
					continue;
				s->pid = -s->pid;
				running--;
				if (!WIFEXITED(status) || WEXITSTATUS(status) ||
				    !s->finished) {
					printf("stress: FAIL worker %s ended with %s %d\n",
					       s->kind, WIFEXITED(status) ?
					       "exit status" : "signal",
					       WIFEXITED(status) ?
					       WEXITSTATUS(status) :
					       WTERMSIG(status));
					problems++;
				}
			}
			continue;
		}
		if (now_mono() >= cfg.deadline)
			sh->stop = 1;
		if (now_mono() > t_end)
			break;
		usleep(50000);
	}
	secs = now_mono() - t0;
	if (running) {
		for (w = 0; w < nworkers; w++) {
			if (sh->slot[w].pid > 0) {
				show_stuck(&sh->slot[w]);
				problems++;
				kill(sh->slot[w].pid, SIGKILL);
			}
		}
		/* a task stuck in the kernel may not even die */
		for (i = 0; i < 50 && waitpid(-1, &status, WNOHANG) >= 0; i++)
			usleep(100000);
	}
	fflush(stdout);

	print_counts(nworkers, secs > cfg.seconds ? cfg.seconds : secs);
	for (w = 0; w < nworkers; w++) {
		if (!sh->slot[w].violations)
			continue;
		printf("stress: FAIL worker %s: %llu violations (see above)\n",
		       sh->slot[w].kind,
		       (unsigned long long)sh->slot[w].violations);
		problems++;
	}
	printf("stress: workers finished %.1f s after the deadline\n",
	       secs - cfg.seconds > 0 ? secs - cfg.seconds : 0.0);
	if (!running)
		problems += final_state();
	printf("stress: %s (seed %llu)\n", problems ? "FAIL" : "PASS",
	       (unsigned long long)cfg.seed);
	return problems ? EXIT_FOUND : EXIT_OK;
bad:
	fprintf(stderr, "stress: bad value '%s' for -%c\n", optarg, c);
	usage(stderr);
	return EXIT_SETUP;
}
