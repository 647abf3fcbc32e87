// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback sound card: choosing a cable's clock from timer_source.
 *
 * The syntax is the in-tree driver's, so existing module options keep
 * working: [PREFIX:]CARD[{.,}DEVICE[{.,}SUBDEVICE]], where CARD is a card
 * number or id and SUBDEVICE is the timer subdevice of a PCM timer,
 * (substream << 1) | stream.  An empty string means the system clock.
 */
#include <linux/kernel.h>
#include <linux/string.h>

#include "aloop.h"

static int parse_uint(const char *s, size_t len, int *value)
{
	char buf[12];
	unsigned int v;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (kstrtouint(buf, 0, &v) || v > INT_MAX)
		return -EINVAL;
	*value = v;
	return 0;
}

/* Card number of the card whose id is @name (length @len), or -ENODEV. */
static int card_by_id(const char *name, size_t len)
{
	struct snd_card *card;
	int i, found = -ENODEV;

	for (i = 0; i < SNDRV_CARDS && found < 0; i++) {
		card = snd_card_ref(i);
		if (!card)
			continue;
		if (strlen(card->id) == len && !strncmp(card->id, name, len))
			found = i;
		snd_card_unref(card);
	}
	return found;
}

/**
 * aloop_source_parse - turn a timer_source string into a PCM timer id
 * @str: the string, not empty
 * @id: filled on success; may be NULL to check the syntax only
 *
 * Return: 0; -EINVAL for bad syntax; -ENODEV when @str names a card id
 * that no present card has (only when @id is not NULL).
 */
int aloop_source_parse(const char *str, struct snd_timer_id *id)
{
	const char *card = strchr(str, ':');
	int number[2] = { 0, 0 };
	size_t card_len;
	int card_index = -1;
	int i;

	card = card ? card + 1 : str;
	card_len = strcspn(card, ".,");
	if (!card_len || card_len >= sizeof(((struct snd_card *)0)->id))
		return -EINVAL;

	/* DEVICE and SUBDEVICE, each optional */
	str = card + card_len;
	for (i = 0; i < ARRAY_SIZE(number) && *str; i++) {
		size_t len = strcspn(str + 1, ".,");

		if (parse_uint(str + 1, len, &number[i]))
			return -EINVAL;
		str += 1 + len;
	}
	if (*str)
		return -EINVAL;

	if (parse_uint(card, card_len, &card_index) == 0) {
		if (card_index >= SNDRV_CARDS)
			return -EINVAL;
	} else {
		for (i = 0; i < card_len; i++)
			if (!isalnum(card[i]) && card[i] != '_' && card[i] != '-')
				return -EINVAL;
		if (!id)
			return 0;
		card_index = card_by_id(card, card_len);
		if (card_index < 0)
			return card_index;
	}

	if (id) {
		memset(id, 0, sizeof(*id));
		id->dev_class = SNDRV_TIMER_CLASS_PCM;
		id->dev_sclass = SNDRV_TIMER_SCLASS_NONE;
		id->card = card_index;
		id->device = number[0];
		id->subdevice = number[1];
	}
	return 0;
}

/**
 * aloop_source_open - put a cable on the clock timer_source names
 * @cable: a cable with no open end; the card's cable_mutex held
 *
 * A source that cannot be used is reported and the system clock is used,
 * so opening a stream never fails because of the clock.
 */
void aloop_source_open(struct aloop_cable *cable)
{
	struct aloop *loop = cable->loop;
	struct snd_timer_id id;
	int err;

	lockdep_assert_held(&loop->cable_mutex);
	aloop_clock_use_system(&cable->clock);
	if (!loop->timer_source[0])
		return;

	err = aloop_source_parse(loop->timer_source, &id);
	if (!err)
		err = aloop_clock_open_card(&cable->clock, &id, loop->card->id);
	if (err < 0)
		dev_warn_ratelimited(loop->card->dev,
				     "timer_source \"%s\" unusable (%d), using the system clock\n",
				     loop->timer_source, err);
}

/**
 * aloop_source_close - release a cable's clock
 * @cable: a cable with no open end; the card's cable_mutex held
 */
void aloop_source_close(struct aloop_cable *cable)
{
	lockdep_assert_held(&cable->loop->cable_mutex);
	if (cable->clock.ops->close)
		cable->clock.ops->close(&cable->clock);
}
