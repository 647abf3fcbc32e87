// SPDX-License-Identifier: GPL-2.0
/*
 * aloop-timer - show and choose the clock of snd-aloop loopback cards.
 *
 * The loopback card's MIXER control "Timer Source" lists the clocks a
 * loopback can run on by name; the card keeps its choice as a name, also
 * while the named card is absent.  This program lists, reads, sets and
 * watches that control, and re-applies the choice saved by "alsactl
 * store" (the card's Timer Source value in the alsactl state file, read
 * with alsa-lib's configuration parser) through
 * /proc/asound/cardN/timer_source, which takes any name, also of a card
 * that has not appeared yet.  udev runs "apply" through systemd whenever
 * a sound card appears.  See aloop-timer(1).
 */
#include <alsa/asoundlib.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libudev.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef ALOOP_VERSION
#define ALOOP_VERSION "unknown"
#endif
#ifndef ALOOP_STATE_FILE
#define ALOOP_STATE_FILE "/var/lib/alsa/asound.state"
#endif
#ifndef ALOOP_LOCK_DIR
#define ALOOP_LOCK_DIR "/var/lock"
#endif
#ifndef ALOOP_RUN_DIR
#define ALOOP_RUN_DIR "/run/aloop-timer"
#endif

/* Exit statuses, as in the man page. */
enum {
	EX_OK = 0,
	EX_FAIL = 1,
	EX_USAGE_ = 2,
	EX_NAME = 3,
	EX_NOCARD = 4,
	EX_PERM = 5,
};

#define CTL_NAME "Timer Source"
#define SYSTEM_CLOCK "System clock"
#define DRIVER "Loopback"
/* how long apply waits for alsactl's card lock, as alsactl does */
#define LOCK_TIMEOUT_MS 10000

static const char *prog = "aloop-timer";
static bool quiet;

static void err_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A progress message of apply, left out with --quiet. */
static void note(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int errno_status(int err)
{
	err = err < 0 ? -err : err;
	return err == EACCES || err == EPERM ? EX_PERM : EX_FAIL;
}

/* --- one loopback card ----------------------------------------------------- */

struct card {
	int number;
	char id[32];
	snd_ctl_t *ctl;
	unsigned int substreams;	/* cables per direction */
	char **items;
	unsigned int n_items;
	char **cables;			/* [device * substreams + sub]: clock */
	bool open_cable[2][8];		/* from proc: cable's ends open */
	char state[2][8][16];		/* from proc: the clock's state */
};

static void free_items(char **items, unsigned int n)
{
	unsigned int i;

	if (!items)
		return;
	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

static void card_close(struct card *c)
{
	if (c->ctl)
		snd_ctl_close(c->ctl);
	free_items(c->items, c->n_items);
	free_items(c->cables, 2 * c->substreams);
	memset(c, 0, sizeof(*c));
}

static void set_elem(snd_ctl_elem_id_t *id, snd_ctl_elem_iface_t iface,
		     unsigned int device, unsigned int sub)
{
	snd_ctl_elem_id_clear(id);
	snd_ctl_elem_id_set_interface(id, iface);
	snd_ctl_elem_id_set_name(id, CTL_NAME);
	snd_ctl_elem_id_set_device(id, device);
	snd_ctl_elem_id_set_subdevice(id, sub);
}

/* The items of one Timer Source element; returns 0 or -errno. */
static int read_items(snd_ctl_t *ctl, snd_ctl_elem_iface_t iface,
		      unsigned int device, unsigned int sub,
		      char ***items, unsigned int *n)
{
	snd_ctl_elem_id_t *id;
	snd_ctl_elem_info_t *info;
	unsigned int i, count;
	char **list;
	int err;

	snd_ctl_elem_id_alloca(&id);
	snd_ctl_elem_info_alloca(&info);
	set_elem(id, iface, device, sub);
	snd_ctl_elem_info_set_id(info, id);
	err = snd_ctl_elem_info(ctl, info);
	if (err < 0)
		return err;
	if (snd_ctl_elem_info_get_type(info) != SND_CTL_ELEM_TYPE_ENUMERATED)
		return -EINVAL;
	count = snd_ctl_elem_info_get_items(info);
	list = calloc(count ? count : 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		snd_ctl_elem_info_set_item(info, i);
		err = snd_ctl_elem_info(ctl, info);
		if (!err) {
			list[i] = strdup(snd_ctl_elem_info_get_item_name(info));
			if (!list[i])
				err = -ENOMEM;
		}
		if (err < 0) {
			free_items(list, count);
			return err;
		}
	}
	*items = list;
	*n = count;
	return 0;
}

/* The item an element shows; returns 0 or -errno. */
static int read_value(snd_ctl_t *ctl, snd_ctl_elem_iface_t iface,
		      unsigned int device, unsigned int sub, char *name,
		      size_t size)
{
	snd_ctl_elem_id_t *id;
	snd_ctl_elem_info_t *info;
	snd_ctl_elem_value_t *val;
	int err;

	snd_ctl_elem_id_alloca(&id);
	snd_ctl_elem_info_alloca(&info);
	snd_ctl_elem_value_alloca(&val);
	set_elem(id, iface, device, sub);
	snd_ctl_elem_value_set_id(val, id);
	err = snd_ctl_elem_read(ctl, val);
	if (err < 0)
		return err;
	snd_ctl_elem_info_set_id(info, id);
	snd_ctl_elem_info_set_item(info,
				   snd_ctl_elem_value_get_enumerated(val, 0));
	err = snd_ctl_elem_info(ctl, info);
	if (err < 0)
		return err;
	snprintf(name, size, "%s", snd_ctl_elem_info_get_item_name(info));
	return 0;
}

static int read_choice(struct card *c, char *name, size_t size)
{
	return read_value(c->ctl, SND_CTL_ELEM_IFACE_MIXER, 0, 0, name, size);
}

/*
 * Open card @number if it is a loopback card of this driver.  Returns 0,
 * 1 if it is no loopback card, 2 if it is the in-tree driver's (no Timer
 * Source control), or -errno.
 */
static int card_open(int number, struct card *c)
{
	snd_ctl_card_info_t *info;
	char dev[32];
	int err;

	memset(c, 0, sizeof(*c));
	snd_ctl_card_info_alloca(&info);
	/* alsa-lib's "hw:N" says only "no such card" when it may not open it */
	snprintf(dev, sizeof(dev), "/dev/snd/controlC%d", number);
	if (access(dev, R_OK) && (errno == EACCES || errno == EPERM))
		return -errno;
	snprintf(dev, sizeof(dev), "hw:%d", number);
	err = snd_ctl_open(&c->ctl, dev, 0);
	if (err < 0) {
		c->ctl = NULL;
		return err;
	}
	err = snd_ctl_card_info(c->ctl, info);
	if (err < 0)
		goto fail;
	if (strcmp(snd_ctl_card_info_get_driver(info), DRIVER)) {
		card_close(c);
		return 1;
	}
	c->number = number;
	snprintf(c->id, sizeof(c->id), "%s", snd_ctl_card_info_get_id(info));
	err = read_items(c->ctl, SND_CTL_ELEM_IFACE_MIXER, 0, 0, &c->items,
			 &c->n_items);
	if (err == -ENOENT || err == -EINVAL) {
		card_close(c);
		return 2;
	}
	if (err < 0)
		goto fail;
	return 0;
fail:
	card_close(c);
	return err;
}

/* Re-read the card-wide items. */
static int card_reload(struct card *c)
{
	char **items;
	unsigned int n;
	int err;

	err = read_items(c->ctl, SND_CTL_ELEM_IFACE_MIXER, 0, 0, &items, &n);
	if (err < 0)
		return err;
	free_items(c->items, c->n_items);
	c->items = items;
	c->n_items = n;
	return 0;
}

/* The per-cable elements: what each cable runs on (see aloop_catalog.c). */
static int read_cables(struct card *c)
{
	char name[128];
	unsigned int d, s, n = 0;
	int err;

	for (s = 0; s < 8; s++) {
		err = read_value(c->ctl, SND_CTL_ELEM_IFACE_PCM, 0, s, name,
				 sizeof(name));
		if (err < 0)
			break;
		n++;
	}
	c->substreams = n;
	c->cables = calloc(2 * (n ? n : 1), sizeof(*c->cables));
	if (!c->cables)
		return -ENOMEM;
	for (d = 0; d < 2; d++) {
		for (s = 0; s < n; s++) {
			err = read_value(c->ctl, SND_CTL_ELEM_IFACE_PCM, d, s,
					 name, sizeof(name));
			if (err < 0)
				return err;
			c->cables[d * n + s] = strdup(name);
			if (!c->cables[d * n + s])
				return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Which cables are open, and their clock's state, from
 * /proc/asound/cardN/cable#P (P the playback device): a cable has a
 * "clock: NAME (STATE)" line while one of its ends is open.
 */
static void read_cable_states(struct card *c)
{
	char path[64], line[256];
	unsigned int p, cur;
	int have;
	FILE *f;

	for (p = 0; p < 2; p++) {
		snprintf(path, sizeof(path), "/proc/asound/card%d/cable#%u",
			 c->number, p);
		f = fopen(path, "r");
		if (!f)
			continue;
		have = 0;
		cur = 0;
		while (fgets(line, sizeof(line), f)) {
			unsigned int dev, sub;
			char *st, *end;

			if (sscanf(line, "Cable %u substream %u:", &dev,
				   &sub) == 2) {
				have = dev == p && sub < 8;
				cur = sub;
				continue;
			}
			if (!have || strncmp(line, "  clock: ", 9))
				continue;
			st = strrchr(line, '(');
			end = st ? strchr(st, ')') : NULL;
			/* the cable's capture end is on the other device */
			c->open_cable[!p][cur] = true;
			if (st && end)
				snprintf(c->state[!p][cur],
					 sizeof(c->state[!p][cur]), "%.*s",
					 (int)(end - st - 1), st + 1);
		}
		fclose(f);
	}
}

/* Is the timer of item @name there now?  Global timers always are. */
static bool item_present(const char *name)
{
	char id[32], dir[16], dev[32];
	unsigned int d, s;
	snd_ctl_t *ctl;
	snd_pcm_info_t *info;
	int n, card, err;

	if (!strcmp(name, "HR timer"))
		return !access("/sys/module/snd_hrtimer", F_OK);
	if (sscanf(name, "%31s %u.%u %15s%n", id, &d, &s, dir, &n) != 4 ||
	    name[n])
		return true;
	card = snd_card_get_index(id);
	if (card < 0)
		return false;
	snprintf(dev, sizeof(dev), "hw:%d", card);
	if (snd_ctl_open(&ctl, dev, 0) < 0)
		return false;
	snd_pcm_info_alloca(&info);
	snd_pcm_info_set_device(info, d);
	snd_pcm_info_set_subdevice(info, s);
	snd_pcm_info_set_stream(info, strcmp(dir, "capture") ?
				SND_PCM_STREAM_PLAYBACK :
				SND_PCM_STREAM_CAPTURE);
	err = snd_ctl_pcm_info(ctl, info);
	snd_ctl_close(ctl);
	return err == 0;
}

/* Does @s have the form of an item name of a card's PCM timer? */
static bool is_pcm_item_name(const char *s)
{
	char id[32], dir[16], check[128];
	unsigned int d, sub;
	int n;

	if (sscanf(s, "%31s %u.%u %15s%n", id, &d, &sub, dir, &n) != 4 ||
	    s[n] || (strcmp(dir, "playback") && strcmp(dir, "capture")))
		return false;
	snprintf(check, sizeof(check), "%s %u.%u %s", id, d, sub, dir);
	return !strcmp(check, s);
}

/* --- finding cards ---------------------------------------------------------- */

struct cards {
	struct card *v;
	unsigned int n;
	bool intree;	/* an in-tree snd-aloop card was seen */
};

static void cards_free(struct cards *cs)
{
	unsigned int i;

	for (i = 0; i < cs->n; i++)
		card_close(&cs->v[i]);
	free(cs->v);
	memset(cs, 0, sizeof(*cs));
}

/*
 * The cards and their drivers from /proc/asound/cards, whose lines are
 * " N [ID             ]: DRIVER - SHORTNAME": unlike snd_card_next(),
 * which skips the cards whose control device cannot be opened, it lists
 * them all, so a loopback card the user may not open is told apart from
 * none.  Returns the number of cards put in @numbers and @loop (whether
 * the driver is the loopback's), at most @max.
 */
static int proc_cards(int *numbers, bool *loop, int max)
{
	char line[256], *p;
	FILE *f = fopen("/proc/asound/cards", "r");
	int n, count = 0;

	if (!f)
		return 0;
	while (count < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%d [", &n) != 1)
			continue;
		p = strstr(line, "]: ");
		numbers[count] = n;
		loop[count++] = p && !strncmp(p + 3, DRIVER " - ",
					      strlen(DRIVER " - "));
	}
	fclose(f);
	return count;
}

/*
 * "N", "hw:N" or a card id to a card number; -ENODEV if there is none.
 * From /proc/asound, which also shows the cards the user may not open.
 */
static int card_index(const char *name)
{
	char path[64], link[64], *end;
	long n;
	ssize_t len;
	int used;

	if (!strncmp(name, "hw:", 3))
		name += 3;
	if (!*name || strchr(name, '/'))
		return -ENODEV;
	errno = 0;
	n = strtol(name, &end, 10);
	if (!errno && !*end && n >= 0 && n < 1000) {
		snprintf(path, sizeof(path), "/proc/asound/card%ld", n);
		return access(path, F_OK) ? -ENODEV : (int)n;
	}
	snprintf(path, sizeof(path), "/proc/asound/%s", name);
	len = readlink(path, link, sizeof(link) - 1);
	if (len <= 0)
		return -ENODEV;
	link[len] = '\0';
	if (sscanf(link, "card%ld%n", &n, &used) != 1 || link[used])
		return -ENODEV;
	return (int)n;
}

/*
 * Open the loopback cards: the one named @name, or every one.  Returns an
 * exit status, with a message when it is not EX_OK.  @need: at least one
 * card is needed.
 */
static int find_cards(const char *name, struct cards *cs, bool need)
{
	int numbers[64], count = 1, k, ret;
	bool loop[64] = { true };

	memset(cs, 0, sizeof(*cs));
	if (name) {
		numbers[0] = card_index(name);
		if (numbers[0] < 0) {
			err_msg("no sound card '%s'", name);
			return EX_NOCARD;
		}
	} else {
		count = proc_cards(numbers, loop, 64);
	}
	for (k = 0; k < count; k++) {
		struct card c, *v;

		if (!loop[k])
			continue;
		ret = card_open(numbers[k], &c);
		if (ret < 0) {
			if (!name && errno_status(ret) != EX_PERM)
				continue;	/* gone meanwhile */
			err_msg("card %d: cannot open its controls: %s",
				numbers[k], snd_strerror(ret));
			cards_free(cs);
			return errno_status(ret);
		}
		if (ret == 2)
			cs->intree = true;
		if (ret) {
			if (name) {
				err_msg("card '%s' is %s", name, ret == 2 ?
					"the in-tree snd-aloop, which has no \"" CTL_NAME "\" control" :
					"no loopback card");
				return EX_NOCARD;
			}
			continue;
		}
		v = realloc(cs->v, (cs->n + 1) * sizeof(*v));
		if (!v) {
			card_close(&c);
			cards_free(cs);
			err_msg("out of memory");
			return EX_FAIL;
		}
		cs->v = v;
		cs->v[cs->n++] = c;
	}
	if (need && !cs->n) {
		err_msg("no loopback card with a \"" CTL_NAME "\" control%s",
			cs->intree ? " (the in-tree snd-aloop is loaded, not this one)" :
			" (is snd-aloop loaded?)");
		return EX_NOCARD;
	}
	return EX_OK;
}

/* The only loopback card, or the one named. */
static int one_card(const char *name, struct cards *cs)
{
	int ret = find_cards(name, cs, true);

	if (ret)
		return ret;
	if (cs->n > 1) {
		err_msg("%u loopback cards (%s, %s%s): choose one with --card",
			cs->n, cs->v[0].id, cs->v[1].id,
			cs->n > 2 ? ", ..." : "");
		cards_free(cs);
		return EX_USAGE_;
	}
	return EX_OK;
}

/* --- list, get ---------------------------------------------------------------- */

static int cmd_list(const char *name)
{
	struct cards cs;
	unsigned int i, j, d, s;
	int ret, err;

	ret = find_cards(name, &cs, true);
	if (ret)
		return ret;
	for (i = 0; i < cs.n; i++) {
		struct card *c = &cs.v[i];
		char choice[128];
		bool any = false;

		err = read_choice(c, choice, sizeof(choice));
		if (!err)
			err = read_cables(c);
		if (err < 0) {
			err_msg("%s: cannot read \"" CTL_NAME "\": %s", c->id,
				snd_strerror(err));
			ret = EX_FAIL;
			continue;
		}
		read_cable_states(c);
		printf("%s%s (card %d):\n", i ? "\n" : "", c->id, c->number);
		printf("  items:\n");
		for (j = 0; j < c->n_items; j++)
			printf("  %c %2u  %s%s\n",
			       strcmp(c->items[j], choice) ? ' ' : '*', j,
			       c->items[j],
			       item_present(c->items[j]) ? "" : "  (absent)");
		printf("  cables:\n");
		for (d = 0; d < 2; d++) {
			for (s = 0; s < c->substreams; s++) {
				if (!c->open_cable[d][s])
					continue;
				any = true;
				printf("    %u,%u -> %u,%u  %s%s%s%s\n", !d, s, d,
				       s, c->cables[d * c->substreams + s],
				       c->state[d][s][0] ? " (" : "",
				       c->state[d][s],
				       c->state[d][s][0] ? ")" : "");
			}
		}
		if (!any)
			printf("    none open\n");
	}
	cards_free(&cs);
	return ret;
}

static int cmd_get(const char *name)
{
	struct cards cs;
	char choice[128];
	int ret, err;

	ret = one_card(name, &cs);
	if (ret)
		return ret;
	err = read_choice(&cs.v[0], choice, sizeof(choice));
	if (err < 0) {
		err_msg("%s: cannot read \"" CTL_NAME "\": %s", cs.v[0].id,
			snd_strerror(err));
		ret = EX_FAIL;
	} else {
		printf("%s\n", choice);
	}
	cards_free(&cs);
	return ret;
}

/* --- set ---------------------------------------------------------------------- */

/* Write @name to the card's proc file, which takes any name. */
static int proc_write(const struct card *c, const char *name)
{
	char path[64];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/asound/card%d/timer_source",
		 c->number);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fprintf(f, "%s\n", name) < 0)
		err = -errno;
	/* the kernel applies the write when the file is closed */
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static int write_index(struct card *c, unsigned int index)
{
	snd_ctl_elem_id_t *id;
	snd_ctl_elem_value_t *val;

	snd_ctl_elem_id_alloca(&id);
	snd_ctl_elem_value_alloca(&val);
	set_elem(id, SND_CTL_ELEM_IFACE_MIXER, 0, 0);
	snd_ctl_elem_value_set_id(val, id);
	snd_ctl_elem_value_set_enumerated(val, 0, index);
	return snd_ctl_elem_write(c->ctl, val);
}

/*
 * The item @name means: exact, else the only item it is a prefix of.
 * Returns its index, -1 for none, -2 for several.
 */
static int match_item(const struct card *c, const char *name)
{
	unsigned int i;
	int found = -1;

	for (i = 0; i < c->n_items; i++)
		if (!strcmp(c->items[i], name))
			return (int)i;
	for (i = 0; i < c->n_items; i++) {
		if (strncmp(c->items[i], name, strlen(name)))
			continue;
		if (found >= 0)
			return -2;
		found = (int)i;
	}
	return found;
}

static int cmd_set(const char *cardname, const char *name)
{
	struct cards cs;
	struct card *c;
	char now[128];
	int ret, idx, err;
	unsigned int i;

	ret = one_card(cardname, &cs);
	if (ret)
		return ret;
	c = &cs.v[0];
	idx = *name ? match_item(c, name) : -1;
	if (idx >= 0) {
		err = write_index(c, (unsigned int)idx);
		if (err < 0) {
			err_msg("%s: cannot set \"" CTL_NAME "\" to '%s': %s",
				c->id, c->items[idx], snd_strerror(err));
			ret = errno_status(err);
			goto out;
		}
	} else if (idx == -1 && is_pcm_item_name(name)) {
		/* a card that is absent now: only the proc file takes it */
		err = proc_write(c, name);
		if (err < 0) {
			err_msg("%s: '%s' is not listed (its card is absent); choosing it needs root, to write /proc/asound/card%d/timer_source: %s",
				c->id, name, c->number, strerror(-err));
			ret = errno_status(err);
			goto out;
		}
	} else {
		err_msg("%s: %s '%s'; the items are:", c->id,
			idx == -2 ? "several items start with" : "no item", name);
		for (i = 0; i < c->n_items; i++)
			if (idx == -1 || !strncmp(c->items[i], name, strlen(name)))
				fprintf(stderr, "  %s\n", c->items[i]);
		ret = EX_NAME;
		goto out;
	}
	err = read_choice(c, now, sizeof(now));
	if (err < 0) {
		err_msg("%s: cannot read \"" CTL_NAME "\" back: %s", c->id,
			snd_strerror(err));
		ret = EX_FAIL;
		goto out;
	}
	printf("%s\n", now);
out:
	cards_free(&cs);
	return ret;
}

/* --- apply -------------------------------------------------------------------- */

/*
 * The Timer Source value saved for card @id in the alsactl state file.
 * Returns 1 with @out set, 0 if there is none, -errno on error (-ENOENT:
 * no state file).
 */
static int saved_choice(snd_config_t *top, const char *id, char *out,
			size_t size)
{
	snd_config_t *controls;
	snd_config_iterator_t i, next;

	if (snd_config_searchv(top, &controls, "state", id, "control",
			       NULL) < 0)
		return 0;
	if (snd_config_get_type(controls) != SND_CONFIG_TYPE_COMPOUND)
		return 0;
	snd_config_for_each(i, next, controls) {
		snd_config_t *ctl = snd_config_iterator_entry(i), *n;
		const char *s;
		long v;

		if (snd_config_search(ctl, "iface", &n) < 0 ||
		    snd_config_get_string(n, &s) < 0 || strcmp(s, "MIXER"))
			continue;
		if (snd_config_search(ctl, "name", &n) < 0 ||
		    snd_config_get_string(n, &s) < 0 || strcmp(s, CTL_NAME))
			continue;
		if (!snd_config_search(ctl, "index", &n) &&
		    (snd_config_get_integer(n, &v) < 0 || v))
			continue;
		if (!snd_config_search(ctl, "device", &n) &&
		    (snd_config_get_integer(n, &v) < 0 || v))
			continue;
		if (snd_config_search(ctl, "value", &n) < 0 ||
		    snd_config_get_string(n, &s) < 0)
			return -EINVAL;	/* alsactl stores item names */
		snprintf(out, size, "%s", s);
		return 1;
	}
	return 0;
}

static int load_state(const char *file, snd_config_t **top)
{
	snd_input_t *in;
	int err;

	err = snd_config_top(top);
	if (err < 0)
		return err;
	if (access(file, R_OK)) {
		err = -errno;
		snd_config_delete(*top);
		return err;
	}
	err = snd_input_stdio_open(&in, file, "r");
	if (err >= 0) {
		err = snd_config_load(*top, in);
		snd_input_close(in);
	}
	if (err < 0)
		snd_config_delete(*top);
	return err;
}

/*
 * alsactl's lock on a card (lock.c in alsa-utils): a write lock on the
 * first 11 bytes of LOCKDIR/cardN.lock, which "alsactl restore" holds
 * while it restores the card.  Returns the fd, -1 when there is nothing
 * to lock against (no lock directory), or -errno.
 */
static int card_lock(int number)
{
	struct flock lck = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			     .l_len = 11 };
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	char path[PATH_MAX];
	int fd, waited = 0;

	snprintf(path, sizeof(path), "%s/card%d.lock", ALOOP_LOCK_DIR, number);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == ENOENT ? -1 : -errno;
	while (fcntl(fd, F_SETLK, &lck)) {
		if ((errno != EAGAIN && errno != EACCES) ||
		    waited >= LOCK_TIMEOUT_MS) {
			int err = errno == EAGAIN || errno == EACCES ?
				  -ETIMEDOUT : -errno;

			close(fd);
			return err;
		}
		nanosleep(&pause, NULL);
		waited += 20;
	}
	return fd;
}

/* This card's identity for as long as it exists: its sysfs directory. */
static unsigned long long card_instance(int number)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/sound/card%d/", number);
	return stat(path, &st) ? 0 : (unsigned long long)st.st_ino;
}

/* What apply last wrote to this card instance, from the run directory. */
static bool applied_get(const struct card *c, unsigned long long inst,
			char *name, size_t size)
{
	char path[PATH_MAX], line[256];
	unsigned long long got;
	int n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", ALOOP_RUN_DIR, c->id);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f) ||
	    sscanf(line, "%llu %n", &got, &n) != 1 || got != inst) {
		fclose(f);
		return false;
	}
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	snprintf(name, size, "%s", line + n);
	return true;
}

static void applied_set(const struct card *c, unsigned long long inst,
			const char *name)
{
	char path[256], tmp[300];
	FILE *f;

	if (mkdir(ALOOP_RUN_DIR, 0755) && errno != EEXIST)
		goto fail;
	snprintf(path, sizeof(path), "%s/%s", ALOOP_RUN_DIR, c->id);
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (!f)
		goto fail;
	fprintf(f, "%llu %s\n", inst, name);
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		goto fail;
	}
	return;
fail:
	err_msg("%s: cannot record the applied choice in %s: %s", c->id,
		ALOOP_RUN_DIR, strerror(errno));
}

/* Apply the saved choice to one card; returns an exit status. */
static int apply_card(struct card *c, snd_config_t *top, const char *file,
		      bool force, bool lock)
{
	char saved[128], now[128], done[128];
	unsigned long long inst = card_instance(c->number);
	bool had;
	int fd = -1, err, ret = EX_OK;

	err = saved_choice(top, c->id, saved, sizeof(saved));
	if (err < 0) {
		err_msg("%s: the \"" CTL_NAME "\" value saved in %s is not an item name",
			c->id, file);
		return EX_FAIL;
	}
	if (!err) {
		note("%s: no \"" CTL_NAME "\" saved in %s: nothing to apply",
		     c->id, file);
		return EX_OK;
	}
	if (lock) {
		fd = card_lock(c->number);
		if (fd < -1) {
			err_msg("%s: cannot take alsactl's lock %s/card%d.lock: %s",
				c->id, ALOOP_LOCK_DIR, c->number,
				strerror(-fd));
			return errno_status(fd);
		}
	}
	err = read_choice(c, now, sizeof(now));
	if (err < 0) {
		err_msg("%s: cannot read \"" CTL_NAME "\": %s", c->id,
			snd_strerror(err));
		ret = EX_FAIL;
		goto out;
	}
	had = applied_get(c, inst, done, sizeof(done));
	if (!strcmp(now, saved)) {
		note("%s: \"" CTL_NAME "\" is '%s', as saved", c->id, saved);
		if (!had || strcmp(done, saved))
			applied_set(c, inst, saved);
		goto out;
	}
	if (had && strcmp(now, done) && !force) {
		note("%s: \"" CTL_NAME "\" was changed to '%s' after '%s' was applied: left alone (--force applies '%s')",
		     c->id, now, done, saved);
		goto out;
	}
	err = proc_write(c, saved);
	if (err < 0) {
		err_msg("%s: cannot write /proc/asound/card%d/timer_source: %s",
			c->id, c->number, strerror(-err));
		ret = errno_status(err);
		goto out;
	}
	err = read_choice(c, now, sizeof(now));
	if (err < 0 || strcmp(now, saved)) {
		err_msg("%s: the kernel did not take '%s' (see dmesg)", c->id,
			saved);
		ret = EX_FAIL;
		goto out;
	}
	applied_set(c, inst, saved);
	note("%s: applied '%s'%s", c->id, saved,
	     item_present(saved) ? "" : " (absent: the system clock runs until it appears)");
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int cmd_apply(const char *name, const char *file, bool force,
		     bool lock)
{
	snd_config_t *top;
	struct cards cs;
	unsigned int i;
	int ret, r, err;

	ret = find_cards(name, &cs, name != NULL);
	if (ret)
		return ret;
	if (!cs.n) {
		note("no loopback card: nothing to apply");
		return EX_OK;
	}
	err = load_state(file, &top);
	if (err == -ENOENT) {
		note("no state file %s: nothing to apply", file);
		cards_free(&cs);
		return EX_OK;
	}
	if (err < 0) {
		err_msg("cannot read %s: %s", file, snd_strerror(err));
		cards_free(&cs);
		return errno_status(err);
	}
	for (i = 0; i < cs.n; i++) {
		r = apply_card(&cs.v[i], top, file, force, lock);
		if (r > ret)
			ret = r;
	}
	snd_config_delete(top);
	cards_free(&cs);
	return ret;
}

/* --- watch -------------------------------------------------------------------- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct watch {
	struct card *v[32];	/* by card number */
	unsigned long left;	/* events until exit, 0: no limit */
	bool counted;
};

static void emit(struct watch *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (w->counted && w->left && !--w->left)
		stop = 1;
}

static void watch_add(struct watch *w, int number, bool announce)
{
	struct card *c;
	char choice[128];
	int err;

	if (number < 0 || number >= 32 || w->v[number])
		return;
	c = malloc(sizeof(*c));
	if (!c)
		return;
	if (card_open(number, c)) {
		free(c);
		return;
	}
	err = snd_ctl_subscribe_events(c->ctl, 1);
	if (!err)
		err = snd_ctl_nonblock(c->ctl, 1);
	if (!err)
		err = read_choice(c, choice, sizeof(choice));
	if (err < 0) {
		err_msg("%s: cannot watch: %s", c->id, snd_strerror(err));
		card_close(c);
		free(c);
		return;
	}
	w->v[number] = c;
	if (announce)
		emit(w, "%s added (card %d)", c->id, number);
	emit(w, "%s choice %s", c->id, choice);
}

static void watch_remove(struct watch *w, int number)
{
	struct card *c = w->v[number];

	if (!c)
		return;
	emit(w, "%s removed", c->id);
	card_close(c);
	free(c);
	w->v[number] = NULL;
}

/* An INFO event on the card-wide element: the items changed. */
static void items_changed(struct watch *w, struct card *c)
{
	char **old = c->items;
	unsigned int n_old = c->n_items, i, j;

	c->items = NULL;
	c->n_items = 0;
	if (card_reload(c) < 0) {
		c->items = old;
		c->n_items = n_old;
		return;
	}
	for (i = 0; i < n_old; i++) {
		for (j = 0; j < c->n_items; j++)
			if (!strcmp(old[i], c->items[j]))
				break;
		if (j == c->n_items)
			emit(w, "%s item- %s", c->id, old[i]);
	}
	for (j = 0; j < c->n_items; j++) {
		for (i = 0; i < n_old; i++)
			if (!strcmp(old[i], c->items[j]))
				break;
		if (i == n_old)
			emit(w, "%s item+ %s", c->id, c->items[j]);
	}
	free_items(old, n_old);
}

/* Read and report a card's pending events; false if it went away. */
static bool card_events(struct watch *w, struct card *c)
{
	snd_ctl_event_t *ev;
	char name[128];
	int err;

	snd_ctl_event_alloca(&ev);
	while ((err = snd_ctl_read(c->ctl, ev)) > 0) {
		unsigned int mask, dev, sub;
		snd_ctl_elem_iface_t iface;

		if (snd_ctl_event_get_type(ev) != SND_CTL_EVENT_ELEM)
			continue;
		mask = snd_ctl_event_elem_get_mask(ev);
		if (mask == SND_CTL_EVENT_MASK_REMOVE ||
		    strcmp(snd_ctl_event_elem_get_name(ev), CTL_NAME))
			continue;
		iface = snd_ctl_event_elem_get_interface(ev);
		dev = snd_ctl_event_elem_get_device(ev);
		sub = snd_ctl_event_elem_get_subdevice(ev);
		if (iface == SND_CTL_ELEM_IFACE_MIXER) {
			if (mask & SND_CTL_EVENT_MASK_INFO)
				items_changed(w, c);
			if ((mask & SND_CTL_EVENT_MASK_VALUE) &&
			    !read_choice(c, name, sizeof(name)))
				emit(w, "%s choice %s", c->id, name);
		} else if (iface == SND_CTL_ELEM_IFACE_PCM &&
			   (mask & SND_CTL_EVENT_MASK_VALUE) &&
			   !read_value(c->ctl, iface, dev, sub, name,
				       sizeof(name))) {
			emit(w, "%s cable %u,%u -> %u,%u %s", c->id, !dev, sub,
			     dev, sub, name);
		}
	}
	return err == 0 || err == -EAGAIN;
}

/* A udev (or kernel) event on the sound subsystem: cards come and go. */
static void udev_event(struct watch *w, struct udev_monitor *mon)
{
	struct udev_device *dev = udev_monitor_receive_device(mon);
	const char *action, *sysname;
	int number;

	if (!dev)
		return;
	action = udev_device_get_action(dev);
	sysname = udev_device_get_sysname(dev);
	if (action && sysname && sscanf(sysname, "controlC%d", &number) == 1) {
		if (!strcmp(action, "add"))
			watch_add(w, number, true);
		else if (!strcmp(action, "remove") && number >= 0 &&
			 number < 32)
			watch_remove(w, number);
	}
	udev_device_unref(dev);
}

/* Without udev events: add the loopback cards that appeared. */
static void rescan(struct watch *w)
{
	int numbers[64], count, k;
	bool loop[64];

	count = proc_cards(numbers, loop, 64);
	for (k = 0; k < count; k++)
		if (loop[k] && numbers[k] >= 0 && numbers[k] < 32 &&
		    !w->v[numbers[k]])
			watch_add(w, numbers[k], true);
}

static int cmd_watch(const char *name, unsigned long count, double timeout)
{
	struct watch w = { .left = count };
	struct udev *udev = NULL;
	struct udev_monitor *mon = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	struct pollfd pfd[1 + 32 * 4];
	struct cards cs;
	struct timespec t0, t;
	int ret, number, i;
	unsigned int k;

	ret = find_cards(name, &cs, name != NULL);
	if (ret)
		return ret;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	/*
	 * Without a card named, follow cards as they come and go: through
	 * udev's events when udevd runs, else the kernel's, else (a kernel
	 * without netlink) by looking at the card list every second.
	 */
	if (!name) {
		udev = udev_new();
		mon = udev ? udev_monitor_new_from_netlink(udev,
				access("/run/udev/control", F_OK) ? "kernel" : "udev") : NULL;
		if (mon && (udev_monitor_filter_add_match_subsystem_devtype(mon, "sound", NULL) < 0 ||
			    udev_monitor_enable_receiving(mon) < 0)) {
			udev_monitor_unref(mon);
			mon = NULL;
		}
	}
	for (k = 0; k < cs.n; k++) {
		number = cs.v[k].number;
		watch_add(&w, number, false);
	}
	cards_free(&cs);
	if (name && !w.v[card_index(name)]) {
		ret = EX_FAIL;
		goto out;
	}
	/* the current choices printed above are not counted */
	w.counted = true;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!stop) {
		int n = 0, ms = -1;

		if (mon) {
			pfd[n].fd = udev_monitor_get_fd(mon);
			pfd[n++].events = POLLIN;
		}
		for (i = 0; i < 32; i++) {
			int m;

			if (!w.v[i])
				continue;
			m = snd_ctl_poll_descriptors(w.v[i]->ctl, pfd + n, 4);
			n += m > 0 ? m : 0;
		}
		if (name && !n) {
			ret = EX_NOCARD;	/* the named card went away */
			break;
		}
		if (timeout > 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			ms = (int)((timeout - (double)(t.tv_sec - t0.tv_sec) -
				    (double)(t.tv_nsec - t0.tv_nsec) / 1e9) * 1000);
			if (ms <= 0)
				break;
		}
		if (!name && !mon && (ms < 0 || ms > 1000))
			ms = 1000;
		if (poll(pfd, (nfds_t)n, ms) < 0)
			continue;
		if (!name && !mon)
			rescan(&w);
		if (mon && (pfd[0].revents & POLLIN))
			udev_event(&w, mon);
		for (i = 0; i < 32 && !stop; i++) {
			if (w.v[i] && !card_events(&w, w.v[i]))
				watch_remove(&w, i);
		}
	}
out:
	for (i = 0; i < 32; i++) {
		if (w.v[i]) {
			card_close(w.v[i]);
			free(w.v[i]);
		}
	}
	if (mon)
		udev_monitor_unref(mon);
	if (udev)
		udev_unref(udev);
	return ret;
}

/* --- main ----------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: aloop-timer [OPTION]... COMMAND [NAME]\n"
"Show and choose the clock (\"Timer Source\") of snd-aloop loopback cards.\n"
"\n"
"Commands:\n"
"  list        the items, the chosen one (*), absent cards, and the clock\n"
"              of each open cable\n"
"  get         print the chosen item\n"
"  set NAME    choose an item: its exact name or a prefix of only one item;\n"
"              an item name of a card that is absent now needs root\n"
"  watch       print changes as they happen, until interrupted\n"
"  apply       re-apply the choice saved by \"alsactl store\" (what udev runs)\n"
"\n"
"Options:\n"
"  -c, --card=CARD      the loopback card: number, id or hw:N (default: the\n"
"                       only one for get and set, every one for the others)\n"
"  -f, --file=FILE      apply: alsactl state file (default %s)\n"
"      --force          apply: also over a choice changed since the last apply\n"
"      --no-lock        apply: do not take alsactl's card lock (for alsactl's\n"
"                       init profile, which runs apply while holding it)\n"
"  -q, --quiet          apply: print errors only\n"
"  -n, --count=N        watch: exit after N lines\n"
"  -t, --timeout=SEC    watch: exit after SEC seconds\n"
"  -h, --help           show this help\n"
"  -V, --version        show the version\n"
"\n"
"Exit status: 0 success, 1 failure, 2 usage error, 3 unknown or ambiguous\n"
"NAME, 4 no loopback card, 5 no permission.\n", ALOOP_STATE_FILE);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "card", required_argument, NULL, 'c' },
		{ "file", required_argument, NULL, 'f' },
		{ "force", no_argument, NULL, 'F' },
		{ "no-lock", no_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *card = NULL, *file = ALOOP_STATE_FILE, *cmd;
	bool force = false, lock = true, apply_opts = false;
	unsigned long count = 0;
	double timeout = 0;
	char *end;
	int o, ret, want_args;

	while ((o = getopt_long(argc, argv, "c:f:qn:t:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			card = optarg;
			break;
		case 'f':
			file = optarg;
			apply_opts = true;
			break;
		case 'F':
			force = true;
			apply_opts = true;
			break;
		case 'L':
			lock = false;
			apply_opts = true;
			break;
		case 'q':
			quiet = true;
			apply_opts = true;
			break;
		case 'n':
			errno = 0;
			count = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || *optarg == '-' ||
			    !count) {
				err_msg("--count: '%s' is not a number above 0",
					optarg);
				return EX_USAGE_;
			}
			break;
		case 't':
			errno = 0;
			timeout = strtod(optarg, &end);
			if (errno || *end || !*optarg || !(timeout > 0)) {
				err_msg("--timeout: '%s' is not a number of seconds above 0",
					optarg);
				return EX_USAGE_;
			}
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'V':
			printf("aloop-timer %s\n", ALOOP_VERSION);
			return EX_OK;
		default:
			fprintf(stderr, "Try '%s --help'.\n", prog);
			return EX_USAGE_;
		}
	}
	if (optind >= argc) {
		err_msg("no command given");
		fprintf(stderr, "Try '%s --help'.\n", prog);
		return EX_USAGE_;
	}
	cmd = argv[optind++];
	want_args = !strcmp(cmd, "set") ? 1 : 0;
	if (strcmp(cmd, "list") && strcmp(cmd, "get") && strcmp(cmd, "set") &&
	    strcmp(cmd, "watch") && strcmp(cmd, "apply")) {
		err_msg("unknown command '%s'", cmd);
		fprintf(stderr, "Try '%s --help'.\n", prog);
		return EX_USAGE_;
	}
	if (apply_opts && strcmp(cmd, "apply")) {
		err_msg("%s: --file, --force, --no-lock and --quiet are options of apply",
			cmd);
		fprintf(stderr, "Try '%s --help'.\n", prog);
		return EX_USAGE_;
	}
	if ((count || timeout > 0) && strcmp(cmd, "watch")) {
		err_msg("%s: --count and --timeout are options of watch", cmd);
		fprintf(stderr, "Try '%s --help'.\n", prog);
		return EX_USAGE_;
	}
	if (argc - optind != want_args) {
		err_msg(want_args ? "%s: give one NAME" :
			"%s: takes no argument", cmd);
		fprintf(stderr, "Try '%s --help'.\n", prog);
		return EX_USAGE_;
	}

	if (!strcmp(cmd, "list"))
		ret = cmd_list(card);
	else if (!strcmp(cmd, "get"))
		ret = cmd_get(card);
	else if (!strcmp(cmd, "set"))
		ret = cmd_set(card, argv[optind]);
	else if (!strcmp(cmd, "watch"))
		ret = cmd_watch(card, count, timeout);
	else
		ret = cmd_apply(card, file, force, lock);
	snd_config_update_free_global();
	return ret;
}
