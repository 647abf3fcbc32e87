// SPDX-License-Identifier: GPL-2.0
/*
 * constraints - show how configuring one end of a loopback cable restricts
 * the hardware parameters the other end may choose.
 *
 * Opens the first end (playback by default), sets its hw_params (alsa-lib
 * also prepares it), then opens the other end and prints the parameter
 * space it is offered.  Checks that exactly the parameters named by
 * --expect are locked to the first end's values and that the others still
 * allow the first end's value and at least one more.
 *
 * Exit status: 0 as expected, 1 not as expected, 2 setup error.
 */
#include <getopt.h>

#include "common.h"

enum { P_FORMAT, P_RATE, P_CHANNELS, P_PERIOD, P_BUFFER, P_COUNT };

static const char *const pnames[P_COUNT] = {
	"format", "rate", "channels", "period", "buffer",
};

struct opts {
	const char *play_dev, *cap_dev;
	snd_pcm_format_t format;
	unsigned long rate, channels, period, buffer;
	snd_pcm_access_t access;
	int capture_first, open_only, close_first;
	unsigned int expect;	/* bit per P_* */
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: constraints [OPTION]...\n"
"Configure one end of a loopback cable, then print the hw_params space\n"
"the other end is offered and check which parameters are locked.\n"
"\n"
"  -D, --device=PCM       playback PCM (default hw:Loopback,0,0)\n"
"  -C, --capture=PCM      capture PCM (default hw:Loopback,1,0)\n"
"      --capture-first    configure the capture end, query the playback\n"
"                         end (default: the other way round)\n"
"  -f, --format=FMT       first end's format (default S16_LE)\n"
"  -r, --rate=HZ          first end's rate (default 48000)\n"
"  -c, --channels=N       first end's channels (default 2)\n"
"  -A, --access=MODE      first end's access: rw-interleaved (default),\n"
"                         rw-noninterleaved, mmap-interleaved,\n"
"                         mmap-noninterleaved\n"
"  -p, --period=FRAMES    first end's period size (default 1024)\n"
"  -b, --buffer=FRAMES    first end's buffer size (default 4096)\n"
"      --open-only        open the first end but do not configure it\n"
"      --close-first      close the first end before querying the other\n"
"  -e, --expect=LIST      parameters that must be locked to the first\n"
"                         end's value: comma list of format, rate,\n"
"                         channels, period, buffer, or \"none\"\n"
"                         (default format,rate,channels)\n"
"  -h, --help             show this help\n"
"\n"
"Output lines: \"first: ...\", \"other: ...\", \"locked: format=yes|no\n"
"rate=... channels=... period=... buffer=...\" and \"constraints: OK\" or\n"
"\"constraints: FAIL ...\".  Exit status: 0 as expected, 1 not as\n"
"expected, 2 setup error.\n");
}

static int parse_expect(const char *s, unsigned int *out)
{
	char buf[128], *tok, *save = NULL;
	unsigned int m = 0, i;

	if (!strcmp(s, "none")) {
		*out = 0;
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < P_COUNT; i++)
			if (!strcmp(tok, pnames[i]))
				break;
		if (i == P_COUNT)
			return -1;
		m |= 1U << i;
	}
	*out = m;
	return 0;
}

static int parse_access(const char *s, snd_pcm_access_t *a)
{
	if (!strcmp(s, "rw-interleaved"))
		*a = SND_PCM_ACCESS_RW_INTERLEAVED;
	else if (!strcmp(s, "rw-noninterleaved"))
		*a = SND_PCM_ACCESS_RW_NONINTERLEAVED;
	else if (!strcmp(s, "mmap-interleaved"))
		*a = SND_PCM_ACCESS_MMAP_INTERLEAVED;
	else if (!strcmp(s, "mmap-noninterleaved"))
		*a = SND_PCM_ACCESS_MMAP_NONINTERLEAVED;
	else
		return -1;
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	enum { OPT_CFIRST = 256, OPT_OPENONLY, OPT_CLOSEFIRST };
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "capture", required_argument, NULL, 'C' },
		{ "capture-first", no_argument, NULL, OPT_CFIRST },
		{ "format", required_argument, NULL, 'f' },
		{ "rate", required_argument, NULL, 'r' },
		{ "channels", required_argument, NULL, 'c' },
		{ "access", required_argument, NULL, 'A' },
		{ "period", required_argument, NULL, 'p' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "open-only", no_argument, NULL, OPT_OPENONLY },
		{ "close-first", no_argument, NULL, OPT_CLOSEFIRST },
		{ "expect", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->play_dev = "hw:Loopback,0,0";
	o->cap_dev = "hw:Loopback,1,0";
	o->format = SND_PCM_FORMAT_S16_LE;
	o->rate = 48000;
	o->channels = 2;
	o->period = 1024;
	o->buffer = 4096;
	o->access = SND_PCM_ACCESS_RW_INTERLEAVED;
	o->expect = (1U << P_FORMAT) | (1U << P_RATE) | (1U << P_CHANNELS);

	while ((c = getopt_long(argc, argv, "D:C:f:r:c:A:p:b:e:h", longopts,
				NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'D':
			o->play_dev = optarg;
			break;
		case 'C':
			o->cap_dev = optarg;
			break;
		case OPT_CFIRST:
			o->capture_first = 1;
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
		case 'A':
			bad = parse_access(optarg, &o->access);
			break;
		case 'p':
			bad = parse_uint(optarg, 1, 1UL << 24, &o->period);
			break;
		case 'b':
			bad = parse_uint(optarg, 1, 1UL << 24, &o->buffer);
			break;
		case OPT_OPENONLY:
			o->open_only = 1;
			break;
		case OPT_CLOSEFIRST:
			o->close_first = 1;
			break;
		case 'e':
			bad = parse_expect(optarg, &o->expect);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "constraints: invalid argument '%s'\n",
				optarg);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "constraints: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

#define FAIL(call, err) do {						\
	fprintf(stderr, "constraints: %s %s: %s failed: %s\n", dev,	\
		snd_pcm_stream_name(stream), call, snd_strerror(err));	\
	goto out;							\
} while (0)

/* Open and configure the first end. */
static int configure_first(const struct opts *o, const char *dev,
			   snd_pcm_stream_t stream, snd_pcm_t **pcmp)
{
	snd_pcm_hw_params_t *hw = NULL;
	char what[96];
	int err;

	err = snd_pcm_open(pcmp, dev, stream, SND_PCM_NONBLOCK);
	if (err < 0) {
		*pcmp = NULL;
		FAIL("snd_pcm_open", err);
	}
	if (o->open_only)
		return 0;
	err = snd_pcm_hw_params_malloc(&hw);
	if (err < 0)
		FAIL("snd_pcm_hw_params_malloc", err);
	err = hw_params_base(*pcmp, hw, o->access, NULL, o->format,
			     (unsigned int)o->channels, (unsigned int)o->rate,
			     what, sizeof(what));
	if (err < 0)
		FAIL(what, err);
	err = snd_pcm_hw_params_set_period_size(*pcmp, hw, o->period, 0);
	if (err < 0)
		FAIL("snd_pcm_hw_params_set_period_size", err);
	err = snd_pcm_hw_params_set_buffer_size(*pcmp, hw, o->buffer);
	if (err < 0)
		FAIL("snd_pcm_hw_params_set_buffer_size", err);
	err = snd_pcm_hw_params(*pcmp, hw);
	if (err < 0)
		FAIL("snd_pcm_hw_params", err);
out:
	snd_pcm_hw_params_free(hw);
	return err;
}

struct range {
	unsigned long min, max;
	int has;		/* the first end's value is allowed */
};

int main(int argc, char **argv)
{
	struct opts o;
	snd_pcm_t *first = NULL, *other = NULL;
	snd_pcm_hw_params_t *hw = NULL;
	snd_pcm_format_mask_t *fmask = NULL;
	snd_pcm_stream_t fstream, ostream, stream;
	const char *fdev, *odev, *dev;
	struct range r[P_COUNT];
	unsigned long want[P_COUNT];
	unsigned int nformats = 0, i, umin, umax;
	snd_pcm_uframes_t fmin, fmax;
	int err, dir, status = 2, locked[P_COUNT];
	char failmsg[256] = "";
	size_t used = 0;

	if (parse_args(argc, argv, &o))
		return 2;
	fstream = o.capture_first ? SND_PCM_STREAM_CAPTURE :
				    SND_PCM_STREAM_PLAYBACK;
	ostream = o.capture_first ? SND_PCM_STREAM_PLAYBACK :
				    SND_PCM_STREAM_CAPTURE;
	fdev = o.capture_first ? o.cap_dev : o.play_dev;
	odev = o.capture_first ? o.play_dev : o.cap_dev;

	if (configure_first(&o, fdev, fstream, &first) < 0)
		goto out;
	printf("first: %s %s", fdev, snd_pcm_stream_name(fstream));
	if (o.open_only)
		printf(" open-only");
	else
		printf(" format=%s rate=%lu channels=%lu period=%lu buffer=%lu",
		       snd_pcm_format_name(o.format), o.rate, o.channels,
		       o.period, o.buffer);
	if (o.close_first) {
		snd_pcm_close(first);
		first = NULL;
		printf(" (closed)");
	}
	printf("\n");

	dev = odev;
	stream = ostream;
	err = snd_pcm_open(&other, odev, ostream, SND_PCM_NONBLOCK);
	if (err < 0) {
		other = NULL;
		FAIL("snd_pcm_open", err);
	}
	err = snd_pcm_hw_params_malloc(&hw);
	if (err < 0)
		FAIL("snd_pcm_hw_params_malloc", err);
	err = snd_pcm_format_mask_malloc(&fmask);
	if (err < 0)
		FAIL("snd_pcm_format_mask_malloc", err);
	err = snd_pcm_hw_params_any(other, hw);
	if (err < 0)
		FAIL("snd_pcm_hw_params_any", err);

	want[P_FORMAT] = (unsigned long)o.format;
	want[P_RATE] = o.rate;
	want[P_CHANNELS] = o.channels;
	want[P_PERIOD] = o.period;
	want[P_BUFFER] = o.buffer;

	snd_pcm_hw_params_get_format_mask(hw, fmask);
	printf("other: %s %s formats=", odev, snd_pcm_stream_name(ostream));
	for (i = 0; i <= (unsigned int)SND_PCM_FORMAT_LAST; i++) {
		if (snd_pcm_format_mask_test(fmask, (snd_pcm_format_t)i)) {
			printf("%s%s", nformats ? "," : "",
			       snd_pcm_format_name((snd_pcm_format_t)i));
			nformats++;
		}
	}
	r[P_FORMAT].has = snd_pcm_format_mask_test(fmask, o.format) != 0;
	r[P_FORMAT].min = r[P_FORMAT].max = (unsigned long)o.format;
	if (nformats != 1)
		r[P_FORMAT].max = r[P_FORMAT].min + 1;	/* "not a single one" */

	err = snd_pcm_hw_params_get_rate_min(hw, &umin, &dir);
	if (!err)
		err = snd_pcm_hw_params_get_rate_max(hw, &umax, &dir);
	if (err < 0)
		FAIL("snd_pcm_hw_params_get_rate_min/max", err);
	r[P_RATE].min = umin;
	r[P_RATE].max = umax;
	err = snd_pcm_hw_params_get_channels_min(hw, &umin);
	if (!err)
		err = snd_pcm_hw_params_get_channels_max(hw, &umax);
	if (err < 0)
		FAIL("snd_pcm_hw_params_get_channels_min/max", err);
	r[P_CHANNELS].min = umin;
	r[P_CHANNELS].max = umax;
	err = snd_pcm_hw_params_get_period_size_min(hw, &fmin, &dir);
	if (!err)
		err = snd_pcm_hw_params_get_period_size_max(hw, &fmax, &dir);
	if (err < 0)
		FAIL("snd_pcm_hw_params_get_period_size_min/max", err);
	r[P_PERIOD].min = fmin;
	r[P_PERIOD].max = fmax;
	err = snd_pcm_hw_params_get_buffer_size_min(hw, &fmin);
	if (!err)
		err = snd_pcm_hw_params_get_buffer_size_max(hw, &fmax);
	if (err < 0)
		FAIL("snd_pcm_hw_params_get_buffer_size_min/max", err);
	r[P_BUFFER].min = fmin;
	r[P_BUFFER].max = fmax;
	for (i = P_RATE; i < P_COUNT; i++)
		r[i].has = r[i].min <= want[i] && want[i] <= r[i].max;
	printf(" rate=%lu-%lu channels=%lu-%lu period=%lu-%lu buffer=%lu-%lu\n",
	       r[P_RATE].min, r[P_RATE].max, r[P_CHANNELS].min,
	       r[P_CHANNELS].max, r[P_PERIOD].min, r[P_PERIOD].max,
	       r[P_BUFFER].min, r[P_BUFFER].max);

	printf("locked:");
	for (i = 0; i < P_COUNT; i++) {
		locked[i] = r[i].has && r[i].min == want[i] &&
			    r[i].max == want[i];
		printf(" %s=%s", pnames[i], locked[i] ? "yes" : "no");
	}
	printf("\n");

	status = 0;
	for (i = 0; i < P_COUNT; i++) {
		const char *why = NULL;

		if (!r[i].has)
			why = "excludes the first end's value";
		else if ((o.expect >> i & 1) && !locked[i])
			why = "not locked";
		else if (!(o.expect >> i & 1) && locked[i])
			why = "locked";
		if (why && used < sizeof(failmsg)) {
			used += (size_t)snprintf(failmsg + used,
						 sizeof(failmsg) - used,
						 " %s %s;", pnames[i], why);
			status = 1;
		}
	}
	if (o.open_only || o.close_first) {
		/* "has" is meaningless without a configured first end:
		 * only the lock state counts */
		status = 0;
		used = 0;
		failmsg[0] = 0;
		for (i = 0; i < P_COUNT; i++) {
			if ((o.expect >> i & 1) != (unsigned int)locked[i] &&
			    used < sizeof(failmsg)) {
				used += (size_t)snprintf(failmsg + used,
					sizeof(failmsg) - used, " %s %s;",
					pnames[i],
					locked[i] ? "locked" : "not locked");
				status = 1;
			}
		}
	}
	printf("constraints: %s%s\n", status ? "FAIL" : "OK", failmsg);
out:
	snd_pcm_format_mask_free(fmask);
	snd_pcm_hw_params_free(hw);
	if (other)
		snd_pcm_close(other);
	if (first)
		snd_pcm_close(first);
	snd_config_update_free_global();
	return status;
}
