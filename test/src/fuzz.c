// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz - random and invalid control and PCM requests against a loopback
 * card, as an unprivileged user would send them.
 *
 * Speaks to the kernel with raw ioctls (the kernel's <sound/asound.h>,
 * not alsa-lib, which would refuse most of this before the kernel sees
 * it).  It drops root first, before it opens anything, to the user and
 * groups given, so it only has what the /dev/snd nodes grant.
 *
 * Each request may fail or succeed; what it must not do: fail with an
 * error no caller can cause (EIO, an errno beyond the user-space range),
 * accept an out-of-range value of the loopback's controls, change a
 * value when it fails, configure a stream outside the loopback's
 * hardware limits, transfer frames from a kernel address.  Afterwards,
 * with everything closed, every element, its info (the "Timer Source"
 * items included) and its value must read as before (the playback
 * parameters the "PCM Slave" elements show aside), and every cable must
 * be closed.  The kernel's log is the rig's business.
 *
 * Exit status: 0 nothing found, 1 something found, 2 setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sound/asound.h>

enum { EXIT_OK = 0, EXIT_FOUND = 1, EXIT_SETUP = 2 };

#define MAX_FDS		6
#define MAX_ELEMS	512
#define MAX_ADDED	8
#define MAX_MESSAGES	40
#define BIG		(1 << 20)	/* a user buffer any request fits in */
#define KERNEL_PTR	((void *)0xffff888000000000UL)

/* The loopback's hardware (kernel/aloop_pcm.c, aloop_hardware). */
#define HW_RATE_MIN	8000
#define HW_RATE_MAX	192000
#define HW_CH_MAX	32
#define HW_BUF_MAX	(8 * 1024 * 1024)
#define HW_PERIODS_MAX	1024

static struct {
	uint64_t seed;
	unsigned long iterations;
	double seconds;
	const char *card;
	const char *dummy;
	int pause_linked;
	uid_t uid;
	gid_t gid;
	gid_t groups[8];
	int ngroups;
	int drop;
	int card_number;
	int dummy_number;
} cfg = {
	.seed = 1,
	.iterations = 20000,
	.seconds = 60,
	.card = "Loopback",
	.dummy = "Dummy",
	.dummy_number = -1,
};

static unsigned long findings;
static unsigned int messages;
static unsigned char *big;	/* BIG bytes of random data */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: fuzz [OPTION]...\n"
"       fuzz access [-c CARD] -u UID:GID\n"
"       fuzz edges [-c CARD] [-u UID:GID[:GID...]]\n"
"Send random and invalid control and PCM requests (raw ioctls, mmap,\n"
"read, write, poll) to a loopback card and check that each one either\n"
"fails with an error a caller can cause or gives a valid result, that a\n"
"refused control write changes nothing, and that afterwards every\n"
"element, its info and value (but the \"PCM Slave\" ones) read as before\n"
"and every cable is closed.\n"
"\"access\": as that user, every /dev/snd node of the card and writing\n"
"/proc/asound/CARD/timer_source must fail with EACCES.\n"
"\"edges\": hw_refine with each interval in turn the empty integer interval\n"
"(0,0) must still keep channels, rate, period bytes, periods and buffer\n"
"bytes within the loopback's hardware (the PCM core alone lets (0,0)\n"
"become [min, UINT_MAX] past its constraints).\n"
"\n"
"Options:\n"
"  -s, --seed=N          seed (default 1)\n"
"  -n, --iterations=N    requests to send (default 20000)\n"
"  -t, --seconds=SEC     stop earlier after SEC seconds (default 60)\n"
"  -c, --card=ID         loopback card id (default Loopback)\n"
"  -d, --dummy=ID        another card whose PCMs are linked with the\n"
"                        loopback's (default Dummy; none if absent)\n"
"  -u, --user=UID:GID[:GID...]\n"
"                        drop root to this user and these supplementary\n"
"                        groups before opening anything\n"
"      --pause-linked    also pause linked streams: Linux before 6.5\n"
"                        deadlocks when one of them underruns just then\n"
"                        (see test/src/stress.c)\n"
"  -h, --help            show this help\n"
"\n"
"Output lines start with \"fuzz: \".  Exit status: 0 nothing found;\n"
"1 a request misbehaved or the state changed; 2 setup error (bad\n"
"arguments, cannot drop root, card not there).\n");
}

static void finding(const char *fmt, ...)
{
	va_list ap;

	findings++;
	if (messages++ >= MAX_MESSAGES)
		return;
	va_start(ap, fmt);
	printf("fuzz: FOUND ");
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	fflush(stdout);
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the generator -------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = (rng_state += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static unsigned int rnd_below(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

static void rnd_fill(void *p, size_t n)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		c[i] = (unsigned char)rnd();
}

/* An "interesting" 64-bit number. */
static long long rnd_value(void)
{
	static const long long v[] = {
		0, 1, -1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
		0x7fffffff, 0x80000000LL, 0xffffffffLL, LLONG_MAX, LLONG_MIN,
		79999, 80000, 100000, 120000, 120001, 48000, 192001, 4096,
	};

	return (rnd() & 1) ? v[rnd_below(sizeof(v) / sizeof(v[0]))] :
	       (long long)rnd();
}

/* ---- results -------------------------------------------------------- */

enum kind {
	K_CTL_WRITE_BAD, K_CTL_WRITE_RO, K_CTL_WRITE_OK, K_CTL_WRITE_ID,
	K_CTL_WRITE_JUNK, K_CTL_INFO, K_CTL_READ, K_CTL_TLV, K_CTL_ADD,
	K_CTL_REMOVE, K_CTL_REPLACE, K_CTL_LOCK, K_CTL_LIST, K_CTL_MISC,
	K_CTL_EVENTS, K_CTL_RANDOM,
	K_PCM_OPEN, K_PCM_CLOSE, K_PCM_REFINE, K_PCM_HW_PARAMS,
	K_PCM_HW_PARAMS_OK, K_PCM_SW_PARAMS, K_PCM_SYNC_PTR, K_PCM_STATUS,
	K_PCM_STATE, K_PCM_PAUSE, K_PCM_MOVE, K_PCM_XFER, K_PCM_XFER_BAD,
	K_PCM_LINK, K_PCM_MMAP, K_PCM_RW, K_PCM_POLL, K_PCM_INFO,
	K_PCM_RANDOM, K_PCM_EDGES,
	K_COUNT
};

static const char *const kind_names[K_COUNT] = {
	[K_CTL_WRITE_BAD] = "ctl write, out of range",
	[K_CTL_WRITE_RO] = "ctl write, read-only element",
	[K_CTL_WRITE_OK] = "ctl write, in range",
	[K_CTL_WRITE_ID] = "ctl write, no such element",
	[K_CTL_WRITE_JUNK] = "ctl write, junk past the count",
	[K_CTL_INFO] = "ctl info (items past the end)",
	[K_CTL_READ] = "ctl read, any id",
	[K_CTL_TLV] = "ctl TLV read/write/command",
	[K_CTL_ADD] = "ctl element add",
	[K_CTL_REMOVE] = "ctl element remove",
	[K_CTL_REPLACE] = "ctl element replace",
	[K_CTL_LOCK] = "ctl element lock/unlock",
	[K_CTL_LIST] = "ctl element list",
	[K_CTL_MISC] = "ctl card/pcm/power info",
	[K_CTL_EVENTS] = "ctl events",
	[K_CTL_RANDOM] = "ctl random ioctl",
	[K_PCM_OPEN] = "pcm open",
	[K_PCM_CLOSE] = "pcm close",
	[K_PCM_REFINE] = "pcm hw_refine, garbage",
	[K_PCM_HW_PARAMS] = "pcm hw_params, garbage",
	[K_PCM_HW_PARAMS_OK] = "pcm hw_params, chosen",
	[K_PCM_SW_PARAMS] = "pcm sw_params, garbage",
	[K_PCM_SYNC_PTR] = "pcm sync_ptr, garbage",
	[K_PCM_STATUS] = "pcm status/status_ext/delay",
	[K_PCM_STATE] = "pcm prepare/start/drop/drain/reset/...",
	[K_PCM_PAUSE] = "pcm pause",
	[K_PCM_MOVE] = "pcm rewind/forward",
	[K_PCM_XFER] = "pcm read/write frames",
	[K_PCM_XFER_BAD] = "pcm read/write frames, bad pointers",
	[K_PCM_LINK] = "pcm link/unlink",
	[K_PCM_MMAP] = "pcm mmap",
	[K_PCM_RW] = "pcm read()/write()",
	[K_PCM_POLL] = "pcm poll",
	[K_PCM_INFO] = "pcm info/ttstamp/channel_info",
	[K_PCM_RANDOM] = "pcm random ioctl",
	[K_PCM_EDGES] = "pcm hw_refine, (0,0) intervals",
};

static unsigned long count_ok[K_COUNT], count_err[K_COUNT];

/* Count a result; an error no caller can cause is a finding. */
static int result(enum kind k, int ret, const char *what)
{
	int e = ret < 0 ? errno : 0;

	if (ret >= 0) {
		count_ok[k]++;
		return 0;
	}
	count_err[k]++;
	if (e == EIO || e <= 0 || e > 133)
		finding("%s: %s: errno %d (%s)", kind_names[k], what, e,
			strerror(e));
	return -e;
}

/* ---- controls ------------------------------------------------------- */

struct elem {
	struct snd_ctl_elem_info info;
	struct snd_ctl_elem_value value;
	char items[64][64];		/* enumerated: the first 64 names */
};

struct snapshot {
	unsigned int count;
	struct elem e[MAX_ELEMS];
	char proc_timer_source[128];
};

static struct snapshot before, after;
static int ctl_fd = -1;

static int ctl_open(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/snd/controlC%d", cfg.card_number);
	return open(path, O_RDWR | O_CLOEXEC | (rnd() & 1 ? O_NONBLOCK : 0));
}

static int is_enum(const struct snd_ctl_elem_info *info)
{
	return info->type == SNDRV_CTL_ELEM_TYPE_ENUMERATED;
}

/* Every element of the card with its info and value. */
static int take_snapshot(int fd, struct snapshot *s)
{
	static struct snd_ctl_elem_id ids[MAX_ELEMS];
	struct snd_ctl_elem_list list;
	unsigned int i, j;

	memset(&list, 0, sizeof(list));
	list.space = MAX_ELEMS;
	list.pids = ids;
	if (ioctl(fd, SNDRV_CTL_IOCTL_ELEM_LIST, &list) < 0)
		return -errno;
	memset(s->e, 0, sizeof(s->e));
	s->count = list.used;
	for (i = 0; i < list.used; i++) {
		struct elem *e = &s->e[i];

		e->info.id = ids[i];
		if (ioctl(fd, SNDRV_CTL_IOCTL_ELEM_INFO, &e->info) < 0)
			return -errno;
		for (j = 0; is_enum(&e->info) && j < 64 &&
		     j < e->info.value.enumerated.items; j++) {
			struct snd_ctl_elem_info in = e->info;

			in.value.enumerated.item = j;
			if (ioctl(fd, SNDRV_CTL_IOCTL_ELEM_INFO, &in) < 0)
				return -errno;
			snprintf(e->items[j], sizeof(e->items[j]), "%s",
				 in.value.enumerated.name);
		}
		e->value.id = ids[i];
		if ((e->info.access & SNDRV_CTL_ELEM_ACCESS_READ) &&
		    ioctl(fd, SNDRV_CTL_IOCTL_ELEM_READ, &e->value) < 0)
			return -errno;
	}
	return 0;
}

/* Values of this element show the last playback parameters. */
static int volatile_elem(const struct snd_ctl_elem_info *info)
{
	return !strncmp((const char *)info->id.name, "PCM Slave ", 10) &&
	       strcmp((const char *)info->id.name, "PCM Slave Active");
}

static const char *elem_name(const struct snd_ctl_elem_info *info)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "'%s' iface %u dev %u sub %u idx %u",
		 info->id.name, info->id.iface, info->id.device,
		 info->id.subdevice, info->id.index);
	return buf;
}

static size_t value_bytes(const struct snd_ctl_elem_info *info)
{
	switch (info->type) {
	case SNDRV_CTL_ELEM_TYPE_BOOLEAN:
	case SNDRV_CTL_ELEM_TYPE_INTEGER:
		return info->count * sizeof(long);
	case SNDRV_CTL_ELEM_TYPE_ENUMERATED:
		return info->count * sizeof(unsigned int);
	case SNDRV_CTL_ELEM_TYPE_BYTES:
		return info->count;
	case SNDRV_CTL_ELEM_TYPE_IEC958:
		return sizeof(struct snd_aes_iec958);
	case SNDRV_CTL_ELEM_TYPE_INTEGER64:
		return info->count * sizeof(long long);
	}
	return 0;
}

static int same_value(const struct snd_ctl_elem_info *info,
		      const struct snd_ctl_elem_value *a,
		      const struct snd_ctl_elem_value *b)
{
	size_t n = value_bytes(info);

	if (n > sizeof(a->value))
		n = sizeof(a->value);
	return !memcmp(&a->value, &b->value, n);
}

static int compare_snapshots(const struct snapshot *a, const struct snapshot *b)
{
	unsigned int i, j, bad = 0;

	if (a->count != b->count) {
		finding("state: %u elements before, %u after", a->count,
			b->count);
		return 1;
	}
	for (i = 0; i < a->count; i++) {
		const struct elem *x = &a->e[i], *y = &b->e[i];

		if (memcmp(&x->info.id, &y->info.id, sizeof(x->info.id))) {
			finding("state: element %u was %s, is '%s'", i,
				elem_name(&x->info), y->info.id.name);
			bad++;
			continue;
		}
		if (x->info.type != y->info.type ||
		    x->info.count != y->info.count ||
		    x->info.access != y->info.access ||
		    memcmp(&x->info.value, &y->info.value,
			   is_enum(&x->info) ? sizeof(x->info.value.enumerated.items) :
			   sizeof(x->info.value))) {
			finding("state: info of %s changed", elem_name(&x->info));
			bad++;
		}
		for (j = 0; is_enum(&x->info) && j < 64; j++) {
			if (strcmp(x->items[j], y->items[j])) {
				finding("state: item %u of %s was '%s', is '%s'",
					j, elem_name(&x->info), x->items[j],
					y->items[j]);
				bad++;
				break;
			}
		}
		if (!volatile_elem(&x->info) &&
		    !same_value(&x->info, &x->value, &y->value)) {
			finding("state: value of %s changed", elem_name(&x->info));
			bad++;
		}
	}
	return bad > 0;
}

/* A random element of the snapshot, or NULL. */
static struct elem *some_elem(void)
{
	return before.count ? &before.e[rnd_below(before.count)] : NULL;
}

static int read_value(int fd, const struct snd_ctl_elem_id *id,
		      struct snd_ctl_elem_value *v)
{
	memset(v, 0, sizeof(*v));
	v->id = *id;
	return ioctl(fd, SNDRV_CTL_IOCTL_ELEM_READ, v);
}

/* The current item count of an enumerated element. */
static unsigned int items_now(int fd, const struct snd_ctl_elem_id *id)
{
	struct snd_ctl_elem_info in;

	memset(&in, 0, sizeof(in));
	in.id = *id;
	if (ioctl(fd, SNDRV_CTL_IOCTL_ELEM_INFO, &in) < 0)
		return 0;
	return in.value.enumerated.items;
}

/* An out-of-range value for @e's first channel, or -1 if it has none. */
static int bad_value(int fd, const struct elem *e, struct snd_ctl_elem_value *v)
{
	const struct snd_ctl_elem_info *in = &e->info;

	switch (in->type) {
	case SNDRV_CTL_ELEM_TYPE_BOOLEAN:
		v->value.integer.value[0] = (rnd() & 1) ? 2 : -1;
		return 0;
	case SNDRV_CTL_ELEM_TYPE_INTEGER:
		if (in->value.integer.min == LONG_MIN &&
		    in->value.integer.max == LONG_MAX)
			return -1;
		if ((rnd() & 1) && in->value.integer.min > LONG_MIN)
			v->value.integer.value[0] = in->value.integer.min -
				1 - (long)rnd_below(3) * (rnd_below(2) ? 1 : 1000);
		else if (in->value.integer.max < LONG_MAX)
			v->value.integer.value[0] = in->value.integer.max + 1 +
				(long)rnd_below(1000);
		else
			v->value.integer.value[0] = in->value.integer.min - 1;
		if (rnd_below(8) == 0)
			v->value.integer.value[0] = (rnd() & 1) ? LONG_MIN :
				LONG_MAX;
		if (v->value.integer.value[0] >= in->value.integer.min &&
		    v->value.integer.value[0] <= in->value.integer.max)
			return -1;
		return 0;
	case SNDRV_CTL_ELEM_TYPE_ENUMERATED: {
		unsigned int n = items_now(fd, &in->id);

		v->value.enumerated.item[0] = (rnd() & 1) ? n + rnd_below(4) :
			0x80000000u + (unsigned int)rnd_below(0x7fffffff);
		if (rnd_below(4) == 0)
			v->value.enumerated.item[0] = 0xffffffffu;
		return 0;
	}
	}
	return -1;
}

/* Is this one of the loopback's own writable elements? */
static int ours_writable(const struct snd_ctl_elem_info *in)
{
	const char *n = (const char *)in->id.name;

	return (in->access & SNDRV_CTL_ELEM_ACCESS_WRITE) &&
	       (!strcmp(n, "PCM Rate Shift 100000") || !strcmp(n, "PCM Notify") ||
		!strcmp(n, "Timer Source"));
}

static void fuzz_ctl_write(int fd)
{
	struct snd_ctl_elem_value v, was, now;
	struct elem *e = some_elem();
	enum kind k;
	int ret, err;

	if (!e)
		return;
	if (read_value(fd, &e->info.id, &was) < 0)
		return;
	v = was;
	switch (rnd_below(5)) {
	case 0:
	case 1:
		/* out of range for the loopback's own elements */
		if (!ours_writable(&e->info) || bad_value(fd, e, &v) < 0)
			return;
		k = K_CTL_WRITE_BAD;
		break;
	case 2:
		/* read-only elements */
		if (e->info.access & SNDRV_CTL_ELEM_ACCESS_WRITE)
			return;
		rnd_fill(&v.value, sizeof(v.value));
		k = K_CTL_WRITE_RO;
		break;
	case 3:
		/* an element that does not exist */
		rnd_fill(&v.id, sizeof(v.id));
		if (rnd() & 1)
			v.id.numid = 0x7fff0000u + (unsigned int)rnd_below(0xffff);
		v.id.name[rnd_below(sizeof(v.id.name))] = '\0';
		k = K_CTL_WRITE_ID;
		break;
	default:
		/* junk past the element's count */
		if (!ours_writable(&e->info))
			return;
		rnd_fill((char *)&v.value + value_bytes(&e->info),
			 sizeof(v.value) - value_bytes(&e->info));
		k = K_CTL_WRITE_JUNK;
		break;
	}
	ret = ioctl(fd, SNDRV_CTL_IOCTL_ELEM_WRITE, &v);
	err = result(k, ret, elem_name(&e->info));
	if (read_value(fd, &e->info.id, &now) < 0) {
		finding("%s: cannot read %s back: %s", kind_names[k],
			elem_name(&e->info), strerror(errno));
		return;
	}
	switch (k) {
	case K_CTL_WRITE_BAD:
		if (err != -EINVAL)
			finding("%s: %s accepted %lld (%s)", kind_names[k],
				elem_name(&e->info),
				is_enum(&e->info) ? (long long)v.value.enumerated.item[0] :
				(long long)v.value.integer.value[0],
				err ? strerror(-err) : "no error");
		/* fall through */
	case K_CTL_WRITE_RO:
	case K_CTL_WRITE_ID:
		/* a volatile element may change on its own meanwhile */
		if (!volatile_elem(&e->info) &&
		    strcmp((const char *)e->info.id.name, "PCM Slave Active") &&
		    !same_value(&e->info, &was, &now))
			finding("%s: %s changed though the write failed (%s)",
				kind_names[k], elem_name(&e->info),
				err ? strerror(-err) : "no error");
		break;
	default:
		/* the junk must not have reached the value */
		if (!err && !same_value(&e->info, &v, &now))
			finding("%s: %s reads back other than written",
				kind_names[k], elem_name(&e->info));
		break;
	}
}

/* A valid write, put back afterwards: the values must come back equal. */
static void fuzz_ctl_write_ok(int fd)
{
	struct snd_ctl_elem_value was, v, now;
	struct elem *e = some_elem();
	unsigned int n;
	int err;

	if (!e || !ours_writable(&e->info) ||
	    read_value(fd, &e->info.id, &was) < 0)
		return;
	v = was;
	switch (e->info.type) {
	case SNDRV_CTL_ELEM_TYPE_BOOLEAN:
		v.value.integer.value[0] = rnd() & 1;
		break;
	case SNDRV_CTL_ELEM_TYPE_INTEGER:
		v.value.integer.value[0] = e->info.value.integer.min +
			(long)(rnd() % (unsigned long)(e->info.value.integer.max -
						      e->info.value.integer.min + 1));
		break;
	case SNDRV_CTL_ELEM_TYPE_ENUMERATED:
		n = items_now(fd, &e->info.id);
		v.value.enumerated.item[0] = rnd_below(n);
		break;
	default:
		return;
	}
	err = result(K_CTL_WRITE_OK, ioctl(fd, SNDRV_CTL_IOCTL_ELEM_WRITE, &v),
		     elem_name(&e->info));
	/* an enumerated list may have changed under us */
	if (err && !(err == -EINVAL && is_enum(&e->info)))
		finding("%s: %s refused a valid value: %s",
			kind_names[K_CTL_WRITE_OK], elem_name(&e->info),
			strerror(-err));
	if (!err && read_value(fd, &e->info.id, &now) >= 0 &&
	    !same_value(&e->info, &v, &now))
		finding("%s: %s reads back other than written",
			kind_names[K_CTL_WRITE_OK], elem_name(&e->info));
	/* put it back as it was */
	if (ioctl(fd, SNDRV_CTL_IOCTL_ELEM_WRITE, &was) < 0)
		finding("%s: cannot restore %s: %s", kind_names[K_CTL_WRITE_OK],
			elem_name(&e->info), strerror(errno));
}

static void fuzz_ctl_info(int fd)
{
	struct snd_ctl_elem_info in;
	struct elem *e = some_elem();
	unsigned int want;

	memset(&in, 0, sizeof(in));
	if (e && (rnd() & 3)) {
		in.id = e->info.id;
		if (rnd() & 1)
			in.id.numid = 0;
	} else {
		rnd_fill(&in.id, sizeof(in.id));
		in.id.name[rnd_below(sizeof(in.id.name))] = '\0';
	}
	want = (rnd() & 1) ? (unsigned int)rnd() : rnd_below(300);
	in.value.enumerated.item = want;
	if (result(K_CTL_INFO, ioctl(fd, SNDRV_CTL_IOCTL_ELEM_INFO, &in),
		   "info") < 0 || !is_enum(&in))
		return;
	/* an item past the end reads as the last one */
	if (!in.value.enumerated.items ||
	    in.value.enumerated.item >= in.value.enumerated.items ||
	    (want < in.value.enumerated.items &&
	     in.value.enumerated.item != want) ||
	    memchr(in.value.enumerated.name, '\0',
		   sizeof(in.value.enumerated.name)) == NULL)
		finding("info of '%s' for item %u: item %u of %u", in.id.name,
			want, in.value.enumerated.item,
			in.value.enumerated.items);
}

static void fuzz_ctl_read(int fd)
{
	struct snd_ctl_elem_value v;
	struct elem *e = some_elem();

	rnd_fill(&v, sizeof(v));
	if (e && (rnd() & 1))
		v.id = e->info.id;
	else
		v.id.name[rnd_below(sizeof(v.id.name))] = '\0';
	result(K_CTL_READ, ioctl(fd, SNDRV_CTL_IOCTL_ELEM_READ,
				 (rnd_below(16) ? (void *)&v : KERNEL_PTR)),
	       "read");
}

static void fuzz_ctl_tlv(int fd)
{
	static const unsigned long cmds[] = {
		SNDRV_CTL_IOCTL_TLV_READ, SNDRV_CTL_IOCTL_TLV_WRITE,
		SNDRV_CTL_IOCTL_TLV_COMMAND,
	};
	struct snd_ctl_tlv *tlv = (struct snd_ctl_tlv *)big;
	struct elem *e = some_elem();

	rnd_fill(big, 256);
	tlv->numid = e && (rnd() & 3) ? e->info.id.numid : (unsigned int)rnd();
	tlv->length = (rnd() & 1) ? rnd_below(64) * 4 : (unsigned int)rnd();
	if (tlv->length > BIG / 2 && (rnd() & 1))
		tlv->length = 16;
	result(K_CTL_TLV, ioctl(fd, cmds[rnd_below(3)], tlv), "tlv");
}

struct added {
	struct snd_ctl_elem_id id;
	int used;
};

static struct added added[MAX_ADDED];

static void fuzz_ctl_add(int fd, int replace)
{
	struct snd_ctl_elem_info in;
	struct elem *e = some_elem();
	unsigned int i;
	int ret;

	memset(&in, 0, sizeof(in));
	in.type = rnd_below(8);
	in.count = (rnd() & 1) ? 1 + rnd_below(4) : (unsigned int)rnd_value();
	in.access = (unsigned int)rnd();
	in.id.iface = rnd_below(7);
	if (e && rnd_below(3) == 0) {
		/* the name of one of the card's own elements */
		in.id = e->info.id;
		in.id.numid = 0;
	} else {
		snprintf((char *)in.id.name, sizeof(in.id.name), "Fuzz %u",
			 rnd_below(20));
	}
	switch (in.type) {
	case SNDRV_CTL_ELEM_TYPE_INTEGER:
		in.value.integer.min = rnd_value();
		in.value.integer.max = rnd_value();
		in.value.integer.step = rnd_value();
		break;
	case SNDRV_CTL_ELEM_TYPE_ENUMERATED:
		in.value.enumerated.items = (rnd() & 1) ? 1 + rnd_below(4) :
			(unsigned int)rnd();
		in.value.enumerated.names_length = (rnd() & 1) ?
			(unsigned int)rnd_below(64) : (unsigned int)rnd();
		in.value.enumerated.names_ptr = (rnd() & 1) ?
			(uintptr_t)big : (uintptr_t)KERNEL_PTR;
		break;
	default:
		break;
	}
	for (i = 0; i < MAX_ADDED && added[i].used; i++)
		;
	if (!replace && i == MAX_ADDED)
		return;
	ret = ioctl(fd, replace ? SNDRV_CTL_IOCTL_ELEM_REPLACE :
		    SNDRV_CTL_IOCTL_ELEM_ADD, &in);
	result(replace ? K_CTL_REPLACE : K_CTL_ADD, ret, "add");
	if (ret < 0)
		return;
	/* only user elements can be added: never one of the card's own */
	if (e && !memcmp(in.id.name, e->info.id.name, sizeof(in.id.name)) &&
	    in.id.iface == e->info.id.iface &&
	    in.id.device == e->info.id.device &&
	    in.id.subdevice == e->info.id.subdevice &&
	    in.id.index == e->info.id.index && !replace)
		finding("element add of %s's id succeeded", elem_name(&e->info));
	for (i = 0; i < MAX_ADDED; i++) {
		if (!added[i].used) {
			added[i].used = 1;
			added[i].id = in.id;
			break;
		}
	}
	if (i == MAX_ADDED) {
		/* a replace made one more: remove it at once */
		if (ioctl(fd, SNDRV_CTL_IOCTL_ELEM_REMOVE, &in.id) < 0)
			finding("cannot remove the element added: %s",
				strerror(errno));
	}
}

static void fuzz_ctl_remove(int fd)
{
	struct snd_ctl_elem_id id;
	struct elem *e = some_elem();
	unsigned int i = rnd_below(MAX_ADDED);

	if (added[i].used && (rnd() & 1)) {
		if (result(K_CTL_REMOVE, ioctl(fd, SNDRV_CTL_IOCTL_ELEM_REMOVE,
					       &added[i].id), "remove user") < 0 &&
		    errno != ENOENT)
			finding("removing a user element failed: %s",
				strerror(errno));
		added[i].used = 0;
		return;
	}
	if (!e)
		return;
	id = e->info.id;
	if (rnd() & 1)
		id.numid = 0;
	/* the card's own elements cannot be removed */
	if (result(K_CTL_REMOVE, ioctl(fd, SNDRV_CTL_IOCTL_ELEM_REMOVE, &id),
		   "remove own") >= 0)
		finding("element remove of %s succeeded", elem_name(&e->info));
}

static void fuzz_ctl_misc(int fd)
{
	union {
		struct snd_ctl_card_info card;
		struct snd_pcm_info pcm;
		struct snd_hwdep_info hwdep;
		struct snd_rawmidi_info midi;
		struct snd_ctl_elem_list list;
		struct snd_ctl_elem_id id;
		int i;
	} u;
	unsigned long cmd;
	void *arg = &u;

	rnd_fill(&u, sizeof(u));
	switch (rnd_below(12)) {
	case 0:
		cmd = SNDRV_CTL_IOCTL_PVERSION;
		break;
	case 1:
		cmd = SNDRV_CTL_IOCTL_CARD_INFO;
		break;
	case 2:
		cmd = SNDRV_CTL_IOCTL_PCM_NEXT_DEVICE;
		u.i = (int)rnd_value();
		break;
	case 3:
		cmd = SNDRV_CTL_IOCTL_PCM_INFO;
		u.pcm.device = rnd_below(4);
		u.pcm.subdevice = (rnd() & 1) ? rnd_below(10) : (unsigned int)rnd();
		u.pcm.stream = (rnd() & 1) ? (int)rnd_below(2) : (int)rnd();
		break;
	case 4:
		cmd = SNDRV_CTL_IOCTL_PCM_PREFER_SUBDEVICE;
		u.i = (int)rnd_value();
		break;
	case 5:
		cmd = SNDRV_CTL_IOCTL_HWDEP_NEXT_DEVICE;
		u.i = (int)rnd_value();
		break;
	case 6:
		cmd = SNDRV_CTL_IOCTL_RAWMIDI_INFO;
		break;
	case 7:
		cmd = SNDRV_CTL_IOCTL_POWER_STATE;
		break;
	case 8:
		cmd = SNDRV_CTL_IOCTL_POWER;
		u.i = (int)rnd_value();
		break;
	case 9:
		cmd = SNDRV_CTL_IOCTL_ELEM_LIST;
		u.list.offset = (rnd() & 1) ? rnd_below(200) : (unsigned int)rnd();
		u.list.space = (rnd() & 1) ? rnd_below(200) : (unsigned int)rnd();
		u.list.pids = (rnd() & 1) ? (void *)big :
			      (rnd() & 1) ? NULL : KERNEL_PTR;
		if (u.list.pids == (void *)big &&
		    u.list.space > BIG / sizeof(struct snd_ctl_elem_id))
			u.list.space = 10;
		cmd = SNDRV_CTL_IOCTL_ELEM_LIST;
		result(K_CTL_LIST, ioctl(fd, cmd, arg), "list");
		return;
	case 10:
		cmd = (rnd() & 1) ? SNDRV_CTL_IOCTL_ELEM_LOCK :
		      SNDRV_CTL_IOCTL_ELEM_UNLOCK;
		if (before.count && (rnd() & 1))
			u.id = before.e[rnd_below(before.count)].info.id;
		result(K_CTL_LOCK, ioctl(fd, cmd, arg), "lock");
		return;
	default:
		cmd = SNDRV_CTL_IOCTL_SUBSCRIBE_EVENTS;
		u.i = (int)rnd_value();
		break;
	}
	if (rnd_below(16) == 0)
		arg = KERNEL_PTR;
	result(K_CTL_MISC, ioctl(fd, cmd, arg), "misc");
}

static void fuzz_ctl_events(int fd)
{
	struct pollfd p = { .fd = fd, .events = (short)rnd() };
	size_t n = (rnd() & 1) ? rnd_below(200) : sizeof(struct snd_ctl_event);

	if (rnd() & 1) {
		int on = 1;

		ioctl(fd, SNDRV_CTL_IOCTL_SUBSCRIBE_EVENTS, &on);
	}
	result(K_CTL_EVENTS, poll(&p, 1, 0), "poll");
	if (!(p.revents & POLLIN))
		return;
	/* a buffer smaller than an event, or a bad one */
	result(K_CTL_EVENTS, (int)read(fd, rnd_below(8) ? (void *)big :
				       KERNEL_PTR, n), "read");
}

static void fuzz_random_ioctl(int fd, int type, enum kind k)
{
	unsigned long dir = rnd_below(4);
	unsigned long nr = rnd_below(0x100);
	unsigned long size = (rnd() & 1) ? rnd_below(512) : rnd_below(1 << 14);
	unsigned long cmd = _IOC(dir, (unsigned long)type, nr, size);
	void *arg = rnd_below(16) ? (void *)big : KERNEL_PTR;

	/* those the other fuzzers send with meaning; PAUSE may deadlock */
	if (type == 'A' && nr == 0x45)
		return;
	rnd_fill(big, size + 16);
	result(k, ioctl(fd, cmd, arg), "random ioctl");
}

/* ---- PCM ------------------------------------------------------------ */

struct pcmfd {
	int fd;
	int loop;		/* a loopback node, not the dummy's */
	int playback;
	int linked;
	int configured;		/* hw_params succeeded (as far as we know) */
	unsigned int frame_bytes;
	unsigned long buffer_frames;
	void *map;
	size_t map_len;
};

static struct pcmfd pcms[MAX_FDS];
static unsigned int substreams = 8;

static int pcm_open(struct pcmfd *p)
{
	char path[64];
	int card = cfg.card_number, dev = (int)rnd_below(2);

	p->loop = 1;
	if (cfg.dummy_number >= 0 && rnd_below(4) == 0) {
		card = cfg.dummy_number;
		dev = 0;
		p->loop = 0;
	}
	p->playback = rnd() & 1;
	snprintf(path, sizeof(path), "/dev/snd/pcmC%dD%d%c", card, dev,
		 p->playback ? 'p' : 'c');
	p->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC |
		     (rnd_below(8) == 0 ? O_APPEND : 0));
	p->linked = 0;
	p->configured = 0;
	p->map = NULL;
	return p->fd;
}

static void pcm_close(struct pcmfd *p)
{
	if (p->map)
		munmap(p->map, p->map_len);
	p->map = NULL;
	result(K_PCM_CLOSE, close(p->fd), "close");
	p->fd = -1;
}

static struct snd_mask *mask_of(struct snd_pcm_hw_params *hw, int k)
{
	return &hw->masks[k - SNDRV_PCM_HW_PARAM_FIRST_MASK];
}

static struct snd_interval *interval_of(struct snd_pcm_hw_params *hw, int k)
{
	return &hw->intervals[k - SNDRV_PCM_HW_PARAM_FIRST_INTERVAL];
}

static void hw_any(struct snd_pcm_hw_params *hw)
{
	int k;

	memset(hw, 0, sizeof(*hw));
	for (k = SNDRV_PCM_HW_PARAM_FIRST_MASK; k <= SNDRV_PCM_HW_PARAM_LAST_MASK; k++)
		memset(mask_of(hw, k), 0xff, sizeof(struct snd_mask));
	for (k = SNDRV_PCM_HW_PARAM_FIRST_INTERVAL;
	     k <= SNDRV_PCM_HW_PARAM_LAST_INTERVAL; k++) {
		interval_of(hw, k)->min = 0;
		interval_of(hw, k)->max = UINT_MAX;
	}
	hw->rmask = ~0u;
}

/* Garbage with a little sense in it. */
static void hw_garbage(struct snd_pcm_hw_params *hw)
{
	int k;

	hw_any(hw);
	for (k = SNDRV_PCM_HW_PARAM_FIRST_MASK; k <= SNDRV_PCM_HW_PARAM_LAST_MASK; k++)
		if (rnd_below(4) == 0)
			rnd_fill(mask_of(hw, k), sizeof(struct snd_mask));
	for (k = SNDRV_PCM_HW_PARAM_FIRST_INTERVAL;
	     k <= SNDRV_PCM_HW_PARAM_LAST_INTERVAL; k++) {
		struct snd_interval *i = interval_of(hw, k);

		if (rnd_below(4))
			continue;
		i->min = (unsigned int)rnd_value();
		i->max = (rnd() & 1) ? i->min : (unsigned int)rnd_value();
		i->openmin = rnd() & 1;
		i->openmax = rnd() & 1;
		i->integer = rnd() & 1;
		i->empty = rnd_below(8) == 0;
	}
	if (rnd() & 1)
		hw->rmask = (unsigned int)rnd();
	if (rnd() & 1)
		hw->flags = (unsigned int)rnd();
}

/*
 * The kernel uses the first 64 bits of a mask (SNDRV_MASK_BITS in
 * include/sound/pcm_params.h) and hands the rest back as it got them.
 */
#define MASK_WORDS	2

static int mask_single(const struct snd_mask *m)
{
	int bits = 0;
	unsigned int i;

	for (i = 0; i < MASK_WORDS; i++)
		bits += __builtin_popcount(m->bits[i]);
	return bits == 1;
}

static int mask_lowest(const struct snd_mask *m)
{
	unsigned int i;

	for (i = 0; i < MASK_WORDS; i++)
		if (m->bits[i])
			return (int)(i * 32 + (unsigned int)__builtin_ctz(m->bits[i]));
	return -1;
}

static unsigned int ival(struct snd_pcm_hw_params *hw, int k)
{
	return interval_of(hw, k)->min;
}

/* hw_params a stream got: one configuration within the hardware. */
static void check_configured(struct pcmfd *p, struct snd_pcm_hw_params *hw,
			     const char *how)
{
	static const int single[] = {
		SNDRV_PCM_HW_PARAM_RATE, SNDRV_PCM_HW_PARAM_CHANNELS,
		SNDRV_PCM_HW_PARAM_PERIOD_SIZE, SNDRV_PCM_HW_PARAM_BUFFER_SIZE,
		SNDRV_PCM_HW_PARAM_PERIODS, SNDRV_PCM_HW_PARAM_BUFFER_BYTES,
	};
	unsigned int rate, ch, buffer, bytes, periods, k;
	int format;

	p->configured = 1;
	if (!p->loop)
		return;
	for (k = 0; k < sizeof(single) / sizeof(single[0]); k++) {
		struct snd_interval *i = interval_of(hw, single[k]);

		/* as snd_interval_single() (include/sound/pcm_params.h) */
		if (i->min != i->max &&
		    !(i->min + 1 == i->max && (i->openmin || i->openmax)))
			finding("hw_params (%s): parameter %d is %u..%u, not one value",
				how, single[k], i->min, i->max);
	}
	if (!mask_single(mask_of(hw, SNDRV_PCM_HW_PARAM_ACCESS)) ||
	    !mask_single(mask_of(hw, SNDRV_PCM_HW_PARAM_FORMAT))) {
		const __u32 *a = mask_of(hw, SNDRV_PCM_HW_PARAM_ACCESS)->bits,
			    *f = mask_of(hw, SNDRV_PCM_HW_PARAM_FORMAT)->bits;

		finding("hw_params (%s): access %08x %08x, format %08x %08x %08x %08x ...: not one value each",
			how, a[0], a[1], f[0], f[1], f[2], f[3]);
	}
	rate = ival(hw, SNDRV_PCM_HW_PARAM_RATE);
	ch = ival(hw, SNDRV_PCM_HW_PARAM_CHANNELS);
	buffer = ival(hw, SNDRV_PCM_HW_PARAM_BUFFER_SIZE);
	bytes = ival(hw, SNDRV_PCM_HW_PARAM_BUFFER_BYTES);
	periods = ival(hw, SNDRV_PCM_HW_PARAM_PERIODS);
	format = mask_lowest(mask_of(hw, SNDRV_PCM_HW_PARAM_FORMAT));
	if (rate < HW_RATE_MIN || rate > HW_RATE_MAX || !ch || ch > HW_CH_MAX ||
	    !buffer || bytes > HW_BUF_MAX || !periods ||
	    periods > HW_PERIODS_MAX || format < 0)
		finding("hw_params (%s): outside the hardware: rate %u channels %u buffer %u frames %u bytes periods %u format %d",
			how, rate, ch, buffer, bytes, periods, format);
	p->frame_bytes = buffer ? bytes / buffer : 0;
	p->buffer_frames = buffer;
}

static void fuzz_pcm_params(struct pcmfd *p)
{
	struct snd_pcm_hw_params hw, in;
	int k, ret;

	switch (rnd_below(3)) {
	case 0:
		/* refine never widens what it was given */
		hw_garbage(&hw);
		in = hw;
		ret = ioctl(p->fd, SNDRV_PCM_IOCTL_HW_REFINE, &hw);
		if (result(K_PCM_REFINE, ret, "hw_refine") < 0 || !p->loop)
			return;
		for (k = SNDRV_PCM_HW_PARAM_FIRST_MASK;
		     k <= SNDRV_PCM_HW_PARAM_LAST_MASK; k++) {
			unsigned int i;

			for (i = 0; i < MASK_WORDS; i++)
				if (mask_of(&hw, k)->bits[i] &
				    ~mask_of(&in, k)->bits[i])
					finding("hw_refine widened mask %d", k);
		}
		for (k = SNDRV_PCM_HW_PARAM_FIRST_INTERVAL;
		     k <= SNDRV_PCM_HW_PARAM_LAST_INTERVAL; k++) {
			struct snd_interval *o = interval_of(&hw, k),
					    *i = interval_of(&in, k);

			/*
			 * Only closed intervals: the core turns an empty
			 * integer one like (0,0) into [min, UINT_MAX]
			 * before the rules narrow it (sound/core/pcm_lib.c,
			 * snd_interval_refine(): i->max-- on 0).
			 */
			if (!i->empty && !o->empty && i->min <= i->max &&
			    !i->openmin && !i->openmax &&
			    (o->min < i->min || o->max > i->max))
				finding("hw_refine widened interval %d: %s%u..%u%s%s%s to %s%u..%u%s%s (rmask %#x in, cmask %#x out)",
					k, i->openmin ? "(" : "[", i->min, i->max,
					i->openmax ? ")" : "]",
					i->integer ? " int" : "",
					i->empty ? " empty" : "",
					o->openmin ? "(" : "[", o->min, o->max,
					o->openmax ? ")" : "]",
					o->integer ? " int" : "", in.rmask,
					hw.cmask);
		}
		return;
	case 1:
		hw_garbage(&hw);
		ret = ioctl(p->fd, SNDRV_PCM_IOCTL_HW_PARAMS, &hw);
		if (result(K_PCM_HW_PARAMS, ret, "hw_params") >= 0)
			check_configured(p, &hw, "garbage");
		return;
	default:
		/* refine the whole space, take the smallest of everything */
		hw_any(&hw);
		if (ioctl(p->fd, SNDRV_PCM_IOCTL_HW_REFINE, &hw) < 0)
			return;
		for (k = SNDRV_PCM_HW_PARAM_FIRST_MASK;
		     k <= SNDRV_PCM_HW_PARAM_LAST_MASK; k++) {
			int bit = mask_lowest(mask_of(&hw, k));

			if (k == SNDRV_PCM_HW_PARAM_ACCESS && (rnd() & 1) &&
			    (mask_of(&hw, k)->bits[0] & (1u << SNDRV_PCM_ACCESS_RW_INTERLEAVED)))
				bit = SNDRV_PCM_ACCESS_RW_INTERLEAVED;
			memset(mask_of(&hw, k), 0, sizeof(struct snd_mask));
			if (bit >= 0)
				mask_of(&hw, k)->bits[bit / 32] = 1u << (bit % 32);
		}
		{
			struct snd_interval *r = interval_of(&hw, SNDRV_PCM_HW_PARAM_RATE);

			r->min = r->max = 48000;
			r->openmin = r->openmax = 0;
			r = interval_of(&hw, SNDRV_PCM_HW_PARAM_PERIOD_SIZE);
			r->min = r->max = 64u << rnd_below(6);
			r->openmin = r->openmax = 0;
			r = interval_of(&hw, SNDRV_PCM_HW_PARAM_PERIODS);
			r->min = r->max = 2 + rnd_below(3);
			r->openmin = r->openmax = 0;
		}
		hw.rmask = ~0u;
		ret = ioctl(p->fd, SNDRV_PCM_IOCTL_HW_PARAMS, &hw);
		if (result(K_PCM_HW_PARAMS_OK, ret, "hw_params chosen") >= 0)
			check_configured(p, &hw, "chosen");
		return;
	}
}

/*
 * Each interval in turn the empty integer interval (0,0), everything
 * else open: the refined space must still lie within the hardware.  The
 * core's snd_interval_refine() compares the maximum before it steps an
 * open one down, so (0,0) becomes [min, UINT_MAX] past the hardware
 * constraint (sound/core/pcm_lib.c); the driver's own rules must bring
 * the limits back.  Refine only: hw_params would allocate the buffer.
 */
static void probe_edges(void)
{
	static const struct {
		int k;
		unsigned int max;
	} limits[] = {
		{ SNDRV_PCM_HW_PARAM_CHANNELS, HW_CH_MAX },
		{ SNDRV_PCM_HW_PARAM_RATE, HW_RATE_MAX },
		{ SNDRV_PCM_HW_PARAM_PERIODS, HW_PERIODS_MAX },
		{ SNDRV_PCM_HW_PARAM_PERIOD_BYTES, HW_BUF_MAX / 2 },
		{ SNDRV_PCM_HW_PARAM_BUFFER_BYTES, HW_BUF_MAX },
	};
	struct snd_pcm_hw_params hw;
	char path[64];
	int fd, k, j, dir;
	unsigned int n;

	for (dir = 0; dir < 2; dir++) {
		snprintf(path, sizeof(path), "/dev/snd/pcmC%dD0%c",
			 cfg.card_number, dir ? 'c' : 'p');
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			finding("edges: cannot open %s: %s", path, strerror(errno));
			continue;
		}
		for (k = SNDRV_PCM_HW_PARAM_FIRST_INTERVAL;
		     k <= SNDRV_PCM_HW_PARAM_LAST_INTERVAL; k++) {
			struct snd_interval *i;

			hw_any(&hw);
			i = interval_of(&hw, k);
			i->min = i->max = 0;
			i->openmin = i->openmax = i->integer = 1;
			if (result(K_PCM_EDGES, ioctl(fd, SNDRV_PCM_IOCTL_HW_REFINE,
						     &hw), "edges") < 0)
				continue;
			for (j = 0; j < (int)(sizeof(limits) / sizeof(limits[0])); j++) {
				n = interval_of(&hw, limits[j].k)->max;
				if (n > limits[j].max)
					finding("edges: with (0,0) for parameter %d, parameter %d may be up to %u (hardware: %u)",
						k, limits[j].k, n, limits[j].max);
			}
		}
		close(fd);
	}
}

static void fuzz_pcm_sw(struct pcmfd *p)
{
	struct snd_pcm_sw_params sw;
	struct snd_pcm_sync_ptr sp;

	if (rnd() & 1) {
		rnd_fill(&sw, sizeof(sw));
		if (rnd() & 1) {
			sw.tstamp_mode = rnd_below(2);
			sw.period_step = 1;
			sw.avail_min = 1 + rnd_below(1024);
			sw.start_threshold = rnd_below(8192);
			sw.stop_threshold = rnd_below(8192);
			sw.silence_threshold = 0;
			sw.silence_size = 0;
			sw.boundary = 0;
		}
		result(K_PCM_SW_PARAMS, ioctl(p->fd, SNDRV_PCM_IOCTL_SW_PARAMS,
					      &sw), "sw_params");
		return;
	}
	rnd_fill(&sp, sizeof(sp));
	if (rnd() & 1)
		sp.flags &= SNDRV_PCM_SYNC_PTR_HWSYNC | SNDRV_PCM_SYNC_PTR_APPL |
			    SNDRV_PCM_SYNC_PTR_AVAIL_MIN;
	if (rnd() & 1)
		sp.c.control.appl_ptr = rnd_below(100000);
	result(K_PCM_SYNC_PTR, ioctl(p->fd, SNDRV_PCM_IOCTL_SYNC_PTR, &sp),
	       "sync_ptr");
}

static void fuzz_pcm_status(struct pcmfd *p)
{
	struct snd_pcm_status st;
	snd_pcm_sframes_t delay;

	rnd_fill(&st, sizeof(st));
	switch (rnd_below(4)) {
	case 0:
		if (result(K_PCM_STATUS, ioctl(p->fd, SNDRV_PCM_IOCTL_STATUS,
					       &st), "status") < 0)
			return;
		break;
	case 1:
		if (result(K_PCM_STATUS, ioctl(p->fd, SNDRV_PCM_IOCTL_STATUS_EXT,
					       &st), "status_ext") < 0)
			return;
		break;
	case 2:
		result(K_PCM_STATUS, ioctl(p->fd, SNDRV_PCM_IOCTL_DELAY, &delay),
		       "delay");
		return;
	default:
		result(K_PCM_STATUS, ioctl(p->fd, SNDRV_PCM_IOCTL_HWSYNC), "hwsync");
		return;
	}
	/* (avail may be anything: SYNC_PTR lets the caller put appl_ptr
	 * anywhere below the boundary) */
	if (st.state > SNDRV_PCM_STATE_LAST)
		finding("status: state %d", (int)st.state);
}

static void fuzz_pcm_state(struct pcmfd *p)
{
	static const unsigned long cmds[] = {
		SNDRV_PCM_IOCTL_PREPARE, SNDRV_PCM_IOCTL_START,
		SNDRV_PCM_IOCTL_DROP, SNDRV_PCM_IOCTL_DRAIN,
		SNDRV_PCM_IOCTL_RESET, SNDRV_PCM_IOCTL_RESUME,
		SNDRV_PCM_IOCTL_XRUN, SNDRV_PCM_IOCTL_HW_FREE,
		SNDRV_PCM_IOCTL_START, SNDRV_PCM_IOCTL_PREPARE,
	};
	unsigned long cmd = cmds[rnd_below(sizeof(cmds) / sizeof(cmds[0]))];

	if (result(K_PCM_STATE, ioctl(p->fd, cmd), "state") >= 0 &&
	    cmd == SNDRV_PCM_IOCTL_HW_FREE) {
		p->configured = 0;
		if (p->map) {
			munmap(p->map, p->map_len);
			p->map = NULL;
		}
	}
}

static void fuzz_pcm_pause(struct pcmfd *p)
{
	int arg = (rnd() & 3) ? (int)(rnd() & 1) : (int)rnd_value();

	/* see --pause-linked */
	if (p->linked && !cfg.pause_linked)
		return;
	result(K_PCM_PAUSE, ioctl(p->fd, SNDRV_PCM_IOCTL_PAUSE, arg), "pause");
}

static void fuzz_pcm_move(struct pcmfd *p)
{
	snd_pcm_uframes_t frames = (rnd() & 1) ? rnd_below(5000) :
				   (snd_pcm_uframes_t)rnd_value();

	result(K_PCM_MOVE, ioctl(p->fd, (rnd() & 1) ? SNDRV_PCM_IOCTL_REWIND :
				 SNDRV_PCM_IOCTL_FORWARD, &frames), "move");
}

static void fuzz_pcm_xfer(struct pcmfd *p)
{
	struct snd_xferi xi;
	struct snd_xfern xn;
	void *bufs[HW_CH_MAX + 1];
	unsigned int i, bad = rnd_below(4) == 0;
	unsigned long max = p->frame_bytes ? BIG / 2 / p->frame_bytes : 64;
	enum kind k = bad ? K_PCM_XFER_BAD : K_PCM_XFER;
	int ret;

	memset(&xi, 0, sizeof(xi));
	xi.result = (snd_pcm_sframes_t)rnd();
	xi.buf = bad ? ((rnd() & 1) ? KERNEL_PTR : NULL) : big;
	xi.frames = bad && (rnd() & 1) ? (snd_pcm_uframes_t)rnd_value() :
		    rnd_below((unsigned int)max + 1);
	if (rnd() & 1) {
		ret = ioctl(p->fd, p->playback ? SNDRV_PCM_IOCTL_WRITEI_FRAMES :
			    SNDRV_PCM_IOCTL_READI_FRAMES, &xi);
		result(k, ret, "xferi");
		/* snd-dummy's copy callback ignores the buffer */
		if (ret >= 0 && p->loop && xi.buf == KERNEL_PTR && xi.result > 0)
			finding("%s a kernel address: %ld frames",
				p->playback ? "wrote from" : "read into",
				(long)xi.result);
		return;
	}
	for (i = 0; i <= HW_CH_MAX; i++)
		bufs[i] = bad && rnd_below(4) == 0 ? KERNEL_PTR :
			  big + (size_t)i * (BIG / 64);
	memset(&xn, 0, sizeof(xn));
	xn.bufs = bad && rnd_below(3) == 0 ? (void **)KERNEL_PTR : bufs;
	xn.frames = bad && (rnd() & 1) ? (snd_pcm_uframes_t)rnd_value() :
		    rnd_below((BIG / 64) / 8);
	ret = ioctl(p->fd, p->playback ? SNDRV_PCM_IOCTL_WRITEN_FRAMES :
		    SNDRV_PCM_IOCTL_READN_FRAMES, &xn);
	result(k, ret, "xfern");
}

static void fuzz_pcm_link(struct pcmfd *p)
{
	struct pcmfd *o = &pcms[rnd_below(MAX_FDS)];
	int fd, devnull = -1, ret;

	if (rnd_below(4) == 0) {
		ret = ioctl(p->fd, SNDRV_PCM_IOCTL_UNLINK);
		result(K_PCM_LINK, ret, "unlink");
		return;
	}
	switch (rnd_below(6)) {
	case 0:
		fd = -1;
		break;
	case 1:
		fd = ctl_fd;
		break;
	case 2:
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		fd = devnull;
		break;
	case 3:
		fd = (int)rnd_value();
		break;
	default:
		fd = o->fd;
		break;
	}
	ret = ioctl(p->fd, SNDRV_PCM_IOCTL_LINK, fd);
	if (result(K_PCM_LINK, ret, "link") >= 0) {
		p->linked = 1;
		if (fd == o->fd)
			o->linked = 1;
		if (fd != o->fd || o == p)
			finding("link with fd %d (not a PCM of another stream) succeeded",
				fd);
	}
	if (devnull >= 0)
		close(devnull);
}

static void fuzz_pcm_mmap(struct pcmfd *p)
{
	static const off_t offsets[] = {
		SNDRV_PCM_MMAP_OFFSET_DATA, SNDRV_PCM_MMAP_OFFSET_STATUS,
		SNDRV_PCM_MMAP_OFFSET_CONTROL, SNDRV_PCM_MMAP_OFFSET_STATUS_OLD,
		SNDRV_PCM_MMAP_OFFSET_CONTROL_OLD, 0x1000, 0x84000000,
	};
	long page = sysconf(_SC_PAGESIZE);
	off_t off = (rnd() & 7) ? offsets[rnd_below(7)] :
		    (off_t)(rnd() & ~(uint64_t)(page - 1) & 0xffffffffffULL);
	size_t len = (size_t)page * (1 + rnd_below(4));
	int prot = (rnd() & 1) ? PROT_READ : PROT_READ | PROT_WRITE;
	void *m;

	if (p->map) {
		munmap(p->map, p->map_len);
		p->map = NULL;
	}
	if (rnd_below(4) == 0)
		len = (rnd() & 1) ? (size_t)rnd_value() & 0xffffffffffUL :
		      (size_t)p->buffer_frames * p->frame_bytes + (size_t)page;
	if (!len)
		len = (size_t)page;
	m = mmap(NULL, len, prot, (rnd_below(4) ? MAP_SHARED : MAP_PRIVATE),
		 p->fd, off);
	result(K_PCM_MMAP, m == MAP_FAILED ? -1 : 0, "mmap");
	if (m == MAP_FAILED)
		return;
	/* the first byte is there; the data area may be written */
	(void)*(volatile unsigned char *)m;
	if (off == SNDRV_PCM_MMAP_OFFSET_DATA && (prot & PROT_WRITE))
		*(volatile unsigned char *)m = (unsigned char)rnd();
	p->map = m;
	p->map_len = len;
}

static void fuzz_pcm_rw(struct pcmfd *p)
{
	size_t n = (rnd() & 1) ? rnd_below(4096) : (size_t)rnd_below(BIG / 2);
	void *buf = rnd_below(8) ? (void *)big : KERNEL_PTR;
	ssize_t ret;

	if (p->playback)
		ret = write(p->fd, buf, n);
	else
		ret = read(p->fd, buf, n);
	result(K_PCM_RW, ret < 0 ? -1 : 0, "read/write");
	if (ret > 0 && p->loop && buf == KERNEL_PTR)
		finding("read()/write() moved %zd bytes with a kernel address",
			ret);
}

static void fuzz_pcm_info(struct pcmfd *p)
{
	union {
		struct snd_pcm_info info;
		struct snd_pcm_channel_info ch;
		int i;
	} u;
	unsigned long cmd;

	rnd_fill(&u, sizeof(u));
	switch (rnd_below(5)) {
	case 0:
		cmd = SNDRV_PCM_IOCTL_INFO;
		break;
	case 1:
		cmd = SNDRV_PCM_IOCTL_PVERSION;
		break;
	case 2:
		cmd = SNDRV_PCM_IOCTL_TTSTAMP;
		u.i = (int)rnd_value();
		break;
	case 3:
		cmd = SNDRV_PCM_IOCTL_USER_PVERSION;
		u.i = (int)rnd_value();
		break;
	default:
		cmd = SNDRV_PCM_IOCTL_CHANNEL_INFO;
		u.ch.channel = (rnd() & 1) ? rnd_below(40) : (unsigned int)rnd();
		break;
	}
	result(K_PCM_INFO, ioctl(p->fd, cmd, rnd_below(16) ? (void *)&u :
				 KERNEL_PTR), "info");
}

static void fuzz_pcm(void)
{
	struct pcmfd *p = &pcms[rnd_below(MAX_FDS)];
	struct pollfd pf;

	if (p->fd < 0) {
		if (result(K_PCM_OPEN, pcm_open(p), "open") < 0 &&
		    errno != EBUSY && errno != EAGAIN && errno != ENOENT &&
		    errno != ENODEV &&
		    /* O_APPEND needs an open substream to share */
		    errno != EINVAL && errno != EBADFD)
			finding("open of a PCM node: %s", strerror(errno));
		return;
	}
	switch (rnd_below(40)) {
	case 0 ... 1:
		pcm_close(p);
		break;
	case 2 ... 8:
		fuzz_pcm_params(p);
		break;
	case 9 ... 11:
		fuzz_pcm_sw(p);
		break;
	case 12 ... 14:
		fuzz_pcm_status(p);
		break;
	case 15 ... 20:
		fuzz_pcm_state(p);
		break;
	case 21:
		fuzz_pcm_pause(p);
		break;
	case 22 ... 23:
		fuzz_pcm_move(p);
		break;
	case 24 ... 28:
		fuzz_pcm_xfer(p);
		break;
	case 29 ... 30:
		fuzz_pcm_link(p);
		break;
	case 31 ... 32:
		fuzz_pcm_mmap(p);
		break;
	case 33 ... 34:
		fuzz_pcm_rw(p);
		break;
	case 35:
		pf.fd = p->fd;
		pf.events = (short)rnd();
		result(K_PCM_POLL, poll(&pf, 1, 0), "poll");
		break;
	case 36 ... 37:
		fuzz_pcm_info(p);
		break;
	default:
		fuzz_random_ioctl(p->fd, 'A', K_PCM_RANDOM);
		break;
	}
}

static void fuzz_ctl(void)
{
	if (ctl_fd < 0 || rnd_below(500) == 0) {
		if (ctl_fd >= 0)
			close(ctl_fd);
		ctl_fd = ctl_open();
		if (ctl_fd < 0)
			finding("cannot reopen the control device: %s",
				strerror(errno));
		return;
	}
	switch (rnd_below(30)) {
	case 0 ... 7:
		fuzz_ctl_write(ctl_fd);
		break;
	case 8 ... 10:
		fuzz_ctl_write_ok(ctl_fd);
		break;
	case 11 ... 14:
		fuzz_ctl_info(ctl_fd);
		break;
	case 15 ... 16:
		fuzz_ctl_read(ctl_fd);
		break;
	case 17:
		fuzz_ctl_tlv(ctl_fd);
		break;
	case 18 ... 19:
		fuzz_ctl_add(ctl_fd, 0);
		break;
	case 20:
		fuzz_ctl_add(ctl_fd, 1);
		break;
	case 21 ... 22:
		fuzz_ctl_remove(ctl_fd);
		break;
	case 23 ... 25:
		fuzz_ctl_misc(ctl_fd);
		break;
	case 26 ... 27:
		fuzz_ctl_events(ctl_fd);
		break;
	default:
		fuzz_random_ioctl(ctl_fd, 'U', K_CTL_RANDOM);
		break;
	}
}

/* ---- setup ---------------------------------------------------------- */

static int card_number(const char *id)
{
	char path[128], link[64];
	ssize_t n;
	int num;

	snprintf(path, sizeof(path), "/proc/asound/%s", id);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = '\0';
	return sscanf(link, "card%d", &num) == 1 ? num : -1;
}

static int read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

static int parse_user(const char *arg)
{
	char *end;
	unsigned long v;
	int i = 0;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end != ':' || v == 0 || v > 65535)
		return -1;
	cfg.uid = (uid_t)v;
	arg = end + 1;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || (*end && *end != ':') || v > 65535)
		return -1;
	cfg.gid = (gid_t)v;
	while (*end == ':' && i < 8) {
		arg = end + 1;
		v = strtoul(arg, &end, 10);
		if (errno || end == arg || (*end && *end != ':') || v > 65535)
			return -1;
		cfg.groups[i++] = (gid_t)v;
	}
	if (*end)
		return -1;
	cfg.ngroups = i;
	cfg.drop = 1;
	return 0;
}

static int drop_root(void)
{
	if (!cfg.drop)
		return 0;
	if (setgroups((size_t)cfg.ngroups, cfg.groups) < 0 ||
	    setgid(cfg.gid) < 0 || setuid(cfg.uid) < 0) {
		fprintf(stderr, "fuzz: cannot become %u:%u: %s\n",
			(unsigned int)cfg.uid, (unsigned int)cfg.gid,
			strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || geteuid() == 0) {
		fprintf(stderr, "fuzz: root is still there after dropping it\n");
		return -1;
	}
	printf("fuzz: running as uid %u gid %u, %d supplementary groups\n",
	       (unsigned int)getuid(), (unsigned int)getgid(), cfg.ngroups);
	return 0;
}

/* "access": nothing of the card may be opened by this user. */
static int access_check(void)
{
	char path[256];
	struct stat st;
	int dev, fd, bad = 0, tried = 0;
	const char *kinds = "pc";

	snprintf(path, sizeof(path), "/dev/snd/controlC%d", cfg.card_number);
	for (dev = -1; dev < 4; dev++) {
		int k;

		for (k = 0; k < (dev < 0 ? 1 : 2); k++) {
			if (dev >= 0)
				snprintf(path, sizeof(path), "/dev/snd/pcmC%dD%d%c",
					 cfg.card_number, dev, kinds[k]);
			if (stat(path, &st) < 0)
				continue;
			tried++;
			fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0 || errno != EACCES) {
				printf("fuzz: FOUND %s: %s, not EACCES\n", path,
				       fd >= 0 ? "opened" : strerror(errno));
				bad++;
			}
			if (fd >= 0)
				close(fd);
		}
	}
	snprintf(path, sizeof(path), "/proc/asound/%s/timer_source", cfg.card);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	tried++;
	if (fd >= 0 || errno != EACCES) {
		printf("fuzz: FOUND %s for writing: %s, not EACCES\n", path,
		       fd >= 0 ? "opened" : strerror(errno));
		bad++;
	}
	if (fd >= 0)
		close(fd);
	printf("fuzz: access: %d of %d nodes refused with EACCES\n",
	       tried - bad, tried);
	return bad || tried < 2 ? EXIT_FOUND : EXIT_OK;
}

/* Every cable closed, no clock line left. */
static void check_proc(void)
{
	char path[128], text[16384];
	int d;

	for (d = 0; d < 2; d++) {
		char *line;

		snprintf(path, sizeof(path), "/proc/asound/%s/cable#%d",
			 cfg.card, d);
		if (read_text(path, text, sizeof(text)) < 0) {
			finding("state: cannot read %s", path);
			continue;
		}
		for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
			if ((strstr(line, "Playback:") || strstr(line, "Capture:")) &&
			    !strstr(line, "closed"))
				finding("state: %s: %s", path, line);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "card", required_argument, NULL, 'c' },
		{ "dummy", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "pause-linked", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long n, i;
	double t0, secs;
	char path[128];
	int c, access_mode = 0, err;
	char *end;

	while ((c = getopt_long(argc, argv, "s:n:t:c:d:u:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			errno = 0;
			cfg.seed = strtoull(optarg, &end, 10);
			if (errno || *end || !*optarg)
				goto bad;
			break;
		case 'n':
			errno = 0;
			cfg.iterations = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg)
				goto bad;
			break;
		case 't':
			errno = 0;
			cfg.seconds = strtod(optarg, &end);
			if (errno || *end || !*optarg || !(cfg.seconds > 0))
				goto bad;
			break;
		case 'c':
			cfg.card = optarg;
			break;
		case 'd':
			cfg.dummy = optarg;
			break;
		case 'u':
			if (parse_user(optarg))
				goto bad;
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
	if (optind < argc && !strcmp(argv[optind], "access")) {
		access_mode = 1;
		optind++;
	} else if (optind < argc && !strcmp(argv[optind], "edges")) {
		access_mode = 2;
		optind++;
	}
	if (optind < argc) {
		fprintf(stderr, "fuzz: unexpected argument '%s'\n", argv[optind]);
		return EXIT_SETUP;
	}
	if (access_mode == 1 && !cfg.drop) {
		fprintf(stderr, "fuzz: access needs -u\n");
		return EXIT_SETUP;
	}
	/* before anything is opened */
	if (drop_root() < 0)
		return EXIT_SETUP;
	cfg.card_number = card_number(cfg.card);
	if (cfg.card_number < 0) {
		fprintf(stderr, "fuzz: no card %s in /proc/asound\n", cfg.card);
		return EXIT_SETUP;
	}
	if (access_mode == 1)
		return access_check();
	if (access_mode == 2) {
		probe_edges();
		printf("fuzz: edges: %s\n", findings ? "FAIL" : "PASS");
		return findings ? EXIT_FOUND : EXIT_OK;
	}
	cfg.dummy_number = card_number(cfg.dummy);
	rng_state = cfg.seed * 0x2545f4914f6cdd1dULL;
	big = mmap(NULL, BIG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (big == MAP_FAILED) {
		fprintf(stderr, "fuzz: mmap: %s\n", strerror(errno));
		return EXIT_SETUP;
	}
	rnd_fill(big, BIG);

	ctl_fd = ctl_open();
	if (ctl_fd < 0) {
		fprintf(stderr, "fuzz: cannot open /dev/snd/controlC%d: %s\n",
			cfg.card_number, strerror(errno));
		return EXIT_SETUP;
	}
	err = take_snapshot(ctl_fd, &before);
	if (err < 0) {
		fprintf(stderr, "fuzz: cannot read the controls: %s\n",
			strerror(-err));
		return EXIT_SETUP;
	}
	snprintf(path, sizeof(path), "/proc/asound/%s/timer_source", cfg.card);
	read_text(path, before.proc_timer_source, sizeof(before.proc_timer_source));
	/* the choice of clock through proc is root's */
	if (cfg.drop) {
		int fd = open(path, O_WRONLY | O_CLOEXEC);

		if (fd >= 0 || errno != EACCES)
			finding("%s opened for writing: %s, not EACCES", path,
				fd >= 0 ? "opened" : strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < MAX_FDS; i++)
		pcms[i].fd = -1;
	(void)substreams;
	printf("fuzz: seed %llu, up to %lu requests or %.0f s, card %s (card %d)%s\n",
	       (unsigned long long)cfg.seed, cfg.iterations, cfg.seconds,
	       cfg.card, cfg.card_number,
	       cfg.dummy_number >= 0 ? ", with the dummy card's PCMs" : "");
	fflush(stdout);

	t0 = now_mono();
	for (n = 0; n < cfg.iterations && now_mono() - t0 < cfg.seconds; n++) {
		if (rnd() & 1)
			fuzz_ctl();
		else
			fuzz_pcm();
	}
	secs = now_mono() - t0;

	/* everything closed, every user element removed */
	for (i = 0; i < MAX_FDS; i++)
		if (pcms[i].fd >= 0)
			pcm_close(&pcms[i]);
	if (ctl_fd >= 0)
		close(ctl_fd);
	ctl_fd = ctl_open();
	if (ctl_fd < 0) {
		finding("cannot reopen the control device: %s", strerror(errno));
	} else {
		for (i = 0; i < MAX_ADDED; i++)
			if (added[i].used &&
			    ioctl(ctl_fd, SNDRV_CTL_IOCTL_ELEM_REMOVE, &added[i].id) < 0 &&
			    errno != ENOENT)
				finding("cannot remove an added element: %s",
					strerror(errno));
		/* closing the streams lets the cables' clocks settle */
		usleep(300000);
		err = take_snapshot(ctl_fd, &after);
		if (err < 0)
			finding("state: cannot read the controls: %s",
				strerror(-err));
		else
			compare_snapshots(&before, &after);
		close(ctl_fd);
	}
	read_text(path, after.proc_timer_source, sizeof(after.proc_timer_source));
	if (strcmp(before.proc_timer_source, after.proc_timer_source))
		finding("state: %s was '%s', is '%s'", path,
			before.proc_timer_source, after.proc_timer_source);
	check_proc();

	for (i = 0; i < K_COUNT; i++)
		if (count_ok[i] || count_err[i])
			printf("fuzz: op %-42s %8lu ok %8lu refused\n",
			       kind_names[i], count_ok[i], count_err[i]);
	printf("fuzz: %lu requests in %.1f s, %.0f/s\n", n, secs,
	       secs > 0 ? n / secs : 0.0);
	printf("fuzz: %s, %lu findings (seed %llu)\n", findings ? "FAIL" : "PASS",
	       findings, (unsigned long long)cfg.seed);
	return findings ? EXIT_FOUND : EXIT_OK;
bad:
	fprintf(stderr, "fuzz: bad value '%s' for -%c\n", optarg, c);
	usage(stderr);
	return EXIT_SETUP;
}
