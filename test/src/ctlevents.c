// SPDX-License-Identifier: GPL-2.0
/*
 * ctlevents - record the control events a card sends, one line each, as
 * a control client (alsamixer, alsactl monitor) would see them.
 */
#include <getopt.h>
#include <poll.h>
#include <unistd.h>

#include "common.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ctlevents [OPTION]...\n"
"Subscribe to a card's control events and print one line per event:\n"
"  EVENT MASK IFACE DEVICE SUBDEVICE INDEX 'NAME'\n"
"where MASK is REMOVE, or VALUE, INFO, ADD, TLV joined with '|'.\n"
"\n"
"  -c, --card=CARD        card number or id (default Loopback)\n"
"  -t, --timeout=SEC      stop after SEC seconds (default 5)\n"
"  -n, --count=N          stop after N events (default: no limit)\n"
"  -r, --ready=FILE       create FILE once subscribed\n"
"  -h, --help             show this help\n"
"\n"
"Output is flushed after each line.  The last line is \"END N\" with the\n"
"number of events.  Exit status: 0, or 2 on a setup error.\n");
}

static void print_mask(unsigned int mask)
{
	static const struct { unsigned int bit; const char *name; } bits[] = {
		{ SND_CTL_EVENT_MASK_VALUE, "VALUE" },
		{ SND_CTL_EVENT_MASK_INFO, "INFO" },
		{ SND_CTL_EVENT_MASK_ADD, "ADD" },
		{ SND_CTL_EVENT_MASK_TLV, "TLV" },
	};
	const char *sep = "";
	size_t i;

	if (mask == SND_CTL_EVENT_MASK_REMOVE) {
		fputs("REMOVE", stdout);
		return;
	}
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (mask & bits[i].bit) {
			printf("%s%s", sep, bits[i].name);
			sep = "|";
		}
	}
}

static int record(snd_ctl_t *ctl, double timeout, unsigned long count)
{
	snd_ctl_event_t *event;
	unsigned long seen = 0;
	double end = now_mono() + timeout;
	struct pollfd pfd;
	int err = 0;

	snd_ctl_event_alloca(&event);
	if (snd_ctl_poll_descriptors(ctl, &pfd, 1) != 1) {
		fprintf(stderr, "ctlevents: no poll descriptor\n");
		return -1;
	}
	while ((!count || seen < count) && now_mono() < end) {
		int ms = (int)((end - now_mono()) * 1000) + 1;

		if (poll(&pfd, 1, ms) <= 0)
			continue;
		while ((err = snd_ctl_read(ctl, event)) > 0) {
			if (snd_ctl_event_get_type(event) != SND_CTL_EVENT_ELEM)
				continue;
			fputs("EVENT ", stdout);
			print_mask(snd_ctl_event_elem_get_mask(event));
			printf(" %s %u %u %u '%s'\n",
			       snd_ctl_elem_iface_name(snd_ctl_event_elem_get_interface(event)),
			       snd_ctl_event_elem_get_device(event),
			       snd_ctl_event_elem_get_subdevice(event),
			       snd_ctl_event_elem_get_index(event),
			       snd_ctl_event_elem_get_name(event));
			fflush(stdout);
			seen++;
			if (count && seen >= count)
				break;
		}
		if (err < 0 && err != -EAGAIN) {
			fprintf(stderr, "ctlevents: read: %s\n", snd_strerror(err));
			return -1;
		}
	}
	printf("END %lu\n", seen);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "card", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "ready", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *card = "Loopback", *ready = NULL;
	unsigned long count = 0;
	double timeout = 5;
	char name[64];
	snd_ctl_t *ctl;
	int c, err, ret;

	while ((c = getopt_long(argc, argv, "c:t:n:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			card = optarg;
			break;
		case 't':
			if (parse_double(optarg, 0, 3600, &timeout)) {
				fprintf(stderr, "ctlevents: bad timeout '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n':
			if (parse_uint(optarg, 1, ULONG_MAX, &count)) {
				fprintf(stderr, "ctlevents: bad count '%s'\n", optarg);
				return 2;
			}
			break;
		case 'r':
			ready = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	snprintf(name, sizeof(name), "hw:%s", card);
	err = snd_ctl_open(&ctl, name, SND_CTL_NONBLOCK);
	if (err < 0) {
		fprintf(stderr, "ctlevents: open %s: %s\n", name, snd_strerror(err));
		return 2;
	}
	err = snd_ctl_subscribe_events(ctl, 1);
	if (err < 0) {
		fprintf(stderr, "ctlevents: subscribe: %s\n", snd_strerror(err));
		snd_ctl_close(ctl);
		return 2;
	}
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f)
			fclose(f);
	}
	ret = record(ctl, timeout, count) ? 2 : 0;
	snd_ctl_close(ctl);
	return ret;
}
