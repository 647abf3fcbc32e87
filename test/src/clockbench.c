// SPDX-License-Identifier: GPL-2.0
/*
 * clockbench - how well one PCM keeps another's clock.
 *
 *   clockbench rate [OPTION]...
 *	Run one PCM and measure its sample rate against CLOCK_MONOTONIC
 *	from the kernel's (position, timestamp) pairs (snd_pcm_status with
 *	tstamp mode on: the timestamp is taken when the position is read).
 *	Used to check the skewed test card (test/fixtures/).
 *
 *   clockbench bridge [OPTION]...
 *	What a bridge between a loopback and a sound card does: a thread
 *	plays into the loopback's playback end (the "application"), the
 *	main loop records whole periods from the loopback's capture end
 *	and plays what it got into the card, through a FIFO of one buffer
 *	(frames that do not fit are dropped; the card's buffer is primed
 *	full of silence).  Measured over a fixed time after a warm-up:
 *	- drift: frames the loopback's capture end moved minus frames the
 *	  card moved, both from snd_pcm_status at each capture wake-up
 *	  (position and htstamp, the card's position carried to the
 *	  loopback's timestamp at the nominal rate), accumulated over the
 *	  run; intervals across an xrun restart are left out, so restarts
 *	  do not count as drift, and lone spikes are filtered (see struct
 *	  drift);
 *	- xruns of each stream, and frames the bridge had to drop because
 *	  its FIFO was full;
 *	- wake-up jitter: the timestamps of the loopback capture end's
 *	  period interrupts (snd_pcm_htimestamp after each wake-up: the
 *	  position and time of the kernel's last update, without a new
 *	  one), as intervals in units of the period;
 *	- CPU time of this process (getrusage) per period and in percent
 *	  of the run, and the whole guest's busy time from /proc/stat.
 *	With --link the loopback's capture end and the card's playback are
 *	linked (snd_pcm_link) after hw_params and prepared again, as JACK2's
 *	ALSA driver does, so they start together and an xrun of either
 *	stops and restarts both.
 *	Prints "series,T,DRIFT" lines (T seconds into the run, DRIFT
 *	frames) every --step seconds and one "summary,..." line whose
 *	fields are named by --header.
 *
 * Exit status: 0 ok (rate: within tolerance), 1 rate outside tolerance
 * or the streams did not run, 2 setup error, 3 timeout.
 */
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common.h"

#define SUMMARY_FIELDS							\
	"period,buffer,seconds,frames,drift_end,drift_max,"		\
	"drift_max_periods,drift_ppm,xrun_capture,xrun_card,"		\
	"xrun_feeder,drops,wakeups,wake_periods,jitter_sd,"		\
	"jitter_p99,wake_max,cpu_pct,cpu_us_per_period,busy_pct"

struct opts {
	const char *dev;		/* rate: the PCM */
	const char *feed_dev;		/* bridge: loopback playback end */
	const char *loop_dev;		/* bridge: loopback capture end */
	const char *card_dev;		/* bridge: the card's playback */
	snd_pcm_stream_t stream;
	snd_pcm_format_t format;
	unsigned long rate, channels, period, periods;
	double duration, warmup, step;
	double expect_ppm, tolerance_ppm;
	int rt;
	int link;
};

static void on_alarm(int sig)
{
	static const char msg[] =
		"clockbench: TIMEOUT (watchdog): a call did not return\n";
	ssize_t r;

	(void)sig;
	r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)r;
	_exit(3);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: clockbench rate [OPTION]...\n"
"       clockbench bridge [OPTION]...\n"
"       clockbench --header\n"
"rate: run one PCM, print its rate against CLOCK_MONOTONIC in ppm.\n"
"bridge: play into a loopback, record from it, play into a card; print\n"
"the drift between the loopback and the card over time, xruns, period\n"
"wake-up jitter and CPU time (see the source for the definitions).\n"
"\n"
"  -D, --device=PCM       rate: PCM to run (default hw:Skew,0,0)\n"
"      --capture          rate: open it as capture (default playback)\n"
"      --feed=PCM         bridge: loopback playback (hw:Loopback,0,0)\n"
"      --loop=PCM         bridge: loopback capture (hw:Loopback,1,0)\n"
"      --card=PCM         bridge: card playback (hw:Skew,0,0)\n"
"  -f, --format=FMT       sample format (default S16_LE)\n"
"  -r, --rate=HZ          nominal rate (default 48000)\n"
"  -c, --channels=N       channels (default 2)\n"
"  -p, --period=FRAMES    period size of every stream (default 1024)\n"
"  -n, --periods=N        buffer size in periods (default 4)\n"
"  -d, --duration=SEC     measuring time (default 3)\n"
"  -w, --warmup=SEC       time before measuring starts (default 0.5)\n"
"      --step=SEC         bridge: time between series lines (default 0.1)\n"
"  -e, --expect-ppm=PPM   rate: expected offset from nominal (default 0)\n"
"  -T, --tolerance-ppm=P  rate: allowed deviation (default 50)\n"
"      --rt=PRIO          run the streams' threads SCHED_FIFO at PRIO\n"
"      --link             bridge: snd_pcm_link() the loopback's capture end\n"
"                         with the card's playback (after hw_params, then\n"
"                         prepare, as JACK2 does); they start, stop and\n"
"                         restart together\n"
"      --header           print the names of the summary fields\n"
"  -h, --help             show this help\n"
"\n"
"Exit status: 0 ok, 1 rate outside tolerance or a stream did not run,\n"
"2 setup error, 3 timeout.\n");
}

/* Parse a signed decimal fraction in [min, max]. */
static int parse_signed(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_CAPTURE = 256, OPT_FEED, OPT_LOOP, OPT_CARD, OPT_STEP,
	       OPT_RT, OPT_LINK };
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "capture", no_argument, NULL, OPT_CAPTURE },
		{ "feed", required_argument, NULL, OPT_FEED },
		{ "loop", required_argument, NULL, OPT_LOOP },
		{ "card", required_argument, NULL, OPT_CARD },
		{ "format", required_argument, NULL, 'f' },
		{ "rate", required_argument, NULL, 'r' },
		{ "channels", required_argument, NULL, 'c' },
		{ "period", required_argument, NULL, 'p' },
		{ "periods", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "step", required_argument, NULL, OPT_STEP },
		{ "expect-ppm", required_argument, NULL, 'e' },
		{ "tolerance-ppm", required_argument, NULL, 'T' },
		{ "rt", required_argument, NULL, OPT_RT },
		{ "link", no_argument, NULL, OPT_LINK },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long ul;
	int c;

	o->dev = "hw:Skew,0,0";
	o->feed_dev = "hw:Loopback,0,0";
	o->loop_dev = "hw:Loopback,1,0";
	o->card_dev = "hw:Skew,0,0";
	o->stream = SND_PCM_STREAM_PLAYBACK;
	o->format = SND_PCM_FORMAT_S16_LE;
	o->rate = 48000;
	o->channels = 2;
	o->period = 1024;
	o->periods = 4;
	o->duration = 3;
	o->warmup = 0.5;
	o->step = 0.1;
	o->expect_ppm = 0;
	o->tolerance_ppm = 50;
	o->rt = 0;
	o->link = 0;

	while ((c = getopt_long(argc, argv, "D:f:r:c:p:n:d:w:e:T:h",
				longopts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'D':
			o->dev = optarg;
			break;
		case OPT_CAPTURE:
			o->stream = SND_PCM_STREAM_CAPTURE;
			break;
		case OPT_FEED:
			o->feed_dev = optarg;
			break;
		case OPT_LOOP:
			o->loop_dev = optarg;
			break;
		case OPT_CARD:
			o->card_dev = optarg;
			break;
		case 'f':
			o->format = snd_pcm_format_value(optarg);
			bad = o->format == SND_PCM_FORMAT_UNKNOWN;
			break;
		case 'r':
			bad = parse_uint(optarg, 1000, 1000000, &o->rate);
			break;
		case 'c':
			bad = parse_uint(optarg, 1, 64, &o->channels);
			break;
		case 'p':
			bad = parse_uint(optarg, 16, 1UL << 20, &o->period);
			break;
		case 'n':
			bad = parse_uint(optarg, 2, 64, &o->periods);
			break;
		case 'd':
			bad = parse_double(optarg, 0.1, 36000, &o->duration);
			break;
		case 'w':
			bad = parse_double(optarg, 0, 3600, &o->warmup);
			break;
		case OPT_STEP:
			bad = parse_double(optarg, 0.001, 3600, &o->step);
			break;
		case 'e':
			bad = parse_signed(optarg, -1e5, 1e5, &o->expect_ppm);
			break;
		case 'T':
			bad = parse_double(optarg, 0, 1e6, &o->tolerance_ppm);
			break;
		case OPT_RT:
			bad = parse_uint(optarg, 1, 99, &ul);
			o->rt = (int)ul;
			break;
		case OPT_LINK:
			o->link = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "clockbench: invalid argument '%s'\n",
				optarg);
			return -1;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* PCM set-up and positions                                          */

struct stream {
	const char *name;		/* for messages */
	const char *dev;
	snd_pcm_stream_t dir;
	snd_pcm_t *pcm;
	snd_pcm_uframes_t period, buffer;
	size_t frame_bytes;
	uint64_t done;			/* frames read/written this segment */
	unsigned int segment;		/* bumped at each xrun restart */
	unsigned long xruns;		/* while measuring */
};

/* start_threshold 0: never start by itself */
static int stream_open(struct stream *s, const struct opts *o,
		       snd_pcm_uframes_t start_threshold)
{
	snd_pcm_hw_params_t *hw = NULL;
	snd_pcm_sw_params_t *sw = NULL;
	const char *call;
	int err;

	err = snd_pcm_open(&s->pcm, s->dev, s->dir, SND_PCM_NONBLOCK);
	if (err < 0) {
		s->pcm = NULL;
		call = "snd_pcm_open";
		goto fail;
	}
	call = "allocating parameters";
	err = snd_pcm_hw_params_malloc(&hw);
	if (err < 0)
		goto fail;
	err = snd_pcm_sw_params_malloc(&sw);
	if (err < 0)
		goto fail;
#define TRY(x) do { call = #x; err = (x); if (err < 0) goto fail; } while (0)
	TRY(snd_pcm_hw_params_any(s->pcm, hw));
	TRY(snd_pcm_hw_params_set_rate_resample(s->pcm, hw, 0));
	TRY(snd_pcm_hw_params_set_access(s->pcm, hw,
					 SND_PCM_ACCESS_RW_INTERLEAVED));
	TRY(snd_pcm_hw_params_set_format(s->pcm, hw, o->format));
	TRY(snd_pcm_hw_params_set_channels(s->pcm, hw,
					   (unsigned int)o->channels));
	TRY(snd_pcm_hw_params_set_rate(s->pcm, hw, (unsigned int)o->rate, 0));
	TRY(snd_pcm_hw_params_set_period_size(s->pcm, hw, o->period, 0));
	TRY(snd_pcm_hw_params_set_buffer_size(s->pcm, hw,
					      o->period * o->periods));
	TRY(snd_pcm_hw_params(s->pcm, hw));
	s->period = o->period;
	s->buffer = o->period * o->periods;
	TRY(snd_pcm_sw_params_current(s->pcm, sw));
	if (!start_threshold)
		TRY(snd_pcm_sw_params_get_boundary(sw, &start_threshold));
	TRY(snd_pcm_sw_params_set_avail_min(s->pcm, sw, s->period));
	TRY(snd_pcm_sw_params_set_start_threshold(s->pcm, sw,
						  start_threshold));
	TRY(snd_pcm_sw_params_set_tstamp_mode(s->pcm, sw,
					      SND_PCM_TSTAMP_ENABLE));
	TRY(snd_pcm_sw_params_set_tstamp_type(s->pcm, sw,
					      SND_PCM_TSTAMP_TYPE_MONOTONIC));
	TRY(snd_pcm_sw_params(s->pcm, sw));
#undef TRY
	s->frame_bytes = (size_t)snd_pcm_format_physical_width(o->format) /
			 8 * o->channels;
	snd_pcm_hw_params_free(hw);
	snd_pcm_sw_params_free(sw);
	return 0;
fail:
	fprintf(stderr, "clockbench: %s (%s): %s failed: %s\n", s->name,
		s->dev, call, snd_strerror(err));
	snd_pcm_hw_params_free(hw);
	snd_pcm_sw_params_free(sw);
	return -1;
}

static void stream_close(struct stream *s)
{
	if (!s->pcm)
		return;
	snd_pcm_drop(s->pcm);
	snd_pcm_close(s->pcm);
	s->pcm = NULL;
}

static double ts_sec(const snd_htimestamp_t *ts)
{
	return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

/*
 * The stream's hardware position (frames since the segment's start) and
 * the CLOCK_MONOTONIC time the kernel took it.  -EPIPE on an xrun.
 */
static int stream_position(struct stream *s, snd_pcm_status_t *st,
			   double *t, double *pos)
{
	snd_htimestamp_t ts;
	snd_pcm_uframes_t avail;
	int err;

	err = snd_pcm_status(s->pcm, st);
	if (err < 0)
		return err;
	if (snd_pcm_status_get_state(st) == SND_PCM_STATE_XRUN)
		return -EPIPE;
	if (snd_pcm_status_get_state(st) != SND_PCM_STATE_RUNNING)
		return -EAGAIN;
	avail = snd_pcm_status_get_avail(st);
	snd_pcm_status_get_htstamp(st, &ts);
	*t = ts_sec(&ts);
	if (s->dir == SND_PCM_STREAM_PLAYBACK)
		*pos = (double)s->done + (double)avail - (double)s->buffer;
	else
		*pos = (double)s->done + (double)avail;
	return 0;
}

/* Write @frames of silence (playback) to prime the buffer. */
static int stream_fill(struct stream *s, const void *silence,
		       snd_pcm_uframes_t frames)
{
	while (frames > 0) {
		snd_pcm_sframes_t r = snd_pcm_writei(s->pcm, silence, frames);

		if (r == -EAGAIN) {
			snd_pcm_wait(s->pcm, 100);
			continue;
		}
		if (r < 0)
			return (int)r;
		s->done += (uint64_t)r;
		frames -= (snd_pcm_uframes_t)r;
	}
	return 0;
}

static void set_rt(int prio)
{
	struct sched_param sp;
	int err;

	if (!prio)
		return;
	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = prio;
	err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	if (err)
		fprintf(stderr, "clockbench: SCHED_FIFO %d: %s (running without)\n",
			prio, strerror(err));
}

/* ---------------------------------------------------------------- */
/* rate                                                              */

/* Least-squares line through (x, y) points, kept as sums. */
struct fit {
	double n, sx, sy, sxx, sxy;
};

static void fit_add(struct fit *f, double x, double y)
{
	f->n += 1;
	f->sx += x;
	f->sy += y;
	f->sxx += x * x;
	f->sxy += x * y;
}

static double fit_slope(const struct fit *f)
{
	double d = f->n * f->sxx - f->sx * f->sx;

	return d > 0 ? (f->n * f->sxy - f->sx * f->sy) / d : 0;
}

static int run_rate(const struct opts *o)
{
	struct stream s = { .name = "rate", .dev = o->dev, .dir = o->stream };
	snd_pcm_status_t *st = NULL;
	struct fit fit = { 0 };
	unsigned char *buf = NULL;
	double t_start, t0 = -1, t1 = 0, pos0 = 0, pos1 = 0, ppm;
	int status = 2, err;

	set_rt(o->rt);
	if (stream_open(&s, o, o->period * o->periods) < 0)
		goto out;
	if (snd_pcm_status_malloc(&st) < 0)
		goto out;
	buf = calloc(s.buffer, s.frame_bytes);
	if (!buf)
		goto out;
	if (s.dir == SND_PCM_STREAM_PLAYBACK) {
		err = stream_fill(&s, buf, s.buffer);
		if (err < 0) {
			fprintf(stderr, "clockbench: priming %s: %s\n", s.dev,
				snd_strerror(err));
			goto out;
		}
	}
	err = snd_pcm_start(s.pcm);
	if (err < 0 && s.dir == SND_PCM_STREAM_CAPTURE) {
		fprintf(stderr, "clockbench: starting %s: %s\n", s.dev,
			snd_strerror(err));
		goto out;
	}
	status = 1;
	t_start = now_mono();
	for (;;) {
		snd_pcm_sframes_t avail, r;
		double t, pos;

		snd_pcm_wait(s.pcm, 50);
		err = stream_position(&s, st, &t, &pos);
		if (err < 0) {
			printf("clockbench: FAIL %s: %s\n", s.dev,
			       err == -EPIPE ? "xrun" : snd_strerror(err));
			goto out;
		}
		if (t - t_start >= o->warmup) {
			if (t0 < 0) {
				t0 = t;
				pos0 = pos;
			}
			fit_add(&fit, t - t0, pos - pos0);
			t1 = t;
			pos1 = pos;
			if (t - t0 >= o->duration)
				break;
		}
		avail = snd_pcm_avail_update(s.pcm);
		while (avail > 0) {
			if (s.dir == SND_PCM_STREAM_PLAYBACK)
				r = snd_pcm_writei(s.pcm, buf,
						   (snd_pcm_uframes_t)avail);
			else
				r = snd_pcm_readi(s.pcm, buf,
						  (snd_pcm_uframes_t)avail);
			if (r == -EAGAIN || r == 0)
				break;
			if (r < 0) {
				printf("clockbench: FAIL %s: %s\n", s.dev,
				       r == -EPIPE ? "xrun" : snd_strerror((int)r));
				goto out;
			}
			s.done += (uint64_t)r;
			avail -= r;
		}
	}
	ppm = (fit_slope(&fit) / (double)o->rate - 1) * 1e6;
	status = fabs(ppm - o->expect_ppm) <= o->tolerance_ppm ? 0 : 1;
	printf("clockbench: rate %s ppm=%+.1f expected=%+.1f tolerance=%.1f endpoints_ppm=%+.1f frames=%.0f seconds=%.3f samples=%.0f %s period=%lu\n",
	       status ? "FAIL" : "OK", ppm, o->expect_ppm, o->tolerance_ppm,
	       ((pos1 - pos0) / ((t1 - t0) * (double)o->rate) - 1) * 1e6,
	       pos1 - pos0, t1 - t0, fit.n, snd_pcm_stream_name(s.dir),
	       (unsigned long)s.period);
out:
	stream_close(&s);
	snd_pcm_status_free(st);
	free(buf);
	return status;
}

/* ---------------------------------------------------------------- */
/* bridge                                                            */

struct feeder {
	struct stream s;
	const struct opts *o;
	pthread_t thread;
	atomic_int stop;
	atomic_int running;		/* 1 once started, -1 on failure */
	atomic_int measuring;
	atomic_ulong xruns;
};

/* The application: plays silence into the loopback, period by period. */
static void *feeder_main(void *arg)
{
	struct feeder *f = arg;
	unsigned char *buf;

	set_rt(f->o->rt ? f->o->rt - 1 : 0);
	buf = calloc(f->s.period, f->s.frame_bytes);
	if (!buf) {
		atomic_store(&f->running, -1);
		return NULL;
	}
	while (!atomic_load(&f->stop)) {
		snd_pcm_sframes_t r;

		r = snd_pcm_writei(f->s.pcm, buf, f->s.period);
		if (r == -EAGAIN) {
			snd_pcm_wait(f->s.pcm, 100);
			continue;
		}
		if (r == -EPIPE || r == -ESTRPIPE) {
			if (atomic_load(&f->measuring))
				atomic_fetch_add(&f->xruns, 1);
			snd_pcm_prepare(f->s.pcm);
			continue;
		}
		if (r < 0) {
			fprintf(stderr, "clockbench: feeder: %s\n",
				snd_strerror((int)r));
			atomic_store(&f->running, -1);
			break;
		}
		if (snd_pcm_state(f->s.pcm) == SND_PCM_STATE_RUNNING)
			atomic_store(&f->running, 1);
	}
	free(buf);
	return NULL;
}

/* The bridge's FIFO between the loopback's capture and the card. */
struct fifo {
	unsigned char *data;
	size_t frame_bytes;
	uint64_t size, head, tail;	/* frames; head - tail is the fill */
};

static uint64_t fifo_fill(const struct fifo *q)
{
	return q->head - q->tail;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Busy and total jiffies of all CPUs so far, from /proc/stat. */
static int cpu_stat(double *busy, double *total)
{
	unsigned long long v[10] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n, i;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9]);
	fclose(f);
	if (n < 5)
		return -1;
	*total = 0;
	for (i = 0; i < 8; i++)
		*total += (double)v[i];
	/* idle and iowait */
	*busy = *total - (double)v[3] - (double)v[4];
	return 0;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/*
 * The accumulated drift.  A sample whose position and timestamp the
 * kernel took with a stall of the guest in between (QEMU's TCG on a busy
 * host) stands out alone, a few milliseconds off, and the next sample is
 * back in line: max, fit and series use the median of each sample and
 * its two neighbours, which leaves such spikes out and keeps every step
 * that lasts.
 */
struct drift {
	int have;			/* a previous sample exists */
	unsigned int seg_loop, seg_card;
	double last;			/* raw difference at the last sample */
	double acc;			/* accumulated drift */
	double hist[2], hist_t[2];	/* the two samples before */
	int nhist;
	double max;			/* largest |median of three| */
	double end;			/* the latest median of three */
	double t0, next_series;
	struct fit fit;
};

static double median3(double a, double b, double c)
{
	if (a > b) {
		double t = a;

		a = b;
		b = t;
	}
	/* a <= b */
	return c <= a ? a : c >= b ? b : c;
}

/* Take one (time, drift) point: max, fit and series. */
static void drift_point(struct drift *d, const struct opts *o, double t,
			double v)
{
	if (fabs(v) > d->max)
		d->max = fabs(v);
	d->end = v;
	fit_add(&d->fit, t, v);
	if (t >= d->next_series) {
		printf("series,%.3f,%.1f\n", t, v);
		d->next_series += o->step;
	}
}

static void drift_sample(struct drift *d, const struct opts *o,
			 struct stream *loop, struct stream *card,
			 snd_pcm_status_t *st)
{
	double tl, pl, tc, pc, raw;

	if (stream_position(loop, st, &tl, &pl) < 0 ||
	    stream_position(card, st, &tc, &pc) < 0) {
		d->have = 0;
		return;
	}
	/* the card's position carried to the loopback's timestamp */
	raw = pl - (pc + (tl - tc) * (double)o->rate);
	if (d->have && d->seg_loop == loop->segment &&
	    d->seg_card == card->segment)
		d->acc += raw - d->last;
	if (d->t0 < 0) {
		d->t0 = tl;
		d->next_series = 0;
		drift_point(d, o, 0, d->acc);
	} else if (d->nhist == 2) {
		drift_point(d, o, d->hist_t[1],
			    median3(d->hist[0], d->hist[1], d->acc));
	}
	d->have = 1;
	d->last = raw;
	d->seg_loop = loop->segment;
	d->seg_card = card->segment;
	d->hist[0] = d->hist[1];
	d->hist_t[0] = d->hist_t[1];
	d->hist[1] = d->acc;
	d->hist_t[1] = tl - d->t0;
	if (d->nhist < 2)
		d->nhist++;
}

static int restart(struct stream *s, const void *silence, int measuring);

/*
 * Linked streams stop together on an xrun of either, and prepare and
 * start together: count the xrun on @s, restart both through the card.
 */
static int restart_linked(struct stream *s, struct stream *card,
			  struct stream *loop, const void *silence,
			  int measuring)
{
	int err;

	if (measuring)
		s->xruns++;
	loop->segment++;
	loop->done = 0;
	card->segment++;
	card->done = 0;
	err = snd_pcm_prepare(card->pcm);
	if (err < 0)
		return err;
	err = stream_fill(card, silence, card->buffer);
	if (err < 0)
		return err;
	return snd_pcm_start(card->pcm);
}

static int restart(struct stream *s, const void *silence, int measuring)
{
	int err;

	if (measuring)
		s->xruns++;
	s->segment++;
	s->done = 0;
	err = snd_pcm_prepare(s->pcm);
	if (err < 0)
		return err;
	if (s->dir == SND_PCM_STREAM_PLAYBACK) {
		err = stream_fill(s, silence, s->buffer);
		if (err < 0)
			return err;
	}
	return snd_pcm_start(s->pcm);
}

static int run_bridge(const struct opts *o)
{
	struct feeder f = {
		.s = { .name = "feeder", .dev = o->feed_dev,
		       .dir = SND_PCM_STREAM_PLAYBACK },
		.o = o,
	};
	struct stream loop = { .name = "loopback capture", .dev = o->loop_dev,
			       .dir = SND_PCM_STREAM_CAPTURE };
	struct stream card = { .name = "card playback", .dev = o->card_dev,
			       .dir = SND_PCM_STREAM_PLAYBACK };
	struct drift d = { .t0 = -1 };
	struct fifo q = { 0 };
	snd_pcm_status_t *st = NULL;
	struct pollfd *pfd = NULL;
	unsigned char *scratch = NULL;
	double *intervals = NULL;
	size_t n_int = 0, max_int;
	unsigned long drops = 0, wakeups = 0;
	uint64_t captured = 0;
	int nl, nc, status = 2, err, started = 0, measuring = 0;
	double t_begin, t_meas = 0, t_end = 0, last_irq = -1;
	double cpu0 = 0, busy0 = 0, total0 = 0, busy1, total1;
	double period_s = (double)o->period / (double)o->rate;

	if (stream_open(&card, o, 0) < 0 ||
	    stream_open(&f.s, o, o->period * o->periods) < 0 ||
	    stream_open(&loop, o, 0) < 0)
		goto out;
	if (snd_pcm_status_malloc(&st) < 0)
		goto out;
	q.frame_bytes = loop.frame_bytes;
	q.size = loop.buffer;
	q.data = calloc(q.size, q.frame_bytes);
	scratch = calloc(loop.buffer, loop.frame_bytes);
	max_int = (size_t)((o->warmup + o->duration + 5) / period_s) + 16;
	intervals = calloc(max_int, sizeof(*intervals));
	nl = snd_pcm_poll_descriptors_count(loop.pcm);
	nc = snd_pcm_poll_descriptors_count(card.pcm);
	pfd = calloc((size_t)(nl + nc), sizeof(*pfd));
	if (!q.data || !scratch || !intervals || !pfd || nl <= 0 || nc <= 0) {
		fprintf(stderr, "clockbench: out of memory\n");
		goto out;
	}
	set_rt(o->rt);

	if (o->link) {
		err = snd_pcm_link(card.pcm, loop.pcm);
		if (err < 0) {
			fprintf(stderr, "clockbench: snd_pcm_link %s %s: %s\n",
				card.dev, loop.dev, snd_strerror(err));
			goto out;
		}
		/* hw_params prepared them unlinked: again, linked */
		err = snd_pcm_prepare(card.pcm);
		if (err < 0) {
			fprintf(stderr, "clockbench: preparing the linked streams: %s\n",
				snd_strerror(err));
			goto out;
		}
	}
	/* the card first: a loopback on its clock needs its ticks */
	err = stream_fill(&card, scratch, card.buffer);
	if (err >= 0 && !o->link)
		err = snd_pcm_start(card.pcm);
	if (err < 0) {
		fprintf(stderr, "clockbench: starting %s: %s\n", card.dev,
			snd_strerror(err));
		goto out;
	}
	err = pthread_create(&f.thread, NULL, feeder_main, &f);
	if (err) {
		fprintf(stderr, "clockbench: pthread_create: %s\n",
			strerror(err));
		goto out;
	}
	started = 1;
	t_begin = now_mono();
	while (atomic_load(&f.running) == 0 && now_mono() - t_begin < 5)
		usleep(1000);
	if (atomic_load(&f.running) != 1) {
		fprintf(stderr, "clockbench: the feeder did not start\n");
		status = 1;
		goto out;
	}
	/* linked: starting the card starts the loopback's end too */
	err = snd_pcm_start(o->link ? card.pcm : loop.pcm);
	if (err < 0) {
		fprintf(stderr, "clockbench: starting %s: %s\n",
			o->link ? card.dev : loop.dev, snd_strerror(err));
		goto out;
	}

	status = 1;
	t_begin = now_mono();
	for (;;) {
		snd_pcm_sframes_t avail, r;
		unsigned short rev = 0;
		int npfd = nl;
		double now = now_mono();

		if (!measuring && now - t_begin >= o->warmup) {
			measuring = 1;
			atomic_store(&f.measuring, 1);
			t_meas = now;
			cpu0 = cpu_seconds();
			if (cpu_stat(&busy0, &total0) < 0)
				total0 = -1;
		}
		if (measuring && now - t_meas >= o->duration) {
			t_end = now;
			break;
		}
		if (now - t_begin > o->warmup + o->duration + 10)
			break;

		snd_pcm_poll_descriptors(loop.pcm, pfd, (unsigned int)nl);
		if (fifo_fill(&q) > 0) {
			snd_pcm_poll_descriptors(card.pcm, pfd + nl,
						 (unsigned int)nc);
			npfd += nc;
		}
		poll(pfd, (nfds_t)npfd, 50);
		snd_pcm_poll_descriptors_revents(loop.pcm, pfd,
						 (unsigned int)nl, &rev);

		if (rev & POLLIN) {
			snd_pcm_uframes_t av;
			snd_htimestamp_t ts;

			/* the last period interrupt's time, no new update */
			if (snd_pcm_htimestamp(loop.pcm, &av, &ts) == 0) {
				double t = ts_sec(&ts);

				if (measuring && last_irq >= 0 &&
				    t != last_irq && n_int < max_int)
					intervals[n_int++] = t - last_irq;
				if (t != last_irq) {
					last_irq = t;
					if (measuring)
						wakeups++;
				}
			}
		}
		/* once a capture period: a stalled loopback shows as such */
		if (measuring && (rev & POLLIN))
			drift_sample(&d, o, &loop, &card, st);

		/*
		 * Loopback capture into the FIFO, whole periods only, as a
		 * bridge working in periods does: what is left makes the
		 * next period interrupt the next wake-up.
		 */
		avail = snd_pcm_avail_update(loop.pcm);
		if (avail == -EPIPE || avail == -ESTRPIPE) {
			err = o->link ?
			      restart_linked(&loop, &card, &loop, scratch,
					     measuring) :
			      restart(&loop, scratch, measuring);
			if (err < 0)
				goto fail_io;
			d.have = 0;
			avail = 0;
		} else if (avail < 0) {
			err = (int)avail;
			goto fail_io;
		}
		avail -= avail % (snd_pcm_sframes_t)loop.period;
		while (avail > 0) {
			uint64_t space = q.size - fifo_fill(&q);
			uint64_t at = q.head % q.size;
			snd_pcm_uframes_t n = (snd_pcm_uframes_t)avail;
			void *dst;

			if (!space) {
				/* nowhere to put it: read and drop */
				dst = scratch;
				if (n > loop.buffer)
					n = loop.buffer;
			} else {
				dst = q.data + at * q.frame_bytes;
				if (n > space)
					n = (snd_pcm_uframes_t)space;
				if (n > q.size - at)
					n = (snd_pcm_uframes_t)(q.size - at);
			}
			r = snd_pcm_readi(loop.pcm, dst, n);
			if (r == -EAGAIN || r == 0)
				break;
			if (r == -EPIPE || r == -ESTRPIPE) {
				err = o->link ?
			      restart_linked(&loop, &card, &loop, scratch,
					     measuring) :
			      restart(&loop, scratch, measuring);
				if (err < 0)
					goto fail_io;
				d.have = 0;
				break;
			}
			if (r < 0) {
				err = (int)r;
				goto fail_io;
			}
			loop.done += (uint64_t)r;
			if (measuring)
				captured += (uint64_t)r;
			if (space)
				q.head += (uint64_t)r;
			else if (measuring)
				drops++;
			avail -= r;
		}

		/* the FIFO into the card */
		avail = snd_pcm_avail_update(card.pcm);
		if (avail == -EPIPE || avail == -ESTRPIPE ||
		    snd_pcm_state(card.pcm) == SND_PCM_STATE_XRUN) {
			err = o->link ?
			      restart_linked(&card, &card, &loop, scratch,
					     measuring) :
			      restart(&card, scratch, measuring);
			if (err < 0)
				goto fail_io;
			d.have = 0;
			avail = 0;
		} else if (avail < 0) {
			err = (int)avail;
			goto fail_io;
		}
		while (avail > 0 && fifo_fill(&q) > 0) {
			uint64_t at = q.tail % q.size;
			uint64_t n = fifo_fill(&q);

			if (n > (uint64_t)avail)
				n = (uint64_t)avail;
			if (n > q.size - at)
				n = q.size - at;
			r = snd_pcm_writei(card.pcm, q.data + at * q.frame_bytes,
					   (snd_pcm_uframes_t)n);
			if (r == -EAGAIN || r == 0)
				break;
			if (r == -EPIPE || r == -ESTRPIPE) {
				err = o->link ?
			      restart_linked(&card, &card, &loop, scratch,
					     measuring) :
			      restart(&card, scratch, measuring);
				if (err < 0)
					goto fail_io;
				d.have = 0;
				break;
			}
			if (r < 0) {
				err = (int)r;
				goto fail_io;
			}
			card.done += (uint64_t)r;
			q.tail += (uint64_t)r;
			avail -= r;
		}
	}

	if (!t_end || !captured || d.fit.n < 2) {
		fprintf(stderr, "clockbench: the streams did not run (captured %llu frames, %.0f drift samples)\n",
			(unsigned long long)captured, d.fit.n);
		goto out;
	}
	{
		double secs = t_end - t_meas, cpu = cpu_seconds() - cpu0;
		double periods = (double)captured / (double)o->period;
		double mean = 0, var = 0, wmax = 0, p99 = 0, busy = -1;
		size_t i;

		for (i = 0; i < n_int; i++)
			mean += intervals[i];
		mean = n_int ? mean / (double)n_int : 0;
		for (i = 0; i < n_int; i++) {
			var += (intervals[i] - mean) * (intervals[i] - mean);
			if (intervals[i] > wmax)
				wmax = intervals[i];
			intervals[i] = fabs(intervals[i] - mean);
		}
		var = n_int > 1 ? var / (double)(n_int - 1) : 0;
		if (n_int) {
			qsort(intervals, n_int, sizeof(*intervals), cmp_double);
			p99 = intervals[(size_t)((double)(n_int - 1) * 0.99)];
		}
		if (total0 >= 0 && cpu_stat(&busy1, &total1) == 0 &&
		    total1 > total0)
			busy = 100 * (busy1 - busy0) / (total1 - total0);
		printf("summary,%lu,%lu,%.3f,%llu,%.1f,%.1f,%.3f,%+.1f,%lu,%lu,%lu,%lu,%lu,%.3f,%.3f,%.3f,%.3f,%.2f,%.1f,%.1f\n",
		       o->period, o->period * o->periods, secs,
		       (unsigned long long)captured, d.end, d.max,
		       d.max / (double)o->period,
		       fit_slope(&d.fit) / (double)o->rate * 1e6,
		       loop.xruns, card.xruns, atomic_load(&f.xruns), drops,
		       wakeups, mean / period_s, sqrt(var) / period_s,
		       p99 / period_s, wmax / period_s, 100 * cpu / secs,
		       cpu / periods * 1e6, busy);
	}
	status = 0;
	goto out;

fail_io:
	fprintf(stderr, "clockbench: bridge I/O: %s\n", snd_strerror(err));
out:
	if (started) {
		atomic_store(&f.stop, 1);
		pthread_join(f.thread, NULL);
	}
	stream_close(&loop);
	stream_close(&f.s);
	stream_close(&card);
	snd_pcm_status_free(st);
	free(pfd);
	free(intervals);
	free(scratch);
	free(q.data);
	return status;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct sigaction sa;
	const char *mode;
	int status;

	if (argc >= 2 && !strcmp(argv[1], "--header")) {
		printf("%s\n", SUMMARY_FIELDS);
		return 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || (strcmp(argv[1], "rate") && strcmp(argv[1], "bridge"))) {
		usage(stderr);
		return 2;
	}
	mode = argv[1];
	memset(&o, 0, sizeof(o));
	if (parse_args(argc - 1, argv + 1, &o))
		return 2;
	if (optind + 1 < argc) {
		fprintf(stderr, "clockbench: unexpected argument '%s'\n",
			argv[optind + 1]);
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned int)(o.warmup + o.duration) + 30);

	setvbuf(stdout, NULL, _IOLBF, 0);
	status = !strcmp(mode, "rate") ? run_rate(&o) : run_bridge(&o);
	snd_config_update_free_global();
	return status;
}
