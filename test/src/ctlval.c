// SPDX-License-Identifier: GPL-2.0
/*
 * ctlval - read, write or wait for one ALSA control element, addressed by
 * interface, name, device, subdevice and index, with raw values (no
 * clamping to the element's range, unlike amixer cset).
 *
 * Exit status: 0 success, 1 write refused or wait timed out,
 * 2 setup error (card or element not found, bad arguments).
 */
#include <getopt.h>
#include <poll.h>
#include <unistd.h>

#include "common.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ctlval [OPTION]... NAME [VALUE]\n"
"Print the value of control NAME, or write VALUE to it (raw, without\n"
"clamping) and print the value read back.\n"
"\n"
"  -c, --card=CARD        card number or id (default Loopback)\n"
"  -i, --iface=IFACE      CARD, HWDEP, MIXER, PCM, RAWMIDI, TIMER or\n"
"                         SEQUENCER (default PCM)\n"
"  -d, --device=N         element device number (default 0)\n"
"  -s, --subdevice=N      element subdevice number (default 0)\n"
"  -x, --index=N          element index (default 0)\n"
"  -I, --info             print type, access, count and range instead\n"
"  -w, --wait=VALUE       wait until the value equals VALUE\n"
"  -E, --event            wait for a value-change event on the element\n"
"                         (exit 1 if none arrives in time)\n"
"  -t, --timeout=SEC      limit for --wait and --event (default 5)\n"
"  -h, --help             show this help\n"
"\n"
"Values are integers (booleans as 0/1, enumerations as item numbers);\n"
"elements with several values are printed and written comma-separated.\n"
"A write prints \"write: ok\" or \"write: refused: REASON\", then the\n"
"value read back.\n"
"With --event, \"ready\" is printed (and flushed) once subscribed.\n"
"Exit status: 0 success, 1 write refused or --wait/--event timed out,\n"
"2 setup error.\n");
}

static int parse_iface(const char *s, snd_ctl_elem_iface_t *out)
{
	static const struct { const char *n; snd_ctl_elem_iface_t v; } t[] = {
		{ "CARD", SND_CTL_ELEM_IFACE_CARD },
		{ "HWDEP", SND_CTL_ELEM_IFACE_HWDEP },
		{ "MIXER", SND_CTL_ELEM_IFACE_MIXER },
		{ "PCM", SND_CTL_ELEM_IFACE_PCM },
		{ "RAWMIDI", SND_CTL_ELEM_IFACE_RAWMIDI },
		{ "TIMER", SND_CTL_ELEM_IFACE_TIMER },
		{ "SEQUENCER", SND_CTL_ELEM_IFACE_SEQUENCER },
	};
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!strcasecmp(s, t[i].n)) {
			*out = t[i].v;
			return 0;
		}
	}
	return -1;
}

/* Parse "a,b,c" into at most @max longs; returns the count or -1. */
static int parse_values(const char *s, long *vals, int max)
{
	int n = 0;

	while (*s) {
		char *end;

		if (n == max)
			return -1;
		errno = 0;
		vals[n] = strtol(s, &end, 0);
		if (errno || end == s || (*end && *end != ','))
			return -1;
		n++;
		s = *end ? end + 1 : end;
	}
	return n ? n : -1;
}

/* Value @i of @val; main() allows only these five types. */
static long long value_get(snd_ctl_elem_type_t type, snd_ctl_elem_value_t *val,
			   unsigned int i)
{
	switch (type) {
	case SND_CTL_ELEM_TYPE_BOOLEAN:
		return snd_ctl_elem_value_get_boolean(val, i);
	case SND_CTL_ELEM_TYPE_INTEGER:
		return snd_ctl_elem_value_get_integer(val, i);
	case SND_CTL_ELEM_TYPE_INTEGER64:
		return snd_ctl_elem_value_get_integer64(val, i);
	case SND_CTL_ELEM_TYPE_ENUMERATED:
		return snd_ctl_elem_value_get_enumerated(val, i);
	default:
		return snd_ctl_elem_value_get_byte(val, i);
	}
}

static void print_value(snd_ctl_elem_type_t type, unsigned int count,
			snd_ctl_elem_value_t *val)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		printf("%s%lld", i ? "," : "", value_get(type, val, i));
	printf("\n");
}

static int value_equals(snd_ctl_elem_type_t type, unsigned int count,
			snd_ctl_elem_value_t *val, const long *want, int n)
{
	unsigned int i;

	if ((unsigned int)n != count)
		return 0;
	for (i = 0; i < count; i++)
		if (value_get(type, val, i) != want[i])
			return 0;
	return 1;
}

static void set_values(snd_ctl_elem_type_t type, snd_ctl_elem_value_t *val,
		       const long *v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		switch (type) {
		case SND_CTL_ELEM_TYPE_BOOLEAN:
			snd_ctl_elem_value_set_boolean(val, (unsigned int)i,
						       v[i]);
			break;
		case SND_CTL_ELEM_TYPE_INTEGER:
			snd_ctl_elem_value_set_integer(val, (unsigned int)i,
						       v[i]);
			break;
		case SND_CTL_ELEM_TYPE_INTEGER64:
			snd_ctl_elem_value_set_integer64(val, (unsigned int)i,
							 v[i]);
			break;
		case SND_CTL_ELEM_TYPE_ENUMERATED:
			snd_ctl_elem_value_set_enumerated(val, (unsigned int)i,
							  (unsigned int)v[i]);
			break;
		default:
			snd_ctl_elem_value_set_byte(val, (unsigned int)i,
						    (unsigned char)v[i]);
			break;
		}
	}
}

/* Wait for a value event on the element @id; 0 got one, 1 timeout, 2 error */
static int wait_event(snd_ctl_t *ctl, snd_ctl_elem_id_t *id, double timeout)
{
	double deadline = now_mono() + timeout;
	int err;

	err = snd_ctl_subscribe_events(ctl, 1);
	if (err < 0) {
		fprintf(stderr, "ctlval: snd_ctl_subscribe_events failed: %s\n",
			snd_strerror(err));
		return 2;
	}
	err = snd_ctl_nonblock(ctl, 1);
	if (err < 0) {
		fprintf(stderr, "ctlval: snd_ctl_nonblock failed: %s\n",
			snd_strerror(err));
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	err = ctl_wait_event("ctlval", ctl, id, SND_CTL_EVENT_MASK_VALUE,
			     deadline, NULL);
	if (err < 0)
		return 2;
	if (err > 0)
		fprintf(stderr, "ctlval: no event within %.1f s\n", timeout);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "card", required_argument, NULL, 'c' },
		{ "iface", required_argument, NULL, 'i' },
		{ "device", required_argument, NULL, 'd' },
		{ "subdevice", required_argument, NULL, 's' },
		{ "index", required_argument, NULL, 'x' },
		{ "info", no_argument, NULL, 'I' },
		{ "wait", required_argument, NULL, 'w' },
		{ "event", no_argument, NULL, 'E' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *card = "Loopback", *wait_str = NULL;
	snd_ctl_elem_iface_t iface = SND_CTL_ELEM_IFACE_PCM;
	unsigned long device = 0, subdevice = 0, index = 0;
	double timeout = 5;
	int info_only = 0, want_event = 0, c, err, status = 2, nvals = 0;
	long vals[128];
	char ctlname[64];
	snd_ctl_t *ctl = NULL;
	snd_ctl_elem_id_t *id = NULL;
	snd_ctl_elem_info_t *info = NULL;
	snd_ctl_elem_value_t *val = NULL;
	snd_ctl_elem_type_t type;
	unsigned int count;

	while ((c = getopt_long(argc, argv, "c:i:d:s:x:Iw:Et:h", longopts,
				NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'c':
			card = optarg;
			break;
		case 'i':
			bad = parse_iface(optarg, &iface);
			break;
		case 'd':
			bad = parse_uint(optarg, 0, UINT_MAX, &device);
			break;
		case 's':
			bad = parse_uint(optarg, 0, UINT_MAX, &subdevice);
			break;
		case 'x':
			bad = parse_uint(optarg, 0, UINT_MAX, &index);
			break;
		case 'I':
			info_only = 1;
			break;
		case 'w':
			wait_str = optarg;
			break;
		case 'E':
			want_event = 1;
			break;
		case 't':
			bad = parse_double(optarg, 0, 3600, &timeout);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
		if (bad) {
			fprintf(stderr, "ctlval: invalid argument '%s'\n",
				optarg);
			return 2;
		}
	}
	if (optind >= argc || argc - optind > 2 ||
	    (wait_str && want_event) ||
	    (argc - optind == 2 && (wait_str || info_only || want_event))) {
		usage(stderr);
		return 2;
	}
	if (argc - optind == 2) {
		nvals = parse_values(argv[optind + 1], vals, 128);
		if (nvals < 0) {
			fprintf(stderr, "ctlval: invalid value '%s'\n",
				argv[optind + 1]);
			return 2;
		}
	} else if (wait_str) {
		nvals = parse_values(wait_str, vals, 128);
		if (nvals < 0) {
			fprintf(stderr, "ctlval: invalid value '%s'\n",
				wait_str);
			return 2;
		}
	}

	if (ctl_open_card("ctlval", card, &ctl, ctlname, sizeof(ctlname)) < 0)
		goto out;
	if (snd_ctl_elem_id_malloc(&id) < 0 ||
	    snd_ctl_elem_info_malloc(&info) < 0 ||
	    snd_ctl_elem_value_malloc(&val) < 0) {
		fprintf(stderr, "ctlval: out of memory\n");
		goto out;
	}
	snd_ctl_elem_id_set_interface(id, iface);
	snd_ctl_elem_id_set_name(id, argv[optind]);
	snd_ctl_elem_id_set_device(id, (unsigned int)device);
	snd_ctl_elem_id_set_subdevice(id, (unsigned int)subdevice);
	snd_ctl_elem_id_set_index(id, (unsigned int)index);
	snd_ctl_elem_info_set_id(info, id);
	err = snd_ctl_elem_info(ctl, info);
	if (err < 0) {
		fprintf(stderr, "ctlval: snd_ctl_elem_info(iface=%s,name='%s',device=%lu,subdevice=%lu,index=%lu) failed: %s\n",
			snd_ctl_elem_iface_name(iface), argv[optind], device,
			subdevice, index, snd_strerror(err));
		goto out;
	}
	type = snd_ctl_elem_info_get_type(info);
	count = snd_ctl_elem_info_get_count(info);
	if (info_only) {
		printf("type=%s access=%s%s%s count=%u",
		       snd_ctl_elem_type_name(type),
		       snd_ctl_elem_info_is_readable(info) ? "r" : "-",
		       snd_ctl_elem_info_is_writable(info) ? "w" : "-",
		       snd_ctl_elem_info_is_volatile(info) ? "v" : "-", count);
		if (type == SND_CTL_ELEM_TYPE_INTEGER)
			printf(" min=%ld max=%ld step=%ld",
			       snd_ctl_elem_info_get_min(info),
			       snd_ctl_elem_info_get_max(info),
			       snd_ctl_elem_info_get_step(info));
		printf(" numid=%u\n", snd_ctl_elem_info_get_numid(info));
		status = 0;
		goto out;
	}
	if (count > 128 || (type != SND_CTL_ELEM_TYPE_BOOLEAN &&
			    type != SND_CTL_ELEM_TYPE_INTEGER &&
			    type != SND_CTL_ELEM_TYPE_INTEGER64 &&
			    type != SND_CTL_ELEM_TYPE_ENUMERATED &&
			    type != SND_CTL_ELEM_TYPE_BYTES)) {
		fprintf(stderr, "ctlval: element type %s not supported\n",
			snd_ctl_elem_type_name(type));
		goto out;
	}
	snd_ctl_elem_value_set_id(val, id);

	if (argc - optind == 2) {
		if ((unsigned int)nvals != count) {
			fprintf(stderr, "ctlval: element has %u values, %d given\n",
				count, nvals);
			goto out;
		}
		set_values(type, val, vals, nvals);
		err = snd_ctl_elem_write(ctl, val);
		if (err < 0) {
			printf("write: refused: %s\n", snd_strerror(err));
			status = 1;
		} else {
			printf("write: ok\n");
			status = 0;
		}
		err = snd_ctl_elem_read(ctl, val);
		if (err < 0) {
			fprintf(stderr, "ctlval: snd_ctl_elem_read failed: %s\n",
				snd_strerror(err));
			status = 2;
			goto out;
		}
		print_value(type, count, val);
		goto out;
	}

	if (want_event) {
		status = wait_event(ctl, id, timeout);
		if (status == 2)
			goto out;
		err = snd_ctl_elem_read(ctl, val);
		if (err < 0) {
			fprintf(stderr, "ctlval: snd_ctl_elem_read failed: %s\n",
				snd_strerror(err));
			status = 2;
			goto out;
		}
		print_value(type, count, val);
		goto out;
	}

	if (wait_str) {
		double deadline = now_mono() + timeout;

		for (;;) {
			err = snd_ctl_elem_read(ctl, val);
			if (err < 0) {
				fprintf(stderr, "ctlval: snd_ctl_elem_read failed: %s\n",
					snd_strerror(err));
				goto out;
			}
			if (value_equals(type, count, val, vals, nvals)) {
				status = 0;
				break;
			}
			if (now_mono() > deadline) {
				fprintf(stderr, "ctlval: timed out waiting for %s\n",
					wait_str);
				status = 1;
				break;
			}
			usleep(10000);
		}
		print_value(type, count, val);
		goto out;
	}

	err = snd_ctl_elem_read(ctl, val);
	if (err < 0) {
		fprintf(stderr, "ctlval: snd_ctl_elem_read failed: %s\n",
			snd_strerror(err));
		goto out;
	}
	print_value(type, count, val);
	status = 0;
out:
	snd_ctl_elem_id_free(id);
	snd_ctl_elem_info_free(info);
	snd_ctl_elem_value_free(val);
	if (ctl)
		snd_ctl_close(ctl);
	snd_config_update_free_global();
	return status;
}
