// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback sound card: which clock each cable runs on.
 *
 * The user chooses one clock per loopback card, by name: the "Timer
 * Source" control, the timer_source parameter or the proc file.  The
 * choice stays a name.  While the named timer is present, every cable
 * with an open end runs on it (on its card clock, which runs at the
 * system clock's rate until the card's stream ticks); while it is absent
 * they run on the system clock; when it comes back they move onto it
 * again.  aloop_source_update() brings the cables in line with the choice
 * and the catalogue and tells userspace which clock each cable really
 * follows; it runs whenever either changes, when a card clock starts or
 * stops following its ticks, and when a cable opens or closes.
 *
 * Besides item names, the in-tree driver's syntax is accepted,
 * [PREFIX:]CARD[{.,}DEVICE[{.,}SUBDEVICE]] with CARD a number or id and
 * SUBDEVICE the PCM timer's (substream << 1) | stream; it is turned into
 * an item name, at once for a card id, and for a card number as soon as
 * that card is present.
 */
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <sound/control.h>

#include "aloop.h"

static int parse_uint(const char *s, size_t len, unsigned int *value)
{
	char buf[12];

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return kstrtouint(buf, 0, value) ? -EINVAL : 0;
}

/*
 * The in-tree syntax as an item name.  Return: 0; -EINVAL for bad
 * syntax; -ENODEV for a card number that no present card has.
 */
static int intree_to_name(const char *str, char *name)
{
	const char *card = strchr(str, ':');
	unsigned int number[2] = { 0, 0 };
	struct snd_card *ref = NULL;
	unsigned int card_index;
	size_t card_len, i;

	card = card ? card + 1 : str;
	card_len = strcspn(card, ".,");
	if (!card_len || card_len >= sizeof(ref->id))
		return -EINVAL;
	str = card + card_len;
	for (i = 0; i < ARRAY_SIZE(number) && *str; i++) {
		size_t len = strcspn(str + 1, ".,");

		if (parse_uint(str + 1, len, &number[i]))
			return -EINVAL;
		str += 1 + len;
	}
	if (*str || number[0] >= SNDRV_PCM_DEVICES)
		return -EINVAL;

	if (!parse_uint(card, card_len, &card_index)) {
		if (card_index >= SNDRV_CARDS)
			return -EINVAL;
		ref = snd_card_ref(card_index);
		if (!ref)
			return -ENODEV;
		card = ref->id;
		card_len = strlen(card);
	} else {
		for (i = 0; i < card_len; i++)
			if (!isalnum(card[i]) && card[i] != '_' && card[i] != '-')
				return -EINVAL;
	}
	snprintf(name, ALOOP_NAME_LEN, "%.*s %u.%u %s", (int)card_len, card,
		 number[0], number[1] >> 1,
		 number[1] & 1 ? "capture" : "playback");
	if (ref)
		snd_card_unref(ref);
	return 0;
}

/**
 * aloop_source_canonical - turn what a user wrote into a choice
 * @str: an item name, the in-tree syntax, or empty or "System clock"
 * @name: ALOOP_NAME_LEN bytes for the choice; empty for the system clock
 *
 * Return: 0, or -EINVAL when @str is neither a name nor the syntax.
 */
int aloop_source_canonical(const char *str, char *name)
{
	int err;

	if (!*str || !strcmp(str, aloop_system_clock.name)) {
		name[0] = '\0';
		return 0;
	}
	if (strlen(str) >= ALOOP_NAME_LEN)
		return -EINVAL;
	if (aloop_catalog_is_name(str)) {
		strscpy(name, str, ALOOP_NAME_LEN);
		return 0;
	}
	err = intree_to_name(str, name);
	if (err == -ENODEV) {
		/* a card number that is not there yet: keep it as given */
		strscpy(name, str, ALOOP_NAME_LEN);
		err = 0;
	}
	return err;
}

/**
 * aloop_source_choose - set a card's choice of clock
 * @loop: the card
 * @str: see aloop_source_canonical()
 *
 * The cables follow at the next aloop_source_update().
 *
 * Return: 1 if the choice changed, 0 if not, -EINVAL for a bad @str.
 */
int aloop_source_choose(struct aloop *loop, const char *str)
{
	char name[ALOOP_NAME_LEN];
	int changed;

	if (aloop_source_canonical(str, name))
		return -EINVAL;
	mutex_lock(&aloop_catalog_mutex);
	changed = strcmp(name, loop->timer_source) != 0;
	strscpy(loop->timer_source, name, sizeof(loop->timer_source));
	mutex_unlock(&aloop_catalog_mutex);
	return changed;
}

/* A card that is registered and not on its way out. */
static bool card_present(int number)
{
	struct snd_card *card = snd_card_ref(number);
	bool present = card && !card->shutdown;

	if (card)
		snd_card_unref(card);
	return present;
}

/* What a cable should follow: a linked substream, else the choice. */
static const char *wanted_name(struct aloop_cable *cable, const char *choice)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(cable->streams); i++)
		if (cable->streams[i] && cable->streams[i]->link_name[0])
			return cable->streams[i]->link_name;
	return choice;
}

/* The clock a cable should run on; a new reference for a card clock. */
static struct aloop_clock *wanted_clock(struct aloop_cable *cable,
					const char *choice)
{
	struct aloop_clock *clock = cable->clock;
	const char *name = wanted_name(cable, choice);
	struct snd_timer_id id;
	bool present;

	if (!name[0] || (!cable->streams[0] && !cable->streams[1]))
		return &aloop_system_clock;
	mutex_lock(&aloop_catalog_mutex);
	present = aloop_catalog_find(name, &id);
	mutex_unlock(&aloop_catalog_mutex);
	if (!present)
		return &aloop_system_clock;
	if (clock != &aloop_system_clock && !strcmp(clock->name, name) &&
	    !aloop_card_clock_dead(clock))
		return clock;
	/* a card on its way out: do not make the timer core look for it */
	if (id.dev_class == SNDRV_TIMER_CLASS_PCM && !card_present(id.card))
		return &aloop_system_clock;
	clock = aloop_card_clock_get(&id, name);
	if (IS_ERR(clock)) {
		dev_warn_ratelimited(cable->loop->card->dev,
				     "cannot open timer \"%s\" (%ld), using the system clock\n",
				     name, PTR_ERR(clock));
		return &aloop_system_clock;
	}
	return clock;
}

static void notify_value(struct aloop *loop, struct snd_kcontrol *kctl)
{
	snd_ctl_notify(loop->card, SNDRV_CTL_EVENT_MASK_VALUE, &kctl->id);
}

/**
 * aloop_source_update_locked - bring a card's cables in line
 * @loop: the card, its cable_mutex held
 *
 * Moves every cable onto the clock it should run on, refreshes the
 * "Timer Source" items and values, and sends the events.
 */
void aloop_source_update_locked(struct aloop *loop)
{
	char choice[ALOOP_NAME_LEN], name[ALOOP_NAME_LEN];
	struct aloop_cable *cable;
	struct aloop_clock *clock, *old;
	unsigned int n, dev, shown;

	lockdep_assert_held(&loop->cable_mutex);
	mutex_lock(&aloop_catalog_mutex);
	/* a card given by number may have come */
	if (loop->timer_source[0] && !aloop_catalog_is_name(loop->timer_source) &&
	    !intree_to_name(loop->timer_source, name))
		strscpy(loop->timer_source, name, sizeof(loop->timer_source));
	strscpy(choice, loop->timer_source, sizeof(choice));
	mutex_unlock(&aloop_catalog_mutex);

	for (n = 0; n < loop->substreams; n++) {
		for (dev = 0; dev < ALOOP_DEVICES; dev++) {
			cable = &loop->cables[n][dev];
			clock = wanted_clock(cable, choice);
			if (clock == cable->clock)
				continue;
			old = aloop_cable_set_clock(cable, clock);
			if (old != &aloop_system_clock)
				aloop_card_clock_put(old);
		}
	}

	mutex_lock(&aloop_catalog_mutex);
	aloop_catalog_refresh_items(loop);
	for (n = 0; n < loop->substreams; n++) {
		for (dev = 0; dev < ALOOP_DEVICES; dev++) {
			cable = &loop->cables[n][dev];
			clock = cable->clock;
			shown = clock->ops->following(clock) ?
				aloop_catalog_index(loop, clock->name) : 0;
			if (shown != cable->shown) {
				cable->shown = shown;
				notify_value(loop, cable->ctl_timer_source);
			}
		}
	}
	mutex_unlock(&aloop_catalog_mutex);
}

/**
 * aloop_source_update - bring a card's cables in line
 * @loop: the card; process context, no locks held
 */
void aloop_source_update(struct aloop *loop)
{
	mutex_lock(&loop->cable_mutex);
	aloop_source_update_locked(loop);
	mutex_unlock(&loop->cable_mutex);
}
