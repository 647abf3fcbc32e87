// SPDX-License-Identifier: GPL-2.0
/*
 * loopcheck - verify that a loopback cable copies audio bit-exactly.
 *
 * Opens a playback PCM and a capture PCM (by default the two ends of cable
 * 0 of the card "Loopback"), configures both with the same format, rate and
 * channel count, starts the capture, plays a deterministic pattern and
 * checks, while it runs, that the capture is: any amount of silence, then
 * exactly the played frames in order, then silence again.
 *
 * Exit status: 0 exact match, 1 mismatch (or xrun), 2 setup error,
 * 3 timeout.
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "common.h"

#define EXIT_MISMATCH	1
#define EXIT_SETUP	2
#define EXIT_TIMEOUT	3

/* how far around a bad frame to look for the frame we actually got */
#define SEARCH_WINDOW	256

enum xfer { RW_INTERLEAVED, RW_NONINTERLEAVED, MMAP_INTERLEAVED,
	    MMAP_NONINTERLEAVED };

static const char *const xfer_names[] = {
	"rw-interleaved", "rw-noninterleaved", "mmap-interleaved",
	"mmap-noninterleaved",
};

struct side {
	const char *dev;
	snd_pcm_stream_t stream;
	snd_pcm_t *pcm;
	unsigned long req_period, req_buffer;	/* 0: choose */
	snd_pcm_uframes_t period, buffer;	/* what we got */
	/* for the rw modes: a buffer holding one hardware buffer */
	unsigned char *buf;			/* interleaved */
	unsigned char **chbuf;			/* non-interleaved */
	snd_pcm_channel_area_t *areas;
};

struct opts {
	const char *play_dev, *cap_dev;
	snd_pcm_format_t format;
	unsigned long rate, channels;
	enum xfer xfer;
	unsigned long period, buffer, cperiod, cbuffer;
	unsigned long frames;		/* 0: choose */
	unsigned long tail;		/* 0: choose */
	unsigned long seed;
	double timeout;			/* 0: choose */
	int capture_first, drain, link, verbose;
	int inject;			/* 0, 'd'rop, d'u'p or 'f'lip */
	unsigned long inject_at;
};

enum vstate { V_PRE, V_IN, V_POST, V_BAD };

struct verifier {
	const struct fmt_desc *fd;
	unsigned int channels;
	size_t frame_bytes;
	const unsigned char *pat;	/* expected: frames * frame_bytes */
	unsigned long frames;
	const unsigned char *play;	/* played: usually the same as pat */
	unsigned long play_frames;
	unsigned char *silence;		/* one silent frame */
	unsigned char *cur;		/* scratch: gathered frame */
	const unsigned char *curp;	/* the frame being checked */
	enum vstate state;
	unsigned long captured;		/* frames seen */
	unsigned long first;		/* capture index of pattern frame 0 */
	unsigned long pos;		/* next expected pattern frame */
	unsigned long post;		/* silent frames after the pattern */
	char why[512];
};

static volatile sig_atomic_t alarm_fired;

static void on_alarm(int sig)
{
	static const char msg[] =
		"loopcheck: TIMEOUT (watchdog): a call did not return\n";
	ssize_t r;

	(void)sig;
	alarm_fired = 1;
	r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)r;
	_exit(EXIT_TIMEOUT);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: loopcheck [OPTION]...\n"
"Play a deterministic pattern into a loopback cable and check that the\n"
"other end captures exactly the same frames, in order, between silence.\n"
"\n"
"  -D, --device=PCM       playback PCM (default hw:Loopback,0,0)\n"
"  -C, --capture=PCM      capture PCM (default hw:Loopback,1,0)\n"
"  -f, --format=FMT       sample format, e.g. S16_LE, S24_3LE, FLOAT_LE\n"
"                         (default S16_LE; any linear integer format of\n"
"                         8..32 bits, FLOAT and FLOAT64)\n"
"  -r, --rate=HZ          sample rate (default 48000)\n"
"  -c, --channels=N       channels (default 2)\n"
"  -A, --access=MODE      rw-interleaved (default), rw-noninterleaved,\n"
"                         mmap-interleaved or mmap-noninterleaved\n"
"  -p, --period=FRAMES    playback period size (default rate/50, near)\n"
"  -b, --buffer=FRAMES    playback buffer size (default 6 periods, near)\n"
"  -P, --cperiod=FRAMES   capture period size (default: playback's)\n"
"  -B, --cbuffer=FRAMES   capture buffer size (default: playback's)\n"
"  -n, --frames=FRAMES    pattern frames to play (default: the larger of\n"
"                         rate/2 and 6 playback buffers)\n"
"      --tail=FRAMES      silence to verify after the pattern (default: 2\n"
"                         capture periods)\n"
"      --capture-first    open and configure the capture PCM first (it\n"
"                         then sets the cable's parameters)\n"
"      --drain            after the pattern drain the playback (default:\n"
"                         keep playing silence until the capture has\n"
"                         seen the tail, then drop)\n"
"      --link             link the two PCMs and start them together\n"
"      --seed=N           pattern seed (default 1)\n"
"      --inject=KIND:N    corrupt what is played, to show that the check\n"
"                         fails: drop:N leaves out pattern frame N, dup:N\n"
"                         plays it twice, flip:N flips its lowest bit\n"
"  -t, --timeout=SEC      give up after SEC seconds, exit 3 (default: 5x\n"
"                         the pattern's duration + 5)\n"
"  -v, --verbose          print progress to stderr\n"
"  -h, --help             show this help\n"
"\n"
"Explicit period and buffer sizes must be accepted exactly.\n"
"Prints one summary line.  Exit status: 0 exact match, 1 mismatch or\n"
"xrun, 2 setup error, 3 timeout.\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_TAIL = 256, OPT_CFIRST, OPT_DRAIN, OPT_LINK, OPT_SEED,
	       OPT_INJECT };
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "capture", required_argument, NULL, 'C' },
		{ "format", required_argument, NULL, 'f' },
		{ "rate", required_argument, NULL, 'r' },
		{ "channels", required_argument, NULL, 'c' },
		{ "access", required_argument, NULL, 'A' },
		{ "period", required_argument, NULL, 'p' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "cperiod", required_argument, NULL, 'P' },
		{ "cbuffer", required_argument, NULL, 'B' },
		{ "frames", required_argument, NULL, 'n' },
		{ "tail", required_argument, NULL, OPT_TAIL },
		{ "capture-first", no_argument, NULL, OPT_CFIRST },
		{ "drain", no_argument, NULL, OPT_DRAIN },
		{ "link", no_argument, NULL, OPT_LINK },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "inject", required_argument, NULL, OPT_INJECT },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;
	unsigned int i;

	memset(o, 0, sizeof(*o));
	o->play_dev = "hw:Loopback,0,0";
	o->cap_dev = "hw:Loopback,1,0";
	o->format = SND_PCM_FORMAT_S16_LE;
	o->rate = 48000;
	o->channels = 2;
	o->xfer = RW_INTERLEAVED;
	o->seed = 1;

	while ((c = getopt_long(argc, argv, "D:C:f:r:c:A:p:b:P:B:n:t:vh",
				longopts, NULL)) != -1) {
		const char *bad = NULL;

		switch (c) {
		case 'D':
			o->play_dev = optarg;
			break;
		case 'C':
			o->cap_dev = optarg;
			break;
		case 'f':
			o->format = snd_pcm_format_value(optarg);
			if (o->format == SND_PCM_FORMAT_UNKNOWN)
				bad = "format";
			break;
		case 'r':
			if (parse_uint(optarg, 1, 10000000, &o->rate))
				bad = "rate";
			break;
		case 'c':
			if (parse_uint(optarg, 1, 1024, &o->channels))
				bad = "channels";
			break;
		case 'A':
			bad = "access";
			for (i = 0; i < 4; i++) {
				if (!strcmp(optarg, xfer_names[i])) {
					o->xfer = (enum xfer)i;
					bad = NULL;
				}
			}
			break;
		case 'p':
			if (parse_uint(optarg, 1, 1UL << 24, &o->period))
				bad = "period";
			break;
		case 'b':
			if (parse_uint(optarg, 1, 1UL << 24, &o->buffer))
				bad = "buffer";
			break;
		case 'P':
			if (parse_uint(optarg, 1, 1UL << 24, &o->cperiod))
				bad = "cperiod";
			break;
		case 'B':
			if (parse_uint(optarg, 1, 1UL << 24, &o->cbuffer))
				bad = "cbuffer";
			break;
		case 'n':
			if (parse_uint(optarg, 1, 1UL << 30, &o->frames))
				bad = "frames";
			break;
		case OPT_TAIL:
			if (parse_uint(optarg, 1, 1UL << 24, &o->tail))
				bad = "tail";
			break;
		case OPT_CFIRST:
			o->capture_first = 1;
			break;
		case OPT_DRAIN:
			o->drain = 1;
			break;
		case OPT_LINK:
			o->link = 1;
			break;
		case OPT_SEED:
			if (parse_uint(optarg, 0, ULONG_MAX, &o->seed))
				bad = "seed";
			break;
		case OPT_INJECT:
			if (!strncmp(optarg, "drop:", 5))
				o->inject = 'd';
			else if (!strncmp(optarg, "dup:", 4))
				o->inject = 'u';
			else if (!strncmp(optarg, "flip:", 5))
				o->inject = 'f';
			if (!o->inject || parse_uint(strchr(optarg, ':') + 1, 0,
						     1UL << 30, &o->inject_at))
				bad = "inject";
			break;
		case 't':
			if (parse_double(optarg, 0.001, 86400, &o->timeout))
				bad = "timeout";
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "loopcheck: invalid %s: '%s'\n", bad,
				optarg);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "loopcheck: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- setup */

static snd_pcm_access_t alsa_access(enum xfer x)
{
	switch (x) {
	case RW_NONINTERLEAVED:
		return SND_PCM_ACCESS_RW_NONINTERLEAVED;
	case MMAP_INTERLEAVED:
		return SND_PCM_ACCESS_MMAP_INTERLEAVED;
	case MMAP_NONINTERLEAVED:
		return SND_PCM_ACCESS_MMAP_NONINTERLEAVED;
	default:
		return SND_PCM_ACCESS_RW_INTERLEAVED;
	}
}

#define SETUP_FAIL(call, err) do {					\
	fprintf(stderr, "loopcheck: %s %s: %s failed: %s\n", s->dev,	\
		snd_pcm_stream_name(s->stream), call, snd_strerror(err)); \
	goto out;							\
} while (0)

/* Open and fully configure one side; returns 0 or a negative error. */
static int setup_side(struct side *s, const struct opts *o)
{
	snd_pcm_hw_params_t *hw = NULL;
	snd_pcm_sw_params_t *sw = NULL;
	snd_pcm_uframes_t period, buffer, boundary;
	unsigned int rate = (unsigned int)o->rate;
	int err, dir;
	char what[96];

	err = snd_pcm_open(&s->pcm, s->dev, s->stream, SND_PCM_NONBLOCK);
	if (err < 0) {
		s->pcm = NULL;
		fprintf(stderr, "loopcheck: %s %s: snd_pcm_open failed: %s\n",
			s->dev, snd_pcm_stream_name(s->stream),
			snd_strerror(err));
		return err;
	}
	err = snd_pcm_hw_params_malloc(&hw);
	if (err < 0)
		SETUP_FAIL("snd_pcm_hw_params_malloc", err);
	err = snd_pcm_sw_params_malloc(&sw);
	if (err < 0)
		SETUP_FAIL("snd_pcm_sw_params_malloc", err);
	/* no resampling by plug devices: the copy must be exact */
	err = hw_params_base(s->pcm, hw, alsa_access(o->xfer),
			     xfer_names[o->xfer], o->format,
			     (unsigned int)o->channels, rate, what,
			     sizeof(what));
	if (err < 0)
		SETUP_FAIL(what, err);
	if (s->req_period) {
		period = s->req_period;
		err = snd_pcm_hw_params_set_period_size(s->pcm, hw, period, 0);
		if (err < 0) {
			snprintf(what, sizeof(what),
				 "snd_pcm_hw_params_set_period_size(%lu)",
				 period);
			SETUP_FAIL(what, err);
		}
	} else {
		period = s->req_buffer ? s->req_buffer / 6 : o->rate / 50;
		if (!period)
			period = 1;
		dir = 0;
		err = snd_pcm_hw_params_set_period_size_near(s->pcm, hw,
							     &period, &dir);
		if (err < 0)
			SETUP_FAIL("snd_pcm_hw_params_set_period_size_near",
				   err);
	}
	if (s->req_buffer) {
		buffer = s->req_buffer;
		err = snd_pcm_hw_params_set_buffer_size(s->pcm, hw, buffer);
		if (err < 0) {
			snprintf(what, sizeof(what),
				 "snd_pcm_hw_params_set_buffer_size(%lu)",
				 buffer);
			SETUP_FAIL(what, err);
		}
	} else {
		buffer = 6 * period;
		err = snd_pcm_hw_params_set_buffer_size_near(s->pcm, hw,
							     &buffer);
		if (err < 0)
			SETUP_FAIL("snd_pcm_hw_params_set_buffer_size_near",
				   err);
	}
	err = snd_pcm_hw_params(s->pcm, hw);
	if (err < 0)
		SETUP_FAIL("snd_pcm_hw_params", err);
	err = snd_pcm_hw_params_get_period_size(hw, &s->period, &dir);
	if (err < 0)
		SETUP_FAIL("snd_pcm_hw_params_get_period_size", err);
	err = snd_pcm_hw_params_get_buffer_size(hw, &s->buffer);
	if (err < 0)
		SETUP_FAIL("snd_pcm_hw_params_get_buffer_size", err);

	err = snd_pcm_sw_params_current(s->pcm, sw);
	if (err < 0)
		SETUP_FAIL("snd_pcm_sw_params_current", err);
	err = snd_pcm_sw_params_get_boundary(sw, &boundary);
	if (err < 0)
		SETUP_FAIL("snd_pcm_sw_params_get_boundary", err);
	/*
	 * Both ends are started explicitly: the capture right before the
	 * playback, once the playback buffer has been filled.
	 */
	err = snd_pcm_sw_params_set_start_threshold(s->pcm, sw, boundary);
	if (err < 0)
		SETUP_FAIL("snd_pcm_sw_params_set_start_threshold", err);
	err = snd_pcm_sw_params_set_stop_threshold(s->pcm, sw, s->buffer);
	if (err < 0)
		SETUP_FAIL("snd_pcm_sw_params_set_stop_threshold", err);
	err = snd_pcm_sw_params_set_avail_min(s->pcm, sw, s->period);
	if (err < 0)
		SETUP_FAIL("snd_pcm_sw_params_set_avail_min", err);
	err = snd_pcm_sw_params(s->pcm, sw);
	if (err < 0)
		SETUP_FAIL("snd_pcm_sw_params", err);
	err = 0;
out:
	snd_pcm_hw_params_free(hw);
	snd_pcm_sw_params_free(sw);
	return err;
}

/* Buffers and channel areas for the rw transfer modes. */
static int alloc_side_buffers(struct side *s, const struct opts *o,
			      const struct fmt_desc *fd)
{
	unsigned int ch = (unsigned int)o->channels, c;
	size_t sb = fd->bytes;

	s->areas = calloc(ch, sizeof(*s->areas));
	if (!s->areas)
		return -ENOMEM;
	if (o->xfer == RW_INTERLEAVED) {
		s->buf = calloc(s->buffer, sb * ch);
		if (!s->buf)
			return -ENOMEM;
		for (c = 0; c < ch; c++) {
			s->areas[c].addr = s->buf;
			s->areas[c].first = (unsigned int)(c * sb * 8);
			s->areas[c].step = (unsigned int)(ch * sb * 8);
		}
	} else if (o->xfer == RW_NONINTERLEAVED) {
		s->chbuf = calloc(ch, sizeof(*s->chbuf));
		if (!s->chbuf)
			return -ENOMEM;
		for (c = 0; c < ch; c++) {
			s->chbuf[c] = calloc(s->buffer, sb);
			if (!s->chbuf[c])
				return -ENOMEM;
			s->areas[c].addr = s->chbuf[c];
			s->areas[c].first = 0;
			s->areas[c].step = (unsigned int)(sb * 8);
		}
	}
	return 0;
}

static void free_side(struct side *s, unsigned int channels)
{
	unsigned int c;

	if (s->pcm)
		snd_pcm_close(s->pcm);
	s->pcm = NULL;
	free(s->buf);
	if (s->chbuf) {
		for (c = 0; c < channels; c++)
			free(s->chbuf[c]);
		free(s->chbuf);
	}
	free(s->areas);
}

/* ------------------------------------------------------------ transfer */

static inline unsigned char *area_ptr(const snd_pcm_channel_area_t *a,
				      snd_pcm_uframes_t frame)
{
	return (unsigned char *)a->addr +
	       (a->first + (size_t)frame * a->step) / 8;
}

/*
 * If the areas describe one plain interleaved buffer (every channel in the
 * same block, channel c at byte c * sample size, one frame per step),
 * return its address; else NULL.  The copy and compare then work on whole
 * frames, which matters under slow CPU emulation.
 */
static unsigned char *interleaved_base(const struct verifier *v,
				       const snd_pcm_channel_area_t *areas)
{
	size_t sb = v->fd->bytes;
	unsigned int c;

	for (c = 0; c < v->channels; c++) {
		if (areas[c].addr != areas[0].addr ||
		    areas[c].first != areas[0].first + c * sb * 8 ||
		    areas[c].step != v->frame_bytes * 8)
			return NULL;
	}
	if (areas[0].first % 8)
		return NULL;
	return (unsigned char *)areas[0].addr + areas[0].first / 8;
}

/* Copy frames [pos, pos+n) of the stream into areas at offset @off. */
static void fill_areas(const struct verifier *v,
		       const snd_pcm_channel_area_t *areas,
		       snd_pcm_uframes_t off, snd_pcm_uframes_t n,
		       unsigned long pos)
{
	size_t sb = v->fd->bytes, fb = v->frame_bytes;
	unsigned char *base = interleaved_base(v, areas);
	snd_pcm_uframes_t i;
	unsigned int c;

	if (base) {
		unsigned char *dst = base + (size_t)off * fb;

		if (pos < v->play_frames) {
			snd_pcm_uframes_t k = v->play_frames - pos;

			if (k > n)
				k = n;
			memcpy(dst, v->play + (size_t)pos * fb, (size_t)k * fb);
			dst += (size_t)k * fb;
			n -= k;
		}
		for (i = 0; i < n; i++, dst += fb)
			memcpy(dst, v->silence, fb);
		return;
	}
	for (i = 0; i < n; i++, pos++) {
		const unsigned char *src = pos < v->play_frames ?
			v->play + (size_t)pos * fb : v->silence;

		for (c = 0; c < v->channels; c++)
			memcpy(area_ptr(&areas[c], off + i), src + c * sb, sb);
	}
}

/* Find @frame among pattern frames [lo, hi); returns index or -1. */
static long find_frame(const struct verifier *v, const unsigned char *frame,
		       long lo, long hi)
{
	long i;

	if (lo < 0)
		lo = 0;
	if (hi > (long)v->frames)
		hi = (long)v->frames;
	for (i = lo; i < hi; i++)
		if (!memcmp(v->pat + (size_t)i * v->frame_bytes, frame,
			    v->frame_bytes))
			return i;
	return -1;
}

static void hexdump_frame(char *out, size_t len, const unsigned char *f,
			  size_t n)
{
	size_t i, used = 0;

	if (n > 16)
		n = 16;
	out[0] = 0;
	for (i = 0; i < n && used + 3 < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%02x", f[i]);
}

/* Describe what went wrong with the frame at v->curp. */
static void describe_bad(struct verifier *v, const char *where)
{
	char got[40], exp[40];
	long found;
	const unsigned char *want = v->state == V_IN ?
		v->pat + (size_t)v->pos * v->frame_bytes : v->silence;
	unsigned int c;
	size_t sb = v->fd->bytes;
	unsigned int bad_ch = 0;

	for (c = 0; c < v->channels; c++)
		if (memcmp(v->curp + c * sb, want + c * sb, sb)) {
			bad_ch = c;
			break;
		}
	hexdump_frame(got, sizeof(got), v->curp, v->frame_bytes);
	hexdump_frame(exp, sizeof(exp), want, v->frame_bytes);
	if (!memcmp(v->curp, v->silence, v->frame_bytes)) {
		snprintf(v->why, sizeof(v->why),
			 "%s: silence instead of pattern frame %lu at capture frame %lu (dropout)",
			 where, v->pos, v->captured);
		return;
	}
	if (v->state == V_IN)
		found = find_frame(v, v->curp, (long)v->pos - SEARCH_WINDOW,
				   (long)v->pos + SEARCH_WINDOW);
	else
		found = find_frame(v, v->curp, 0, (long)v->frames);
	if (found >= 0 && v->state == V_IN)
		snprintf(v->why, sizeof(v->why),
			 "%s: capture frame %lu is pattern frame %ld, expected %lu (%s %ld frames)",
			 where, v->captured, found, v->pos,
			 found > (long)v->pos ? "skipped" : "repeated",
			 found > (long)v->pos ? found - (long)v->pos :
			 (long)v->pos - found);
	else if (found >= 0)
		snprintf(v->why, sizeof(v->why),
			 "%s: capture frame %lu is pattern frame %ld", where,
			 v->captured, found);
	else
		snprintf(v->why, sizeof(v->why),
			 "%s: capture frame %lu differs from %s (first bad channel %u): got %s expected %s",
			 where, v->captured,
			 v->state == V_IN ? "pattern" : "silence", bad_ch,
			 got, exp);
}

/* Feed one captured frame (at v->curp) to the state machine. */
static void verify_frame(struct verifier *v)
{
	switch (v->state) {
	case V_PRE:
		if (!memcmp(v->curp, v->silence, v->frame_bytes))
			break;
		if (!memcmp(v->curp, v->pat, v->frame_bytes)) {
			v->first = v->captured;
			v->pos = 1;
			v->state = v->frames == 1 ? V_POST : V_IN;
			break;
		}
		describe_bad(v, "before the pattern");
		v->state = V_BAD;
		break;
	case V_IN:
		if (!memcmp(v->curp, v->pat + (size_t)v->pos * v->frame_bytes,
			    v->frame_bytes)) {
			if (++v->pos == v->frames)
				v->state = V_POST;
			break;
		}
		describe_bad(v, "in the pattern");
		v->state = V_BAD;
		break;
	case V_POST:
		if (!memcmp(v->curp, v->silence, v->frame_bytes)) {
			v->post++;
			break;
		}
		describe_bad(v, "after the pattern");
		v->state = V_BAD;
		break;
	case V_BAD:
		return;
	}
	v->captured++;
}

static void check_areas(struct verifier *v,
			const snd_pcm_channel_area_t *areas,
			snd_pcm_uframes_t off, snd_pcm_uframes_t n)
{
	size_t sb = v->fd->bytes, fb = v->frame_bytes;
	const unsigned char *base = interleaved_base(v, areas);
	snd_pcm_uframes_t i;
	unsigned int c;

	if (base) {
		const unsigned char *f = base + (size_t)off * fb;

		/* no gathering: check the frames where they are */
		for (i = 0; i < n && v->state != V_BAD; i++, f += fb) {
			v->curp = f;
			verify_frame(v);
		}
		return;
	}
	for (i = 0; i < n && v->state != V_BAD; i++) {
		for (c = 0; c < v->channels; c++)
			memcpy(v->cur + c * sb, area_ptr(&areas[c], off + i),
			       sb);
		v->curp = v->cur;
		verify_frame(v);
	}
}

/*
 * Write up to @want frames of the stream starting at *pos.  Returns the
 * number written (advancing *pos) or a negative error; -EAGAIN is 0.
 */
static long play_some(struct side *s, const struct opts *o,
		      struct verifier *v, unsigned long *pos,
		      snd_pcm_uframes_t want)
{
	snd_pcm_sframes_t r;

	if (!want)
		return 0;
	if (o->xfer == RW_INTERLEAVED || o->xfer == RW_NONINTERLEAVED) {
		if (want > s->buffer)
			want = s->buffer;
		fill_areas(v, s->areas, 0, want, *pos);
		if (o->xfer == RW_INTERLEAVED)
			r = snd_pcm_writei(s->pcm, s->buf, want);
		else
			r = snd_pcm_writen(s->pcm, (void **)s->chbuf, want);
	} else {
		const snd_pcm_channel_area_t *areas;
		snd_pcm_uframes_t off, n = want;
		int err = snd_pcm_mmap_begin(s->pcm, &areas, &off, &n);

		if (err < 0)
			return err == -EAGAIN ? 0 : err;
		fill_areas(v, areas, off, n, *pos);
		r = snd_pcm_mmap_commit(s->pcm, off, n);
		if (r >= 0 && (snd_pcm_uframes_t)r != n)
			return -EIO;
	}
	if (r == -EAGAIN)
		return 0;
	if (r < 0)
		return r;
	*pos += (unsigned long)r;
	return r;
}

/* Read up to @want frames and verify them.  Same return as play_some. */
static long capture_some(struct side *s, const struct opts *o,
			 struct verifier *v, snd_pcm_uframes_t want)
{
	snd_pcm_sframes_t r;

	if (!want)
		return 0;
	if (o->xfer == RW_INTERLEAVED || o->xfer == RW_NONINTERLEAVED) {
		if (want > s->buffer)
			want = s->buffer;
		if (o->xfer == RW_INTERLEAVED)
			r = snd_pcm_readi(s->pcm, s->buf, want);
		else
			r = snd_pcm_readn(s->pcm, (void **)s->chbuf, want);
		if (r > 0)
			check_areas(v, s->areas, 0, (snd_pcm_uframes_t)r);
	} else {
		const snd_pcm_channel_area_t *areas;
		snd_pcm_uframes_t off, n = want;
		int err = snd_pcm_mmap_begin(s->pcm, &areas, &off, &n);

		if (err < 0)
			return err == -EAGAIN ? 0 : err;
		check_areas(v, areas, off, n);
		r = snd_pcm_mmap_commit(s->pcm, off, n);
		if (r >= 0 && (snd_pcm_uframes_t)r != n)
			return -EIO;
	}
	if (r == -EAGAIN)
		return 0;
	return r;
}

/* ---------------------------------------------------------------- main */

struct run {
	struct opts o;
	struct fmt_desc fd;
	struct side play, cap;
	struct verifier v;
	unsigned long played;		/* stream frames written */
	int play_state;			/* 0 writing, 1 draining, 2 done */
	unsigned long cap_after_done;	/* frames captured after play done */
	unsigned long pad_limit;
	double deadline;
	const char *result;
	int status;
};

static void print_summary(struct run *R)
{
	const struct verifier *v = &R->v;

	printf("loopcheck: %s %s->%s format=%s rate=%lu channels=%lu access=%s "
	       "period=%lu/%lu buffer=%lu/%lu played=%lu captured=%lu",
	       R->result, R->o.play_dev, R->o.cap_dev,
	       snd_pcm_format_name(R->o.format), R->o.rate, R->o.channels,
	       xfer_names[R->o.xfer], (unsigned long)R->play.period,
	       (unsigned long)R->cap.period, (unsigned long)R->play.buffer,
	       (unsigned long)R->cap.buffer,
	       R->played < v->play_frames ? R->played : v->play_frames,
	       v->captured);
	if (v->state != V_PRE)
		printf(" first=%lu", v->first);
	printf(" matched=%lu tail=%lu", v->state == V_PRE ? 0 : v->pos,
	       v->post);
	if (v->why[0])
		printf(" : %s", v->why);
	printf("\n");
	fflush(stdout);
}

static int xrun_fail(struct run *R, struct side *s, long err)
{
	snprintf(R->v.why, sizeof(R->v.why), "%s %s: %s (%s)", s->dev,
		 snd_pcm_stream_name(s->stream),
		 err == -EPIPE ? "xrun" : "transfer error",
		 snd_strerror((int)err));
	R->result = err == -EPIPE ? "XRUN" : "ERROR";
	return EXIT_MISMATCH;
}

/* The main loop; returns an exit status. */
static int run_loop(struct run *R)
{
	struct opts *o = &R->o;
	struct verifier *v = &R->v;
	struct side *P = &R->play, *C = &R->cap;
	struct pollfd *pfd = NULL;
	int np, nc, err, status = 0;
	snd_pcm_uframes_t cap_tail;
	unsigned long tail;

	np = snd_pcm_poll_descriptors_count(P->pcm);
	nc = snd_pcm_poll_descriptors_count(C->pcm);
	if (np < 0 || nc <= 0) {
		fprintf(stderr, "loopcheck: snd_pcm_poll_descriptors_count failed\n");
		return EXIT_SETUP;
	}
	pfd = calloc((size_t)(np + nc), sizeof(*pfd));
	if (!pfd) {
		fprintf(stderr, "loopcheck: out of memory\n");
		return EXIT_SETUP;
	}
	if (snd_pcm_poll_descriptors(C->pcm, pfd, (unsigned int)nc) != nc ||
	    snd_pcm_poll_descriptors(P->pcm, pfd + nc, (unsigned int)np) != np) {
		fprintf(stderr, "loopcheck: snd_pcm_poll_descriptors failed\n");
		free(pfd);
		return EXIT_SETUP;
	}
	tail = o->tail ? o->tail : 2 * C->period;
	cap_tail = C->buffer + o->rate / 5 + tail;

	if (o->link) {
		err = snd_pcm_link(C->pcm, P->pcm);
		if (err < 0) {
			fprintf(stderr, "loopcheck: snd_pcm_link failed: %s\n",
				snd_strerror(err));
			free(pfd);
			return EXIT_SETUP;
		}
	}

	for (;;) {
		snd_pcm_sframes_t avail;
		long r;
		int timeout_ms;

		if (now_mono() > R->deadline) {
			snprintf(v->why, sizeof(v->why), "no result within %.1f s",
				 o->timeout);
			R->result = "TIMEOUT";
			status = EXIT_TIMEOUT;
			break;
		}

		/* playback side */
		if (R->play_state == 0) {
			avail = snd_pcm_avail(P->pcm);
			if (avail < 0) {
				status = xrun_fail(R, P, avail);
				break;
			}
			while (avail > 0) {
				snd_pcm_uframes_t want = (snd_pcm_uframes_t)avail;

				if (o->drain && R->played + want > v->play_frames)
					want = v->play_frames - R->played;
				r = play_some(P, o, v, &R->played, want);
				if (r < 0) {
					status = xrun_fail(R, P, r);
					goto done;
				}
				if (r == 0)
					break;
				avail -= r;
			}
			if (snd_pcm_state(P->pcm) == SND_PCM_STATE_PREPARED &&
			    (R->played >= P->buffer ||
			     (o->drain && R->played >= v->play_frames))) {
				/* the buffer is full: start the capture, then
				 * at once the playback (linked: both at once) */
				if (!o->link) {
					err = snd_pcm_start(C->pcm);
					if (err < 0) {
						fprintf(stderr, "loopcheck: %s capture: snd_pcm_start failed: %s\n",
							C->dev, snd_strerror(err));
						status = EXIT_SETUP;
						break;
					}
				}
				err = snd_pcm_start(P->pcm);
				if (err < 0) {
					fprintf(stderr, "loopcheck: %s playback: snd_pcm_start failed: %s\n",
						P->dev, snd_strerror(err));
					status = EXIT_SETUP;
					break;
				}
			}
			if (o->drain && R->played >= v->play_frames) {
				/* draining a linked group would drain the
				 * capture too */
				if (o->link && snd_pcm_unlink(P->pcm) == 0)
					o->link = 0;
				err = snd_pcm_drain(P->pcm);
				if (err < 0 && err != -EAGAIN) {
					status = xrun_fail(R, P, err);
					break;
				}
				R->play_state = 1;
			} else if (!o->drain && R->played >= R->pad_limit &&
				   v->state != V_POST) {
				snprintf(v->why, sizeof(v->why),
					 "incomplete: %lu silent frames played after the pattern, capture still %s",
					 R->played - v->play_frames,
					 v->state == V_PRE ? "waiting for its start" :
					 "missing its end");
				R->result = "MISMATCH";
				status = EXIT_MISMATCH;
				break;
			}
		}
		if (R->play_state == 1) {
			snd_pcm_state_t st = snd_pcm_state(P->pcm);

			if (st == SND_PCM_STATE_XRUN) {
				status = xrun_fail(R, P, -EPIPE);
				break;
			}
			if (st != SND_PCM_STATE_DRAINING &&
			    st != SND_PCM_STATE_RUNNING)
				R->play_state = 2;
		}

		/* capture side */
		avail = snd_pcm_avail(C->pcm);
		if (avail < 0) {
			status = xrun_fail(R, C, avail);
			break;
		}
		while (avail > 0 && v->state != V_BAD) {
			r = capture_some(C, o, v, (snd_pcm_uframes_t)avail);
			if (r < 0) {
				status = xrun_fail(R, C, r);
				goto done;
			}
			if (r == 0)
				break;
			avail -= r;
			if (R->play_state == 2)
				R->cap_after_done += (unsigned long)r;
		}
		if (v->state == V_BAD) {
			R->result = "MISMATCH";
			status = EXIT_MISMATCH;
			break;
		}
		if (v->state == V_POST && v->post >= tail &&
		    (R->play_state == 2 || !o->drain))
			break;		/* success */
		if (R->play_state == 2 && R->cap_after_done > cap_tail) {
			snprintf(v->why, sizeof(v->why),
				 "incomplete: playback drained but capture %s after %lu more frames",
				 v->state == V_PRE ? "saw no pattern" :
				 v->state == V_IN ? "missed the pattern's end" :
				 "saw too little silence",
				 R->cap_after_done);
			R->result = "MISMATCH";
			status = EXIT_MISMATCH;
			break;
		}

		/* wait: capture always, playback only while we write */
		timeout_ms = (int)(1000 * C->period / o->rate) + 1;
		if (timeout_ms > 50)
			timeout_ms = 50;
		if (poll(pfd, (nfds_t)(R->play_state == 0 ? np + nc : nc),
			 timeout_ms) < 0 && errno != EINTR) {
			perror("loopcheck: poll");
			status = EXIT_SETUP;
			break;
		}
		if (o->verbose) {
			static double last;
			double t = now_mono();

			if (t - last > 0.5) {
				last = t;
				fprintf(stderr, "loopcheck: played %lu captured %lu state %d\n",
					R->played, v->captured, (int)v->state);
			}
		}
	}
done:
	free(pfd);
	if (!status) {
		R->result = "OK";
	}
	if (P->pcm)
		snd_pcm_drop(P->pcm);
	if (C->pcm)
		snd_pcm_drop(C->pcm);
	if (o->link && P->pcm)
		snd_pcm_unlink(P->pcm);
	return status;
}

int main(int argc, char **argv)
{
	struct run R;
	struct side *first, *second;
	double dur;
	int status = EXIT_SETUP;
	size_t pat_bytes;
	unsigned long i;
	struct sigaction sa;

	memset(&R, 0, sizeof(R));
	R.result = "SETUP-ERROR";
	if (parse_args(argc, argv, &R.o))
		return EXIT_SETUP;
	if (fmt_desc_init(&R.fd, R.o.format)) {
		fprintf(stderr, "loopcheck: format %s is not supported by the pattern generator\n",
			snd_pcm_format_name(R.o.format));
		return EXIT_SETUP;
	}

	R.play.dev = R.o.play_dev;
	R.play.stream = SND_PCM_STREAM_PLAYBACK;
	R.play.req_period = R.o.period;
	R.play.req_buffer = R.o.buffer;
	R.cap.dev = R.o.cap_dev;
	R.cap.stream = SND_PCM_STREAM_CAPTURE;
	first = R.o.capture_first ? &R.cap : &R.play;
	second = R.o.capture_first ? &R.play : &R.cap;

	/* the first side uses the playback sizes unless it is the capture
	 * and capture sizes were given */
	if (R.o.capture_first) {
		R.cap.req_period = R.o.cperiod ? R.o.cperiod : R.o.period;
		R.cap.req_buffer = R.o.cbuffer ? R.o.cbuffer : R.o.buffer;
	}
	if (setup_side(first, &R.o) < 0)
		goto out;
	if (!R.o.capture_first) {
		R.cap.req_period = R.o.cperiod ? R.o.cperiod : R.play.period;
		R.cap.req_buffer = R.o.cbuffer ? R.o.cbuffer : R.play.buffer;
	}
	if (setup_side(second, &R.o) < 0)
		goto out;
	if (alloc_side_buffers(&R.play, &R.o, &R.fd) < 0 ||
	    alloc_side_buffers(&R.cap, &R.o, &R.fd) < 0) {
		fprintf(stderr, "loopcheck: out of memory\n");
		goto out;
	}

	/* the pattern, computed in advance so the real-time loop only
	 * copies and compares */
	R.v.fd = &R.fd;
	R.v.channels = (unsigned int)R.o.channels;
	R.v.frame_bytes = (size_t)R.fd.bytes * R.o.channels;
	R.v.frames = R.o.frames;
	if (!R.v.frames) {
		R.v.frames = R.o.rate / 2;
		if (R.v.frames < 6 * R.play.buffer)
			R.v.frames = 6 * R.play.buffer;
	}
	pat_bytes = R.v.frame_bytes * R.v.frames;
	if (pat_bytes / R.v.frame_bytes != R.v.frames ||
	    pat_bytes > (512UL << 20)) {
		fprintf(stderr, "loopcheck: pattern of %lu frames is too large\n",
			R.v.frames);
		goto out;
	}
	R.v.pat = malloc(pat_bytes);
	R.v.silence = malloc(R.v.frame_bytes);
	R.v.cur = malloc(R.v.frame_bytes);
	if (!R.v.pat || !R.v.silence || !R.v.cur) {
		fprintf(stderr, "loopcheck: out of memory\n");
		goto out;
	}
	for (i = 0; i < R.v.frames; i++)
		pattern_frame(&R.fd, R.o.seed, i, R.v.channels,
			      (unsigned char *)R.v.pat + i * R.v.frame_bytes);
	for (i = 0; i < R.v.channels; i++)
		memcpy(R.v.silence + i * R.fd.bytes, R.fd.silence,
		       R.fd.bytes);
	R.v.play = R.v.pat;
	R.v.play_frames = R.v.frames;
	if (R.o.inject) {
		size_t fb = R.v.frame_bytes, at = R.o.inject_at;
		unsigned char *pl;

		if (at >= R.v.frames) {
			fprintf(stderr, "loopcheck: --inject frame %zu is past the pattern's %lu frames\n",
				at, R.v.frames);
			goto out;
		}
		pl = malloc(pat_bytes + fb);
		if (!pl) {
			fprintf(stderr, "loopcheck: out of memory\n");
			goto out;
		}
		R.v.play = pl;
		memcpy(pl, R.v.pat, pat_bytes);
		if (R.o.inject == 'd') {
			memmove(pl + at * fb, pl + (at + 1) * fb,
				pat_bytes - (at + 1) * fb);
			R.v.play_frames--;
		} else if (R.o.inject == 'u') {
			memmove(pl + (at + 1) * fb, pl + at * fb,
				pat_bytes - at * fb);
			R.v.play_frames++;
		} else {
			pl[at * fb] ^= 1;
		}
	}
	R.pad_limit = R.v.frames + R.play.buffer + R.cap.buffer +
		      R.o.rate / 5 + 2 * (R.play.period + R.cap.period);

	dur = (double)R.v.frames / (double)R.o.rate;
	if (!R.o.timeout)
		R.o.timeout = 5 * dur + 5;
	R.deadline = now_mono() + R.o.timeout;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned int)R.o.timeout + 5);

	if (R.o.verbose)
		fprintf(stderr, "loopcheck: %lu frames (%.3f s), play period %lu buffer %lu, capture period %lu buffer %lu\n",
			R.v.frames, dur, (unsigned long)R.play.period,
			(unsigned long)R.play.buffer,
			(unsigned long)R.cap.period,
			(unsigned long)R.cap.buffer);
	status = run_loop(&R);
	alarm(0);
out:
	print_summary(&R);
	free_side(&R.play, (unsigned int)R.o.channels);
	free_side(&R.cap, (unsigned int)R.o.channels);
	if (R.v.play != R.v.pat)
		free((void *)R.v.play);
	free((void *)R.v.pat);
	free(R.v.silence);
	free(R.v.cur);
	snd_config_update_free_global();
	return status;
}
