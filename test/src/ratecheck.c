// SPDX-License-Identifier: GPL-2.0
/*
 * ratecheck - measure how fast one end of a loopback cable consumes (or
 * produces) frames, optionally after setting the cable's
 * "PCM Rate Shift 100000" control, and compare with the expected rate.
 *
 * The rate is measured as frames moved by the hardware pointer divided by
 * CLOCK_MONOTONIC time elapsed, after a warm-up, over --duration seconds.
 *
 * Exit status: 0 within tolerance, 1 outside tolerance or xrun, 2 setup
 * error, 3 timeout.
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "common.h"

#define RATE_SHIFT_NAME "PCM Rate Shift 100000"

struct opts {
	const char *dev;
	snd_pcm_stream_t stream;
	snd_pcm_format_t format;
	unsigned long rate, channels, period, buffer;
	unsigned long shift;		/* 0: leave the control alone */
	long ctl_device;		/* -1: derive from the PCM */
	double expect;			/* 0: 100000 / shift */
	double tolerance;		/* percent */
	double duration, warmup;
	int restore;
};

static void on_alarm(int sig)
{
	static const char msg[] =
		"ratecheck: TIMEOUT (watchdog): a call did not return\n";
	ssize_t r;

	(void)sig;
	r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)r;
	_exit(3);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ratecheck [OPTION]...\n"
"Run one end of a loopback cable and measure the rate at which its\n"
"hardware pointer moves, optionally with \"" RATE_SHIFT_NAME "\" set.\n"
"\n"
"  -D, --device=PCM       PCM to run (default hw:Loopback,0,0)\n"
"      --capture          open it as capture (default playback)\n"
"  -f, --format=FMT       sample format (default S16_LE)\n"
"  -r, --rate=HZ          nominal rate (default 48000)\n"
"  -c, --channels=N       channels (default 2)\n"
"  -p, --period=FRAMES    period size (default rate/20, near)\n"
"  -b, --buffer=FRAMES    buffer size (default 8 periods, near)\n"
"  -S, --shift=VALUE      write VALUE to the cable's rate shift control\n"
"                         before starting (default: leave it alone)\n"
"      --ctl-device=N     element device of the control (default: the\n"
"                         cable's capture-side PCM device, as upstream:\n"
"                         playback on device D uses D^1, capture on D uses D)\n"
"      --no-restore       keep the written shift (default: restore it)\n"
"  -e, --expect=RATIO     expected measured/nominal ratio (default\n"
"                         100000/shift, 1 without --shift)\n"
"  -T, --tolerance=PCT    allowed deviation in percent (default 2)\n"
"  -d, --duration=SEC     measuring time (default 3)\n"
"  -w, --warmup=SEC       time before measuring starts (default 0.5)\n"
"  -h, --help             show this help\n"
"\n"
"Prints \"ratecheck: OK|FAIL ratio=R expected=E ...\".  Exit status: 0\n"
"within tolerance, 1 outside or xrun, 2 setup error, 3 timeout.\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_CAPTURE = 256, OPT_CTLDEV, OPT_NORESTORE };
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "capture", no_argument, NULL, OPT_CAPTURE },
		{ "format", required_argument, NULL, 'f' },
		{ "rate", required_argument, NULL, 'r' },
		{ "channels", required_argument, NULL, 'c' },
		{ "period", required_argument, NULL, 'p' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "shift", required_argument, NULL, 'S' },
		{ "ctl-device", required_argument, NULL, OPT_CTLDEV },
		{ "no-restore", no_argument, NULL, OPT_NORESTORE },
		{ "expect", required_argument, NULL, 'e' },
		{ "tolerance", required_argument, NULL, 'T' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long ul;
	int c;

	memset(o, 0, sizeof(*o));
	o->dev = "hw:Loopback,0,0";
	o->stream = SND_PCM_STREAM_PLAYBACK;
	o->format = SND_PCM_FORMAT_S16_LE;
	o->rate = 48000;
	o->channels = 2;
	o->ctl_device = -1;
	o->tolerance = 2;
	o->duration = 3;
	o->warmup = 0.5;
	o->restore = 1;

	while ((c = getopt_long(argc, argv, "D:f:r:c:p:b:S:e:T:d:w:h",
				longopts, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'D':
			o->dev = optarg;
			break;
		case OPT_CAPTURE:
			o->stream = SND_PCM_STREAM_CAPTURE;
			break;
		case 'f':
			o->format = snd_pcm_format_value(optarg);
			bad = o->format == SND_PCM_FORMAT_UNKNOWN;
			break;
		case 'r':
			bad = parse_uint(optarg, 1, 10000000, &o->rate);
			break;
		case 'c':
			bad = parse_uint(optarg, 1, 1024, &o->channels);
			break;
		case 'p':
			bad = parse_uint(optarg, 1, 1UL << 24, &o->period);
			break;
		case 'b':
			bad = parse_uint(optarg, 1, 1UL << 24, &o->buffer);
			break;
		case 'S':
			bad = parse_uint(optarg, 1, LONG_MAX, &o->shift);
			break;
		case OPT_CTLDEV:
			bad = parse_uint(optarg, 0, 1000, &ul);
			o->ctl_device = (long)ul;
			break;
		case OPT_NORESTORE:
			o->restore = 0;
			break;
		case 'e':
			bad = parse_double(optarg, 0.001, 1000, &o->expect);
			break;
		case 'T':
			bad = parse_double(optarg, 0, 100, &o->tolerance);
			break;
		case 'd':
			bad = parse_double(optarg, 0.1, 3600, &o->duration);
			break;
		case 'w':
			bad = parse_double(optarg, 0, 3600, &o->warmup);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "ratecheck: invalid argument '%s'\n",
				optarg);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ratecheck: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	if (!o->expect)
		o->expect = o->shift ? 100000.0 / (double)o->shift : 1.0;
	return 0;
}

/* Read or write the rate shift control; *val in/out. */
static int rate_shift_io(snd_ctl_t *ctl, unsigned int device,
			 unsigned int subdevice, long *val, int write)
{
	snd_ctl_elem_value_t *v;
	int err;

	err = snd_ctl_elem_value_malloc(&v);
	if (err < 0)
		return err;
	snd_ctl_elem_value_set_interface(v, SND_CTL_ELEM_IFACE_PCM);
	snd_ctl_elem_value_set_name(v, RATE_SHIFT_NAME);
	snd_ctl_elem_value_set_device(v, device);
	snd_ctl_elem_value_set_subdevice(v, subdevice);
	if (write) {
		snd_ctl_elem_value_set_integer(v, 0, *val);
		err = snd_ctl_elem_write(ctl, v);
	} else {
		err = snd_ctl_elem_read(ctl, v);
		if (err >= 0)
			*val = snd_ctl_elem_value_get_integer(v, 0);
	}
	snd_ctl_elem_value_free(v);
	return err;
}

#define FAIL(call, err) do {						\
	fprintf(stderr, "ratecheck: %s: %s failed: %s\n", o.dev, call,	\
		snd_strerror(err));					\
	goto out;							\
} while (0)

int main(int argc, char **argv)
{
	struct opts o;
	snd_pcm_t *pcm = NULL;
	snd_pcm_hw_params_t *hw = NULL;
	snd_pcm_sw_params_t *sw = NULL;
	snd_pcm_info_t *info = NULL;
	snd_ctl_t *ctl = NULL;
	snd_pcm_uframes_t period, buffer;
	unsigned char *buf = NULL;
	unsigned long long moved = 0, pos0 = 0;
	long old_shift = 0, cur_shift = 0;
	unsigned int ctl_dev = 0, ctl_sub = 0;
	int err, dir, status = 2, shift_written = 0, measuring = 0;
	double t_start, t0 = 0, t1, ratio;
	size_t frame_bytes;
	struct sigaction sa;
	char ctlname[32], what[96];

	if (parse_args(argc, argv, &o))
		return 2;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned int)(o.warmup + o.duration) + 15);

	err = snd_pcm_open(&pcm, o.dev, o.stream, SND_PCM_NONBLOCK);
	if (err < 0) {
		pcm = NULL;
		FAIL("snd_pcm_open", err);
	}
	err = snd_pcm_info_malloc(&info);
	if (err < 0)
		FAIL("snd_pcm_info_malloc", err);
	err = snd_pcm_info(pcm, info);
	if (err < 0)
		FAIL("snd_pcm_info", err);

	if (o.shift) {
		int card = snd_pcm_info_get_card(info);
		unsigned int pdev = snd_pcm_info_get_device(info);

		if (card < 0) {
			fprintf(stderr, "ratecheck: %s is not a hardware PCM\n",
				o.dev);
			goto out;
		}
		ctl_sub = snd_pcm_info_get_subdevice(info);
		if (o.ctl_device >= 0)
			ctl_dev = (unsigned int)o.ctl_device;
		else
			ctl_dev = o.stream == SND_PCM_STREAM_PLAYBACK ?
				  pdev ^ 1 : pdev;
		snprintf(ctlname, sizeof(ctlname), "hw:%d", card);
		err = snd_ctl_open(&ctl, ctlname, 0);
		if (err < 0) {
			ctl = NULL;
			FAIL("snd_ctl_open", err);
		}
		err = rate_shift_io(ctl, ctl_dev, ctl_sub, &old_shift, 0);
		if (err < 0) {
			fprintf(stderr, "ratecheck: reading iface=PCM,name='%s',device=%u,subdevice=%u failed: %s\n",
				RATE_SHIFT_NAME, ctl_dev, ctl_sub,
				snd_strerror(err));
			goto out;
		}
		cur_shift = (long)o.shift;
		err = rate_shift_io(ctl, ctl_dev, ctl_sub, &cur_shift, 1);
		if (err < 0) {
			fprintf(stderr, "ratecheck: writing %lu to iface=PCM,name='%s',device=%u,subdevice=%u failed: %s\n",
				o.shift, RATE_SHIFT_NAME, ctl_dev, ctl_sub,
				snd_strerror(err));
			goto out;
		}
		shift_written = 1;
		err = rate_shift_io(ctl, ctl_dev, ctl_sub, &cur_shift, 0);
		if (err < 0)
			FAIL("reading back the rate shift", err);
		if (cur_shift != (long)o.shift) {
			fprintf(stderr, "ratecheck: rate shift reads back %ld after writing %lu\n",
				cur_shift, o.shift);
			goto out;
		}
	}

	err = snd_pcm_hw_params_malloc(&hw);
	if (err < 0)
		FAIL("snd_pcm_hw_params_malloc", err);
	err = snd_pcm_sw_params_malloc(&sw);
	if (err < 0)
		FAIL("snd_pcm_sw_params_malloc", err);
	err = hw_params_base(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED, NULL,
			     o.format, (unsigned int)o.channels,
			     (unsigned int)o.rate, what, sizeof(what));
	if (err < 0)
		FAIL(what, err);
	period = o.period ? o.period : o.rate / 20;
	dir = 0;
	err = o.period ? snd_pcm_hw_params_set_period_size(pcm, hw, period, 0)
		       : snd_pcm_hw_params_set_period_size_near(pcm, hw,
								&period, &dir);
	if (err < 0)
		FAIL("snd_pcm_hw_params_set_period_size", err);
	buffer = o.buffer ? o.buffer : 8 * period;
	err = o.buffer ? snd_pcm_hw_params_set_buffer_size(pcm, hw, buffer)
		       : snd_pcm_hw_params_set_buffer_size_near(pcm, hw,
								&buffer);
	if (err < 0)
		FAIL("snd_pcm_hw_params_set_buffer_size", err);
	err = snd_pcm_hw_params(pcm, hw);
	if (err < 0)
		FAIL("snd_pcm_hw_params", err);
	snd_pcm_hw_params_get_period_size(hw, &period, &dir);
	snd_pcm_hw_params_get_buffer_size(hw, &buffer);
	err = snd_pcm_sw_params_current(pcm, sw);
	if (err < 0)
		FAIL("snd_pcm_sw_params_current", err);
	err = snd_pcm_sw_params_set_avail_min(pcm, sw, period);
	if (err < 0)
		FAIL("snd_pcm_sw_params_set_avail_min", err);
	err = snd_pcm_sw_params_set_start_threshold(pcm, sw, buffer);
	if (err < 0)
		FAIL("snd_pcm_sw_params_set_start_threshold", err);
	err = snd_pcm_sw_params(pcm, sw);
	if (err < 0)
		FAIL("snd_pcm_sw_params", err);

	frame_bytes = (size_t)snd_pcm_format_physical_width(o.format) / 8 *
		      o.channels;
	buf = calloc(buffer, frame_bytes);
	if (!buf) {
		fprintf(stderr, "ratecheck: out of memory\n");
		goto out;
	}
	err = snd_pcm_format_set_silence(o.format, buf,
					 (unsigned int)(buffer * o.channels));
	if (err < 0)
		FAIL("snd_pcm_format_set_silence", err);

	if (o.stream == SND_PCM_STREAM_CAPTURE) {
		err = snd_pcm_start(pcm);
		if (err < 0)
			FAIL("snd_pcm_start", err);
	}
	t_start = now_mono();
	status = 1;
	for (;;) {
		snd_pcm_sframes_t avail, r;
		double t;

		/*
		 * Keep the buffer full (playback) or empty (capture); the
		 * frames the hardware has moved are then the frames we
		 * moved plus what is pending in the buffer.
		 */
		avail = snd_pcm_avail(pcm);
		t = now_mono();
		if (avail < 0) {
			printf("ratecheck: FAIL %s: %s after %.3f s\n", o.dev,
			       avail == -EPIPE ? "xrun" : snd_strerror((int)avail),
			       t - t_start);
			goto out;
		}
		if (snd_pcm_state(pcm) == SND_PCM_STATE_RUNNING) {
			unsigned long long hw_pos =
				o.stream == SND_PCM_STREAM_PLAYBACK ?
				moved + (unsigned long long)avail - buffer :
				moved + (unsigned long long)avail;

			if (!measuring && t - t_start >= o.warmup) {
				measuring = 1;
				t0 = t;
				pos0 = hw_pos;
			} else if (measuring && t - t0 >= o.duration) {
				t1 = t;
				ratio = (double)(hw_pos - pos0) /
					((t1 - t0) * (double)o.rate);
				status = ratio >= o.expect * (1 - o.tolerance / 100) &&
					 ratio <= o.expect * (1 + o.tolerance / 100) ? 0 : 1;
				printf("ratecheck: %s %s %s rate=%lu shift=%ld ratio=%.5f expected=%.5f tolerance=%.2f%% frames=%llu seconds=%.3f period=%lu buffer=%lu\n",
				       status ? "FAIL" : "OK", o.dev,
				       snd_pcm_stream_name(o.stream), o.rate,
				       o.shift ? cur_shift : 0L, ratio, o.expect,
				       o.tolerance, hw_pos - pos0, t1 - t0,
				       (unsigned long)period,
				       (unsigned long)buffer);
				break;
			}
		}
		while (avail > 0) {
			if (o.stream == SND_PCM_STREAM_PLAYBACK)
				r = snd_pcm_writei(pcm, buf,
						   (snd_pcm_uframes_t)avail);
			else
				r = snd_pcm_readi(pcm, buf,
						  (snd_pcm_uframes_t)avail);
			if (r == -EAGAIN || r == 0)
				break;
			if (r < 0) {
				printf("ratecheck: FAIL %s: %s\n", o.dev,
				       r == -EPIPE ? "xrun" : snd_strerror((int)r));
				goto out;
			}
			moved += (unsigned long long)r;
			avail -= r;
		}
		if (t - t_start > o.warmup + o.duration + 10) {
			printf("ratecheck: FAIL %s: stream did not run\n",
			       o.dev);
			status = 3;
			goto out;
		}
		/* sleep at most a period, but wake often enough to take
		 * the end time precisely */
		snd_pcm_wait(pcm, 20);
	}
out:
	if (pcm)
		snd_pcm_drop(pcm);
	if (shift_written && o.restore &&
	    rate_shift_io(ctl, ctl_dev, ctl_sub, &old_shift, 1) < 0)
		fprintf(stderr, "ratecheck: restoring the rate shift failed\n");
	free(buf);
	snd_pcm_hw_params_free(hw);
	snd_pcm_sw_params_free(sw);
	snd_pcm_info_free(info);
	if (pcm)
		snd_pcm_close(pcm);
	if (ctl)
		snd_ctl_close(ctl);
	snd_config_update_free_global();
	return status;
}
