// SPDX-License-Identifier: GPL-2.0
/*
 * timersrc - the "Timer Source" controls of a loopback card, as a control
 * client sees them: the card-wide MIXER element that chooses the clock,
 * and the read-only per-cable PCM elements that show the clock a cable
 * really runs on.  Items are handled by name, as alsactl and amixer do.
 *
 * Exit status: 0 success, 1 write refused or no event in time,
 * 2 setup error.
 */
#include <getopt.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define TS_NAME "Timer Source"

enum { EXIT_OK = 0, EXIT_NO = 1, EXIT_SETUP = 2 };

static void usage(FILE *f)
{
	fprintf(f,
"Usage: timersrc [-c CARD] COMMAND [ARG]...\n"
"Read, write and watch the \"" TS_NAME "\" controls of a loopback card:\n"
"the card-wide element (iface MIXER, device 0, subdevice 0, index 0) that\n"
"chooses the clock, and the read-only per-cable elements (iface PCM,\n"
"device and subdevice of the cable's capture end) that show the clock the\n"
"cable runs on.\n"
"\n"
"Commands:\n"
"  items [--cable D S]   print the items of the card-wide element (or of\n"
"                        the per-cable one), one per line: \"N NAME\"\n"
"  get                   print the name of the selected item\n"
"  set NAME              select the item called NAME\n"
"  set --index N         write item number N as it is, even out of range\n"
"  cable D S             print the item the per-cable element of capture\n"
"                        device D, subdevice S shows\n"
"  wait info|value [--cable D S] [--timeout SEC] [--ready FILE]\n"
"       [--run CMD | --set NAME]\n"
"                        wait for the next INFO (item list) or VALUE event\n"
"                        on the card-wide element, or on the per-cable one\n"
"                        with --cable, and print \"event: info|value after\n"
"                        MS ms\", then the name of the item it shows now\n"
"\n"
"Options:\n"
"  -c, --card=CARD       card number or id (default Loopback)\n"
"  -h, --help            show this help\n"
"  --cable D S           the per-cable element of capture device D,\n"
"                        subdevice S\n"
"  --timeout SEC         wait: give up after SEC seconds (default 5)\n"
"  --ready FILE          wait: create FILE once subscribed to events\n"
"  --run CMD             wait: once subscribed, run CMD with /bin/sh -c;\n"
"                        the time counts from its start\n"
"  --set NAME            wait: once subscribed, select NAME on the\n"
"                        card-wide element; the time counts from the write\n"
"Without --run or --set the time counts from the subscription.\n"
"\n"
"\"set\" prints \"write: ok\", \"write: unchanged\" (NAME was selected\n"
"already) or \"write: refused: REASON\", then the selected item's name.\n"
"\n"
"Exit status: 0 success; 1 the driver refused the write, or no event came\n"
"within the timeout; 2 setup error (bad arguments, card or element not\n"
"found, NAME is not an item, the --run command failed).\n");
}

/* The item names of an ENUMERATED element. */
struct items {
	unsigned int n;
	char **name;
};

static void items_free(struct items *it)
{
	unsigned int i;

	for (i = 0; i < it->n; i++)
		free(it->name[i]);
	free(it->name);
	it->name = NULL;
	it->n = 0;
}

static void set_id(snd_ctl_elem_id_t *id, int cable, unsigned long device,
		   unsigned long subdevice)
{
	snd_ctl_elem_id_clear(id);
	snd_ctl_elem_id_set_interface(id, cable ? SND_CTL_ELEM_IFACE_PCM :
					      SND_CTL_ELEM_IFACE_MIXER);
	snd_ctl_elem_id_set_name(id, TS_NAME);
	snd_ctl_elem_id_set_device(id, cable ? (unsigned int)device : 0);
	snd_ctl_elem_id_set_subdevice(id, cable ? (unsigned int)subdevice : 0);
	snd_ctl_elem_id_set_index(id, 0);
}

static void describe(const snd_ctl_elem_id_t *id, char *buf, size_t len)
{
	snprintf(buf, len, "iface=%s,name='%s',device=%u,subdevice=%u",
		 snd_ctl_elem_iface_name(snd_ctl_elem_id_get_interface(id)),
		 snd_ctl_elem_id_get_name(id),
		 snd_ctl_elem_id_get_device(id),
		 snd_ctl_elem_id_get_subdevice(id));
}

/* Fill @it with the items of element @id; returns 0 or -1 (message printed). */
static int items_load(snd_ctl_t *ctl, const snd_ctl_elem_id_t *id,
		      struct items *it)
{
	snd_ctl_elem_info_t *info = NULL;
	char what[160];
	unsigned int i, n;
	int err, ret = -1;

	it->n = 0;
	it->name = NULL;
	describe(id, what, sizeof(what));
	if (snd_ctl_elem_info_malloc(&info) < 0) {
		fprintf(stderr, "timersrc: out of memory\n");
		return -1;
	}
	snd_ctl_elem_info_set_id(info, id);
	err = snd_ctl_elem_info(ctl, info);
	if (err < 0) {
		fprintf(stderr, "timersrc: snd_ctl_elem_info(%s) failed: %s\n",
			what, snd_strerror(err));
		goto out;
	}
	if (snd_ctl_elem_info_get_type(info) != SND_CTL_ELEM_TYPE_ENUMERATED) {
		fprintf(stderr, "timersrc: %s is %s, not ENUMERATED\n", what,
			snd_ctl_elem_type_name(snd_ctl_elem_info_get_type(info)));
		goto out;
	}
	n = snd_ctl_elem_info_get_items(info);
	it->name = calloc(n ? n : 1, sizeof(*it->name));
	if (!it->name) {
		fprintf(stderr, "timersrc: out of memory\n");
		goto out;
	}
	for (i = 0; i < n; i++) {
		snd_ctl_elem_info_set_item(info, i);
		err = snd_ctl_elem_info(ctl, info);
		if (err < 0) {
			fprintf(stderr, "timersrc: snd_ctl_elem_info(%s, item %u) failed: %s\n",
				what, i, snd_strerror(err));
			goto out;
		}
		it->name[i] = strdup(snd_ctl_elem_info_get_item_name(info));
		if (!it->name[i]) {
			fprintf(stderr, "timersrc: out of memory\n");
			goto out;
		}
		it->n = i + 1;
	}
	ret = 0;
out:
	if (ret)
		items_free(it);
	snd_ctl_elem_info_free(info);
	return ret;
}

/* Read the item number element @id shows; returns 0 or -1. */
static int read_index(snd_ctl_t *ctl, const snd_ctl_elem_id_t *id,
		      unsigned int *index)
{
	snd_ctl_elem_value_t *val = NULL;
	char what[160];
	int err;

	if (snd_ctl_elem_value_malloc(&val) < 0) {
		fprintf(stderr, "timersrc: out of memory\n");
		return -1;
	}
	snd_ctl_elem_value_set_id(val, id);
	err = snd_ctl_elem_read(ctl, val);
	if (err < 0) {
		describe(id, what, sizeof(what));
		fprintf(stderr, "timersrc: snd_ctl_elem_read(%s) failed: %s\n",
			what, snd_strerror(err));
	} else {
		*index = snd_ctl_elem_value_get_enumerated(val, 0);
	}
	snd_ctl_elem_value_free(val);
	return err < 0 ? -1 : 0;
}

/* Write item number @index to element @id; returns 0 or a negative errno. */
static int write_index(snd_ctl_t *ctl, const snd_ctl_elem_id_t *id,
		       unsigned int index)
{
	snd_ctl_elem_value_t *val = NULL;
	int err;

	if (snd_ctl_elem_value_malloc(&val) < 0)
		return -ENOMEM;
	snd_ctl_elem_value_set_id(val, id);
	snd_ctl_elem_value_set_enumerated(val, 0, index);
	err = snd_ctl_elem_write(ctl, val);
	snd_ctl_elem_value_free(val);
	return err < 0 ? err : 0;
}

/* Print the name of the item element @id shows; returns an exit status. */
static int print_current(snd_ctl_t *ctl, const snd_ctl_elem_id_t *id)
{
	struct items it;
	unsigned int index;
	int ret = EXIT_SETUP;

	if (items_load(ctl, id, &it))
		return EXIT_SETUP;
	if (read_index(ctl, id, &index) == 0) {
		if (index < it.n) {
			printf("%s\n", it.name[index]);
			ret = EXIT_OK;
		} else {
			fprintf(stderr, "timersrc: the element shows item %u of %u\n",
				index, it.n);
		}
	}
	items_free(&it);
	return ret;
}

/* Number of the item called @name in @it, or -1. */
static long find_item(const struct items *it, const char *name)
{
	unsigned int i;

	for (i = 0; i < it->n; i++)
		if (!strcmp(it->name[i], name))
			return i;
	return -1;
}

static int lookup(snd_ctl_t *ctl, const snd_ctl_elem_id_t *id,
		  const char *name, unsigned int *index)
{
	struct items it;
	long i;

	if (items_load(ctl, id, &it))
		return -1;
	i = find_item(&it, name);
	if (i < 0)
		fprintf(stderr, "timersrc: '%s' is not an item of " TS_NAME
			" (%u items)\n", name, it.n);
	else
		*index = (unsigned int)i;
	items_free(&it);
	return i < 0 ? -1 : 0;
}

static int cmd_items(snd_ctl_t *ctl, const snd_ctl_elem_id_t *id)
{
	struct items it;
	unsigned int i;

	if (items_load(ctl, id, &it))
		return EXIT_SETUP;
	for (i = 0; i < it.n; i++)
		printf("%u %s\n", i, it.name[i]);
	items_free(&it);
	return EXIT_OK;
}

static int cmd_set(snd_ctl_t *ctl, const snd_ctl_elem_id_t *id,
		   const char *name, unsigned long raw)
{
	unsigned int index = (unsigned int)raw, before;
	int err, ret;

	if (name && lookup(ctl, id, name, &index))
		return EXIT_SETUP;
	if (read_index(ctl, id, &before))
		return EXIT_SETUP;
	err = write_index(ctl, id, index);
	if (err < 0) {
		printf("write: refused: %s\n", snd_strerror(err));
		ret = EXIT_NO;
	} else {
		printf("write: %s\n", before == index ? "unchanged" : "ok");
		ret = EXIT_OK;
	}
	if (print_current(ctl, id) != EXIT_OK)
		ret = EXIT_SETUP;
	return ret;
}

struct wait_args {
	unsigned int mask;
	double timeout;
	const char *ready;
	const char *run;
	const char *set;
};

static int cmd_wait(snd_ctl_t *ctl, const snd_ctl_elem_id_t *id,
		    const snd_ctl_elem_id_t *card_id, const struct wait_args *a)
{
	const char *kind = a->mask == SND_CTL_EVENT_MASK_INFO ? "info" : "value";
	unsigned int set_index = 0;
	struct items it;
	double start, when = 0;
	pid_t child = -1;
	int err, ret;

	/* the element must exist; --set needs its item number beforehand */
	if (items_load(ctl, id, &it))
		return EXIT_SETUP;
	items_free(&it);
	if (a->set && lookup(ctl, card_id, a->set, &set_index))
		return EXIT_SETUP;

	err = snd_ctl_subscribe_events(ctl, 1);
	if (err >= 0)
		err = snd_ctl_nonblock(ctl, 1);
	if (err < 0) {
		fprintf(stderr, "timersrc: subscribing to events failed: %s\n",
			snd_strerror(err));
		return EXIT_SETUP;
	}
	if (a->ready) {
		FILE *f = fopen(a->ready, "w");

		if (!f) {
			fprintf(stderr, "timersrc: cannot create %s: %s\n",
				a->ready, strerror(errno));
			return EXIT_SETUP;
		}
		fclose(f);
	}

	fflush(NULL);
	start = now_mono();
	if (a->run) {
		child = fork();
		if (child < 0) {
			perror("timersrc: fork");
			return EXIT_SETUP;
		}
		if (child == 0) {
			execl("/bin/sh", "sh", "-c", a->run, (char *)NULL);
			_exit(127);
		}
	} else if (a->set) {
		err = write_index(ctl, card_id, set_index);
		if (err < 0) {
			printf("write: refused: %s\n", snd_strerror(err));
			return EXIT_NO;
		}
	}

	ret = ctl_wait_event("timersrc", ctl, id, a->mask, start + a->timeout,
			     &when);
	if (ret < 0)
		ret = EXIT_SETUP;	/* else EXIT_OK or EXIT_NO */
	if (ret == EXIT_OK)
		printf("event: %s after %.3f ms\n", kind, (when - start) * 1000);
	else if (ret == EXIT_NO)
		fprintf(stderr, "timersrc: no %s event within %.1f s\n", kind,
			a->timeout);

	if (child > 0) {
		int status;

		while (waitpid(child, &status, 0) < 0) {
			if (errno != EINTR) {
				perror("timersrc: waitpid");
				return EXIT_SETUP;
			}
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "timersrc: '%s' failed (status %d)\n",
				a->run, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			return EXIT_SETUP;
		}
	}
	if (ret == EXIT_OK && print_current(ctl, id) != EXIT_OK)
		ret = EXIT_SETUP;
	return ret;
}

/*
 * Option @name of a command at argv[*i], as "--name VALUE" or
 * "--name=VALUE": returns 1 and sets *@val (advancing *@i past a separate
 * VALUE), 0 if argv[*i] is another word, -1 if VALUE is missing.
 */
static int take_opt(int argc, char **argv, int *i, const char *name,
		    const char **val)
{
	size_t len = strlen(name);
	const char *arg = argv[*i];

	if (strncmp(arg, name, len))
		return 0;
	if (arg[len] == '=') {
		*val = arg + len + 1;
		return 1;
	}
	if (arg[len])
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*i += 1;
	*val = argv[*i];
	return 1;
}

static int parse_cable(int argc, char **argv, int *i, unsigned long *device,
		       unsigned long *subdevice)
{
	if (*i + 2 >= argc ||
	    parse_uint(argv[*i + 1], 0, UINT_MAX, device) ||
	    parse_uint(argv[*i + 2], 0, UINT_MAX, subdevice))
		return -1;
	*i += 2;
	return 0;
}

static int bad_usage(const char *msg)
{
	fprintf(stderr, "timersrc: %s (see --help)\n", msg);
	return EXIT_SETUP;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "card", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct wait_args wa = { 0, 5, NULL, NULL, NULL };
	const char *card = "Loopback", *cmd, *set_name = NULL, *val;
	unsigned long device = 0, subdevice = 0, raw = 0;
	snd_ctl_elem_id_t *id = NULL, *card_id = NULL;
	snd_ctl_t *ctl = NULL;
	int cable = 0, have_raw = 0, c, i, r, ret = EXIT_SETUP;
	char ctlname[64];

	/* "+": options end at the command */
	while ((c = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			card = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_SETUP;
		}
	}
	if (optind >= argc)
		return bad_usage("no command");
	cmd = argv[optind];
	i = optind + 1;

	if (!strcmp(cmd, "items")) {
		for (; i < argc; i++) {
			if (strcmp(argv[i], "--cable") ||
			    parse_cable(argc, argv, &i, &device, &subdevice))
				return bad_usage("items takes only --cable D S");
			cable = 1;
		}
	} else if (!strcmp(cmd, "get")) {
		if (i != argc)
			return bad_usage("get takes no arguments");
	} else if (!strcmp(cmd, "set")) {
		if (i < argc && !strcmp(argv[i], "--index")) {
			if (i + 2 != argc || parse_uint(argv[i + 1], 0, UINT_MAX, &raw))
				return bad_usage("set --index takes one number");
			have_raw = 1;
		} else if (i + 1 == argc) {
			set_name = argv[i];
		} else {
			return bad_usage("set takes NAME or --index N");
		}
	} else if (!strcmp(cmd, "cable")) {
		if (i + 2 != argc || parse_uint(argv[i], 0, UINT_MAX, &device) ||
		    parse_uint(argv[i + 1], 0, UINT_MAX, &subdevice))
			return bad_usage("cable takes DEVICE SUBDEVICE");
		cable = 1;
	} else if (!strcmp(cmd, "wait")) {
		if (i >= argc)
			return bad_usage("wait takes info or value");
		if (!strcmp(argv[i], "info"))
			wa.mask = SND_CTL_EVENT_MASK_INFO;
		else if (!strcmp(argv[i], "value"))
			wa.mask = SND_CTL_EVENT_MASK_VALUE;
		else
			return bad_usage("wait takes info or value");
		for (i++; i < argc; i++) {
			if (!strcmp(argv[i], "--cable")) {
				if (parse_cable(argc, argv, &i, &device, &subdevice))
					return bad_usage("--cable takes DEVICE SUBDEVICE");
				cable = 1;
			} else if ((r = take_opt(argc, argv, &i, "--timeout", &val))) {
				if (r < 0 || parse_double(val, 0, 3600, &wa.timeout))
					return bad_usage("--timeout takes seconds");
			} else if ((r = take_opt(argc, argv, &i, "--ready", &val))) {
				if (r < 0)
					return bad_usage("--ready takes a file name");
				wa.ready = val;
			} else if ((r = take_opt(argc, argv, &i, "--run", &val))) {
				if (r < 0)
					return bad_usage("--run takes a command");
				wa.run = val;
			} else if ((r = take_opt(argc, argv, &i, "--set", &val))) {
				if (r < 0)
					return bad_usage("--set takes an item name");
				wa.set = val;
			} else {
				fprintf(stderr, "timersrc: unknown argument '%s'\n",
					argv[i]);
				return bad_usage("wrong wait arguments");
			}
		}
		if (wa.run && wa.set)
			return bad_usage("--run and --set exclude each other");
	} else {
		fprintf(stderr, "timersrc: unknown command '%s'\n", cmd);
		return bad_usage("wrong command");
	}

	if (ctl_open_card("timersrc", card, &ctl, ctlname, sizeof(ctlname)) < 0)
		goto out;
	if (snd_ctl_elem_id_malloc(&id) < 0 ||
	    snd_ctl_elem_id_malloc(&card_id) < 0) {
		fprintf(stderr, "timersrc: out of memory\n");
		goto out;
	}
	set_id(id, cable, device, subdevice);
	set_id(card_id, 0, 0, 0);

	if (!strcmp(cmd, "items"))
		ret = cmd_items(ctl, id);
	else if (!strcmp(cmd, "set"))
		ret = cmd_set(ctl, id, set_name, have_raw ? raw : 0);
	else if (!strcmp(cmd, "wait"))
		ret = cmd_wait(ctl, id, card_id, &wa);
	else
		ret = print_current(ctl, id);	/* get, cable */
out:
	snd_ctl_elem_id_free(id);
	snd_ctl_elem_id_free(card_id);
	if (ctl)
		snd_ctl_close(ctl);
	snd_config_update_free_global();
	return ret;
}
