// SPDX-License-Identifier: GPL-2.0
/*
 * linktest - drive loopback and hardware PCM streams through a scripted
 * sequence of open, hw_params, snd_pcm_link(), prepare, start, unlink,
 * hw_free and close, and check after any step which clock each cable
 * runs on (its per-cable "Timer Source" element) and whether two streams
 * advance together.  The orders applications use (JACK2: hw_params, link,
 * prepare, start) and the ones they should survive (link after prepare,
 * unlink while running, closing or removing the other card while linked)
 * are all one command line each.
 *
 * "race" runs threads against each other for a bounded time instead:
 * link/unlink/prepare/start/stop of a loopback end with a hardware
 * stream, Timer Source writes, and the cable's other end opening and
 * closing; then it checks that the cable is back on the card-wide choice.
 *
 * Exit status: 0 every check held, 1 a check failed, 2 setup error.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define TS_NAME "Timer Source"
#define MAX_STREAMS 8
#define MAX_BG 4

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_SETUP = 2 };

struct stream {
	char name[32];
	char device[64];
	snd_pcm_stream_t dir;
	snd_pcm_t *pcm;
	snd_pcm_uframes_t last_avail;
};

static struct stream streams[MAX_STREAMS];
static unsigned int nstreams;
static unsigned int opt_rate = 48000;
static unsigned long opt_period = 1024;
static unsigned long opt_periods = 4;
static unsigned long opt_tolerance;	/* frames; 0: two periods */
static const char *opt_card = "Loopback";
static unsigned long opt_seed = 1;
static int card_index;
static pid_t bg[MAX_BG];
static unsigned int nbg;

static void usage(FILE *f)
{
	fprintf(f,
"Usage: linktest [OPTIONS] -s NAME=p|c:PCM... STEP...\n"
"       linktest [OPTIONS] -s NAME=p|c:PCM... - <STEPS\n"
"       linktest [OPTIONS] -s loop=p:PCM -s other=c:PCM -s hw=p:PCM race SECS\n"
"Drive PCM streams through STEPs in order and check the clocks of the\n"
"loopback card's cables.  Streams are declared with -s: NAME, direction\n"
"(p playback, c capture) and the PCM (e.g. loop=p:hw:Loopback,0,0).\n"
"\n"
"With \"-\", the steps are read from stdin, one per line (empty lines and\n"
"lines starting with # are left out), so that they may contain spaces.\n"
"\n"
"Steps (a cable D.S is the per-cable \"" TS_NAME "\" element of capture\n"
"device D, subdevice S; a stream is a NAME given with -s):\n"
"  open:S            open S (non-blocking)\n"
"  params:S          hw_params S16_LE, 2 channels, --rate, --period,\n"
"                    --periods; sw_params: never stop on an xrun\n"
"  prepare:S  start:S  drop:S  hwfree:S  close:S  unlink:S\n"
"                    snd_pcm_prepare/start/drop/hw_free/close/unlink\n"
"  link:A:B          snd_pcm_link(A, B)\n"
"  state:S:NAME[:MS] check S is in state NAME (RUNNING, PREPARED, ...),\n"
"                    or gets there within MS ms\n"
"  clock:D.S         print the clock cable D.S shows (D.S \"card\": the\n"
"                    card-wide choice)\n"
"  expect:D.S:ITEM   check cable D.S shows ITEM now\n"
"  await:D.S:ITEM:MS check cable D.S shows ITEM within MS ms\n"
"  bound:D.S:CLOCK   check the card's proc file cable#N says cable D.S\n"
"                    runs on CLOCK (following, waiting for its first tick\n"
"                    or in holdover: the element shows only a clock that\n"
"                    is being followed)\n"
"  track:A:B:SECS[:TOL]  check A and B advance by the same number of\n"
"                    frames over SECS seconds, within TOL frames (default\n"
"                    --tolerance)\n"
"  sleep:MS          sleep\n"
"  run:CMD           run CMD with /bin/sh -c, check it exits 0\n"
"  bg:CMD            start CMD with /bin/sh -c in the background\n"
"  wait              wait for the background commands, check they exit 0\n"
"\n"
"race SECS: for SECS seconds, one thread links \"loop\" with \"hw\",\n"
"unlinks, prepares, starts and stops them in a seeded random order, one\n"
"writes the card-wide " TS_NAME " (random items), one opens, prepares,\n"
"starts and closes \"other\" (the other end of loop's cable).  Then it\n"
"checks that the cable loop plays into is on the card-wide choice and\n"
"prints the operations done.\n"
"\n"
"Options:\n"
"  -s, --stream=NAME=p|c:PCM  declare a stream (up to %d)\n"
"  -c, --card=CARD     the loopback card (default Loopback)\n"
"  -r, --rate=HZ       sample rate (default 48000)\n"
"  -p, --period=N      period in frames (default 1024)\n"
"  -n, --periods=N     periods in the buffer (default 4)\n"
"  -t, --tolerance=N   track: allowed difference in frames (default: two\n"
"                      periods)\n"
"      --seed=N        race: seed of the random order (default 1)\n"
"  -h, --help          show this help\n"
"\n"
"Every step prints one line; a failed check prints \"FAIL: ...\" and the\n"
"remaining steps still run.  Exit status: 0 every check held, 1 a check\n"
"failed, 2 setup error (bad arguments, a stream or element not found, an\n"
"ALSA call that a step needs failed unexpectedly).\n", MAX_STREAMS);
}

static struct stream *find_stream(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < nstreams; i++)
		if (strlen(streams[i].name) == len &&
		    !strncmp(streams[i].name, name, len))
			return &streams[i];
	fprintf(stderr, "linktest: no stream '%.*s' (declare it with -s)\n",
		(int)len, name);
	return NULL;
}

static int add_stream(const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct stream *s;

	if (nstreams == MAX_STREAMS || !eq || eq == arg ||
	    (size_t)(eq - arg) >= sizeof(s->name) ||
	    (eq[1] != 'p' && eq[1] != 'c') || eq[2] != ':' || !eq[3] ||
	    strlen(eq + 3) >= sizeof(s->device)) {
		fprintf(stderr, "linktest: bad -s '%s' (NAME=p|c:PCM)\n", arg);
		return -1;
	}
	s = &streams[nstreams++];
	snprintf(s->name, sizeof(s->name), "%.*s", (int)(eq - arg), arg);
	snprintf(s->device, sizeof(s->device), "%s", eq + 3);
	s->dir = eq[1] == 'p' ? SND_PCM_STREAM_PLAYBACK : SND_PCM_STREAM_CAPTURE;
	return 0;
}

/*
 * hw_params and sw_params of every step and of the race; a failure is
 * printed when @verbose (in the race, the other end may win the cable).
 */
static int configure(struct stream *s, bool verbose)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t period = opt_period, buffer = opt_period * opt_periods;
	snd_pcm_uframes_t boundary;
	char what[96];
	int err;

	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	err = hw_params_base(s->pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED, NULL,
			     SND_PCM_FORMAT_S16_LE, 2, opt_rate, what,
			     sizeof(what));
	if (err < 0)
		goto fail;
	snprintf(what, sizeof(what), "snd_pcm_hw_params_set_period_size_near");
	err = snd_pcm_hw_params_set_period_size_near(s->pcm, hw, &period, NULL);
	if (err < 0)
		goto fail;
	snprintf(what, sizeof(what), "snd_pcm_hw_params_set_buffer_size_near");
	err = snd_pcm_hw_params_set_buffer_size_near(s->pcm, hw, &buffer);
	if (err < 0)
		goto fail;
	snprintf(what, sizeof(what), "snd_pcm_hw_params");
	err = snd_pcm_hw_params(s->pcm, hw);
	if (err < 0)
		goto fail;
	/* Positions keep moving without data: the streams are only clocks. */
	snprintf(what, sizeof(what), "snd_pcm_sw_params");
	snd_pcm_sw_params_current(s->pcm, sw);
	snd_pcm_sw_params_get_boundary(sw, &boundary);
	snd_pcm_sw_params_set_stop_threshold(s->pcm, sw, boundary);
	snd_pcm_sw_params_set_start_threshold(s->pcm, sw, boundary);
	err = snd_pcm_sw_params(s->pcm, sw);
	if (err < 0)
		goto fail;
	return 0;
fail:
	if (verbose)
		fprintf(stderr, "linktest: %s: %s failed: %s\n", s->name, what,
			snd_strerror(err));
	return err;
}

/* Parse a cable "D.S" (capture device, subdevice); returns 0 or -1. */
static int parse_cable(const char *cable, unsigned long *dev,
		       unsigned long *sub)
{
	const char *dot = strchr(cable, '.');
	char d[16];

	if (!dot || (size_t)(dot - cable) >= sizeof(d))
		return -1;
	snprintf(d, sizeof(d), "%.*s", (int)(dot - cable), cable);
	return parse_uint(d, 0, 31, dev) || parse_uint(dot + 1, 0, 31, sub) ?
	       -1 : 0;
}

/* Does a proc clock line "NAME (STATE)" name the clock @name? */
static bool runs_on(const char *bound, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(bound, name, n) && !strncmp(bound + n, " (", 2);
}

/*
 * The name of the item element Timer Source of cable "D.S" (or the
 * card-wide one for @cable NULL) shows now, into @buf.  Returns 0 or -1.
 */
static int read_clock(snd_ctl_t *ctl, const char *cable, char *buf,
		      size_t len)
{
	snd_ctl_elem_value_t *val;
	snd_ctl_elem_info_t *info;
	unsigned long dev = 0, sub = 0;
	int err;

	if (cable && parse_cable(cable, &dev, &sub)) {
		fprintf(stderr, "linktest: bad cable '%s' (D.S)\n", cable);
		return -1;
	}
	snd_ctl_elem_value_alloca(&val);
	snd_ctl_elem_info_alloca(&info);
	snd_ctl_elem_value_set_interface(val, cable ? SND_CTL_ELEM_IFACE_PCM :
						      SND_CTL_ELEM_IFACE_MIXER);
	snd_ctl_elem_value_set_name(val, TS_NAME);
	snd_ctl_elem_value_set_device(val, (unsigned int)dev);
	snd_ctl_elem_value_set_subdevice(val, (unsigned int)sub);
	err = snd_ctl_elem_read(ctl, val);
	if (err < 0)
		goto fail;
	snd_ctl_elem_info_set_interface(info, cable ? SND_CTL_ELEM_IFACE_PCM :
						      SND_CTL_ELEM_IFACE_MIXER);
	snd_ctl_elem_info_set_name(info, TS_NAME);
	snd_ctl_elem_info_set_device(info, (unsigned int)dev);
	snd_ctl_elem_info_set_subdevice(info, (unsigned int)sub);
	snd_ctl_elem_info_set_item(info,
				   snd_ctl_elem_value_get_enumerated(val, 0));
	err = snd_ctl_elem_info(ctl, info);
	if (err < 0)
		goto fail;
	snprintf(buf, len, "%s", snd_ctl_elem_info_get_item_name(info));
	return 0;
fail:
	fprintf(stderr, "linktest: reading %s " TS_NAME ": %s\n",
		cable ? cable : "the card-wide", snd_strerror(err));
	return -1;
}

/*
 * The clock cable "D.S" runs on by the card's proc file cable#N (N the
 * playback device), whatever its state: "NAME (STATE)" into @buf.
 * Returns 0, or -1 when the cable has no clock line (no end open).
 */
static int bound_clock(const char *cable, char *buf, size_t len)
{
	unsigned long dev, sub;
	char path[64], head[48], line[160];
	int in = 0, ret = -1;
	FILE *f;

	if (parse_cable(cable, &dev, &sub) || dev > 1)
		return -1;
	snprintf(path, sizeof(path), "/proc/asound/card%d/cable#%lu",
		 card_index, dev ^ 1);
	snprintf(head, sizeof(head), "Cable %lu substream %lu:", dev ^ 1, sub);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "linktest: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "Cable ", 6))
			in = !strcmp(line, head);
		else if (in && !strncmp(line, "  clock: ", 9)) {
			snprintf(buf, len, "%s", line + 9);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/*
 * Frames @s advanced since the last call (avail grows by the hw_ptr), or
 * the negative error of snd_pcm_avail().
 */
static long advance(struct stream *s)
{
	snd_pcm_sframes_t avail = snd_pcm_avail(s->pcm);
	long d;

	if (avail < 0)
		return (long)avail;
	d = (long)avail - (long)s->last_avail;
	s->last_avail = (snd_pcm_uframes_t)avail;
	return d;
}

static int step_track(const char *arg)
{
	const char *c1 = strchr(arg, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
	unsigned long tol = opt_tolerance ? opt_tolerance : 2 * opt_period;
	struct stream *a, *b;
	char num[16];
	double secs;
	long da, db;

	if (!c1 || !c2 || (c3 && parse_uint(c3 + 1, 1, 1000000, &tol)))
		goto bad;
	snprintf(num, sizeof(num), "%.*s",
		 (int)(c3 ? (size_t)(c3 - c2 - 1) : strlen(c2 + 1)), c2 + 1);
	if (parse_double(num, 0.1, 600, &secs))
		goto bad;
	a = find_stream(arg, (size_t)(c1 - arg));
	b = find_stream(c1 + 1, (size_t)(c2 - c1 - 1));
	if (!a || !b || !a->pcm || !b->pcm)
		return EXIT_SETUP;
	advance(a);
	advance(b);
	usleep((useconds_t)(secs * 1e6));
	da = advance(a);
	db = advance(b);
	if (da < 0 || db < 0) {
		printf("FAIL: %s: snd_pcm_avail: %s\n", da < 0 ? a->name : b->name,
		       snd_strerror((int)(da < 0 ? da : db)));
		return EXIT_FAIL;
	}
	printf("track %s %s: %+ld and %+ld frames in %.1f s, difference %ld\n",
	       a->name, b->name, da, db, secs, da - db);
	if (!da || !db || labs(da - db) > (long)tol) {
		printf("FAIL: %s and %s differ by more than %lu frames or stand still\n",
		       a->name, b->name, tol);
		return EXIT_FAIL;
	}
	return EXIT_OK;
bad:
	fprintf(stderr, "linktest: bad step 'track:%s'\n", arg);
	return EXIT_SETUP;
}

static int wait_bg(void)
{
	int ret = EXIT_OK, status;

	while (nbg) {
		pid_t pid = bg[--nbg];

		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			printf("FAIL: background command %d did not exit 0\n",
			       (int)pid);
			ret = EXIT_FAIL;
		}
	}
	return ret;
}

/* Run a PCM call of a step; a failure is a setup error. */
static int pcm_call(const char *what, struct stream *s, int err)
{
	if (err >= 0)
		return EXIT_OK;
	fprintf(stderr, "linktest: %s(%s) failed: %s\n", what, s->name,
		snd_strerror(err));
	return EXIT_SETUP;
}

static int step_pcm(const char *verb, struct stream *s)
{
	int err;

	if (!strcmp(verb, "open")) {
		err = snd_pcm_open(&s->pcm, s->device, s->dir, SND_PCM_NONBLOCK);
		if (err < 0)
			s->pcm = NULL;
		return pcm_call("snd_pcm_open", s, err);
	}
	if (!s->pcm) {
		fprintf(stderr, "linktest: %s:%s before open\n", verb, s->name);
		return EXIT_SETUP;
	}
	if (!strcmp(verb, "params"))
		return configure(s, true) ? EXIT_SETUP : EXIT_OK;
	if (!strcmp(verb, "prepare"))
		return pcm_call("snd_pcm_prepare", s, snd_pcm_prepare(s->pcm));
	if (!strcmp(verb, "start"))
		return pcm_call("snd_pcm_start", s, snd_pcm_start(s->pcm));
	if (!strcmp(verb, "drop"))
		return pcm_call("snd_pcm_drop", s, snd_pcm_drop(s->pcm));
	if (!strcmp(verb, "hwfree"))
		return pcm_call("snd_pcm_hw_free", s, snd_pcm_hw_free(s->pcm));
	if (!strcmp(verb, "unlink"))
		return pcm_call("snd_pcm_unlink", s, snd_pcm_unlink(s->pcm));
	if (!strcmp(verb, "close")) {
		err = snd_pcm_close(s->pcm);
		s->pcm = NULL;
		/*
		 * The handle is freed whatever the error: the drop and
		 * hw_free before the close fail on a disconnected stream.
		 */
		if (err < 0)
			printf("close %s: %s (closed all the same)\n", s->name,
			       snd_strerror(err));
		return EXIT_OK;
	}
	fprintf(stderr, "linktest: unknown step '%s'\n", verb);
	return EXIT_SETUP;
}

/* One STEP; returns EXIT_OK, EXIT_FAIL or EXIT_SETUP. */
static int step(snd_ctl_t *ctl, const char *st)
{
	const char *arg = strchr(st, ':');
	size_t vlen = arg ? (size_t)(arg - st) : strlen(st);
	char verb[16], clock[64], cable[16];
	unsigned long ms;

	if (vlen >= sizeof(verb))
		goto bad;
	snprintf(verb, sizeof(verb), "%.*s", (int)vlen, st);
	if (arg)
		arg++;
	printf("step %s\n", st);
	fflush(stdout);
	if (!strcmp(verb, "wait") && !arg)
		return wait_bg();
	if (!arg)
		goto bad;
	if (!strcmp(verb, "sleep")) {
		if (parse_uint(arg, 0, 600000, &ms))
			goto bad;
		usleep((useconds_t)(ms * 1000));
		return EXIT_OK;
	}
	if (!strcmp(verb, "run")) {
		int status = system(arg);

		if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("FAIL: '%s' did not exit 0\n", arg);
			return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	if (!strcmp(verb, "bg")) {
		pid_t pid;

		if (nbg == MAX_BG)
			goto bad;
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			return EXIT_SETUP;
		if (!pid) {
			execl("/bin/sh", "sh", "-c", arg, (char *)NULL);
			_exit(127);
		}
		bg[nbg++] = pid;
		return EXIT_OK;
	}
	if (!strcmp(verb, "track"))
		return step_track(arg);
	if (!strcmp(verb, "link")) {
		const char *c = strchr(arg, ':');
		struct stream *a, *b;
		int err;

		if (!c)
			goto bad;
		a = find_stream(arg, (size_t)(c - arg));
		b = find_stream(c + 1, strlen(c + 1));
		if (!a || !b || !a->pcm || !b->pcm)
			return EXIT_SETUP;
		err = snd_pcm_link(a->pcm, b->pcm);
		return pcm_call("snd_pcm_link", a, err);
	}
	if (!strcmp(verb, "state")) {
		const char *c = strchr(arg, ':'), *c2;
		char want[24];
		struct stream *s;
		const char *now;
		double deadline;

		if (!c)
			goto bad;
		c2 = strchr(c + 1, ':');
		ms = 0;
		if (c2 && parse_uint(c2 + 1, 0, 600000, &ms))
			goto bad;
		snprintf(want, sizeof(want), "%.*s",
			 (int)(c2 ? (size_t)(c2 - c - 1) : strlen(c + 1)), c + 1);
		s = find_stream(arg, (size_t)(c - arg));
		if (!s || !s->pcm)
			return EXIT_SETUP;
		deadline = now_mono() + (double)ms / 1000;
		for (;;) {
			now = snd_pcm_state_name(snd_pcm_state(s->pcm));
			if (!strcmp(now, want) || now_mono() >= deadline)
				break;
			usleep(5000);
		}
		printf("state %s: %s\n", s->name, now);
		if (strcmp(now, want)) {
			printf("FAIL: %s is %s, not %s\n", s->name, now, want);
			return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	if (!strcmp(verb, "bound")) {
		const char *c = strchr(arg, ':');
		char on[160];

		if (!c || (size_t)(c - arg) >= sizeof(cable))
			goto bad;
		snprintf(cable, sizeof(cable), "%.*s", (int)(c - arg), arg);
		if (bound_clock(cable, on, sizeof(on))) {
			printf("FAIL: no clock for cable %s in proc\n", cable);
			return EXIT_FAIL;
		}
		printf("bound %s: %s\n", cable, on);
		if (!runs_on(on, c + 1)) {
			printf("FAIL: cable %s runs on '%s', not on '%s'\n", cable,
			       on, c + 1);
			return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	if (!strcmp(verb, "clock") || !strcmp(verb, "expect") ||
	    !strcmp(verb, "await")) {
		const char *c = strchr(arg, ':');
		const char *want = c ? c + 1 : NULL;
		char item[64];
		double deadline;
		size_t clen = c ? (size_t)(c - arg) : strlen(arg);

		ms = 0;
		if (clen >= sizeof(cable) || (verb[0] != 'c' && !want))
			goto bad;
		snprintf(cable, sizeof(cable), "%.*s", (int)clen, arg);
		if (!strcmp(verb, "await")) {
			const char *c2 = strrchr(want, ':');

			if (!c2 || (size_t)(c2 - want) >= sizeof(item) ||
			    parse_uint(c2 + 1, 0, 600000, &ms))
				goto bad;
			snprintf(item, sizeof(item), "%.*s", (int)(c2 - want),
				 want);
			want = item;
		}
		deadline = now_mono() + (double)ms / 1000;
		for (;;) {
			if (read_clock(ctl, strcmp(cable, "card") ? cable : NULL,
				       clock, sizeof(clock)))
				return EXIT_SETUP;
			if (!want || !strcmp(clock, want) || now_mono() >= deadline)
				break;
			usleep(5000);
		}
		printf("clock %s: %s\n", cable, clock);
		if (want && strcmp(clock, want)) {
			printf("FAIL: cable %s shows '%s', not '%s'\n", cable,
			       clock, want);
			return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	{
		struct stream *s = find_stream(arg, strlen(arg));

		return s ? step_pcm(verb, s) : EXIT_SETUP;
	}
bad:
	fprintf(stderr, "linktest: bad step '%s'\n", st);
	return EXIT_SETUP;
}

/* Run one step; the exit status so far is @ret, the new one returned. */
static int run_step(snd_ctl_t *ctl, const char *st, int ret)
{
	int r = step(ctl, st);

	if (r == EXIT_SETUP)
		return EXIT_SETUP;
	return r == EXIT_FAIL ? EXIT_FAIL : ret;
}

/* ---- race ---- */

struct race {
	double end;
	struct stream *loop, *other, *hw;
	unsigned long links, unlinks, starts, stops, prepares, writes, opens;
	unsigned int items;
	int failed;
};

static void *race_pcm(void *data)
{
	struct race *r = data;
	unsigned int seed = (unsigned int)opt_seed;

	while (now_mono() < r->end) {
		switch (rand_r(&seed) % 6) {
		case 0:
			if (!snd_pcm_link(r->hw->pcm, r->loop->pcm))
				r->links++;
			break;
		case 1:
			if (!snd_pcm_unlink(r->loop->pcm))
				r->unlinks++;
			break;
		case 2:
			if (!snd_pcm_prepare(r->hw->pcm))
				r->prepares++;
			if (!snd_pcm_prepare(r->loop->pcm))
				r->prepares++;
			break;
		case 3:
			if (!snd_pcm_start(r->loop->pcm))
				r->starts++;
			break;
		case 4:
			if (!snd_pcm_start(r->hw->pcm))
				r->starts++;
			break;
		default:
			if (!snd_pcm_drop(rand_r(&seed) & 1 ? r->hw->pcm :
				     r->loop->pcm))
				r->stops++;
			break;
		}
		usleep(rand_r(&seed) % 3000);
	}
	return NULL;
}

static void *race_ctl(void *data)
{
	struct race *r = data;
	unsigned int seed = (unsigned int)opt_seed * 7919u;
	snd_ctl_elem_value_t *val;
	snd_ctl_t *ctl;
	char name[32];

	if (ctl_open_card("linktest", opt_card, &ctl, name, sizeof(name)) < 0) {
		r->failed = 1;
		return NULL;
	}
	snd_ctl_elem_value_alloca(&val);
	snd_ctl_elem_value_set_interface(val, SND_CTL_ELEM_IFACE_MIXER);
	snd_ctl_elem_value_set_name(val, TS_NAME);
	while (now_mono() < r->end) {
		snd_ctl_elem_value_set_enumerated(val, 0,
						  rand_r(&seed) % r->items);
		if (snd_ctl_elem_write(ctl, val) >= 0)
			r->writes++;
		usleep(rand_r(&seed) % 5000);
	}
	snd_ctl_close(ctl);
	return NULL;
}

static void *race_other(void *data)
{
	struct race *r = data;
	unsigned int seed = (unsigned int)opt_seed * 104729u;

	while (now_mono() < r->end) {
		if (snd_pcm_open(&r->other->pcm, r->other->device,
				 r->other->dir, SND_PCM_NONBLOCK) < 0) {
			usleep(1000);
			continue;
		}
		r->opens++;
		if (!configure(r->other, false) && !snd_pcm_prepare(r->other->pcm) &&
		    !snd_pcm_start(r->other->pcm))
			usleep(rand_r(&seed) % 20000);
		snd_pcm_close(r->other->pcm);
		r->other->pcm = NULL;
	}
	return NULL;
}

/* The cable @loop plays into or records from: "D.S" of its capture end. */
static int cable_of(struct stream *loop, char *buf, size_t len)
{
	snd_pcm_info_t *info;
	unsigned int dev;

	snd_pcm_info_alloca(&info);
	if (snd_pcm_info(loop->pcm, info) < 0)
		return -1;
	dev = snd_pcm_info_get_device(info);
	if (loop->dir == SND_PCM_STREAM_PLAYBACK)
		dev ^= 1;
	snprintf(buf, len, "%u.%u", dev, snd_pcm_info_get_subdevice(info));
	return 0;
}

static int race(snd_ctl_t *ctl, const char *secs_arg)
{
	struct race r = { 0 };
	pthread_t t[3];
	snd_ctl_elem_info_t *info;
	char cable[16], choice[64], clock[160];
	double secs;
	int ret = EXIT_OK;

	if (parse_double(secs_arg, 0.1, 3600, &secs)) {
		fprintf(stderr, "linktest: bad race duration '%s'\n", secs_arg);
		return EXIT_SETUP;
	}
	r.loop = find_stream("loop", 4);
	r.other = find_stream("other", 5);
	r.hw = find_stream("hw", 2);
	if (!r.loop || !r.other || !r.hw)
		return EXIT_SETUP;
	snd_ctl_elem_info_alloca(&info);
	snd_ctl_elem_info_set_interface(info, SND_CTL_ELEM_IFACE_MIXER);
	snd_ctl_elem_info_set_name(info, TS_NAME);
	if (snd_ctl_elem_info(ctl, info) < 0) {
		fprintf(stderr, "linktest: no card-wide " TS_NAME "\n");
		return EXIT_SETUP;
	}
	r.items = snd_ctl_elem_info_get_items(info);
	if (step_pcm("open", r.loop) || step_pcm("params", r.loop) ||
	    step_pcm("open", r.hw) || step_pcm("params", r.hw) ||
	    cable_of(r.loop, cable, sizeof(cable)))
		return EXIT_SETUP;
	r.end = now_mono() + secs;
	if (pthread_create(&t[0], NULL, race_pcm, &r) ||
	    pthread_create(&t[1], NULL, race_ctl, &r) ||
	    pthread_create(&t[2], NULL, race_other, &r)) {
		fprintf(stderr, "linktest: pthread_create failed\n");
		exit(EXIT_SETUP);
	}
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pthread_join(t[2], NULL);
	if (r.failed)
		return EXIT_SETUP;
	printf("race %.1f s, seed %lu: %lu links, %lu unlinks, %lu prepares, %lu starts, %lu stops, %lu control writes, %lu opens of %s\n",
	       secs, opt_seed, r.links, r.unlinks, r.prepares, r.starts,
	       r.stops, r.writes, r.opens, r.other->name);
	if (!r.links || !r.starts || !r.writes || !r.opens) {
		printf("FAIL: some thread did nothing\n");
		ret = EXIT_FAIL;
	}
	/* Whatever happened, an unlinked cable runs on the card's choice. */
	snd_pcm_drop(r.loop->pcm);
	snd_pcm_unlink(r.loop->pcm);
	if (step_pcm("hwfree", r.loop) || step_pcm("close", r.hw) ||
	    read_clock(ctl, NULL, choice, sizeof(choice)))
		return EXIT_SETUP;
	if (bound_clock(cable, clock, sizeof(clock)))
		return EXIT_SETUP;
	printf("choice: %s\nbound %s: %s\n", choice, cable, clock);
	if (!runs_on(clock, choice)) {
		printf("FAIL: after the race cable %s runs on '%s', the choice is '%s'\n",
		       cable, clock, choice);
		ret = EXIT_FAIL;
	}
	step_pcm("close", r.loop);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stream", required_argument, NULL, 's' },
		{ "card", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "period", required_argument, NULL, 'p' },
		{ "periods", required_argument, NULL, 'n' },
		{ "tolerance", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long v;
	snd_ctl_t *ctl;
	char name[32];
	int c, i, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "+s:c:r:p:n:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (add_stream(optarg))
				return EXIT_SETUP;
			break;
		case 'c':
			opt_card = optarg;
			break;
		case 'r':
			if (parse_uint(optarg, 8000, 768000, &v))
				goto bad;
			opt_rate = (unsigned int)v;
			break;
		case 'p':
			if (parse_uint(optarg, 16, 65536, &opt_period))
				goto bad;
			break;
		case 'n':
			if (parse_uint(optarg, 2, 64, &opt_periods))
				goto bad;
			break;
		case 't':
			if (parse_uint(optarg, 1, 1000000, &opt_tolerance))
				goto bad;
			break;
		case 'S':
			if (parse_uint(optarg, 0, UINT_MAX, &opt_seed))
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			goto bad;
		}
	}
	if (optind >= argc)
		goto bad;
	if (ctl_open_card("linktest", opt_card, &ctl, name, sizeof(name)) < 0)
		return EXIT_SETUP;
	{
		snd_ctl_card_info_t *ci;

		snd_ctl_card_info_alloca(&ci);
		if (snd_ctl_card_info(ctl, ci) < 0) {
			fprintf(stderr, "linktest: snd_ctl_card_info(%s) failed\n",
				name);
			snd_ctl_close(ctl);
			return EXIT_SETUP;
		}
		card_index = snd_ctl_card_info_get_card(ci);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[optind], "race")) {
		ret = optind + 2 == argc ? race(ctl, argv[optind + 1]) : EXIT_SETUP;
	} else if (!strcmp(argv[optind], "-") && optind + 1 == argc) {
		char line[256];

		while (ret != EXIT_SETUP && fgets(line, sizeof(line), stdin)) {
			line[strcspn(line, "\n")] = '\0';
			if (line[0] && line[0] != '#')
				ret = run_step(ctl, line, ret);
		}
	} else {
		for (i = optind; i < argc && ret != EXIT_SETUP; i++)
			ret = run_step(ctl, argv[i], ret);
	}
	if (nbg && wait_bg() && ret == EXIT_OK)
		ret = EXIT_FAIL;
	for (i = 0; i < (int)nstreams; i++)
		if (streams[i].pcm)
			snd_pcm_close(streams[i].pcm);
	snd_ctl_close(ctl);
	snd_config_update_free_global();
	return ret;
bad:
	usage(stderr);
	return EXIT_SETUP;
}
