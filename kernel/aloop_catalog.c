// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback sound card: the catalogue of timers and "Timer Source".
 *
 * The catalogue lists the PCM timer of every substream of every card
 * that is not a card of this module, one item each, named from the card's
 * id (never its number): "<id> <device>.<substream> playback|capture".
 * Items are sorted by id, device, substream, then playback before
 * capture, so their order does not depend on card numbers or probe
 * order.  Item 0 is always the system clock, the safe default (alsactl
 * restore writes item 0 when a stored name is missing).  Global timers
 * come first, while their module is loaded: "HR timer" (snd-hrtimer).
 * The timer core tells nobody when a global timer registers and would
 * load its module on a mere look-up, so a module notifier says when
 * snd-hrtimer comes and goes, and its /sys/module directory whether it
 * was there before us.
 *
 * It is rebuilt from a work item whenever a PCM registers or disconnects,
 * as snd_pcm_notify() reports (it replays the PCMs present when we
 * start).  Those callbacks run under the PCM core's register_mutex before
 * the card is reachable, so they only note the PCM and queue the work;
 * the work retries for a while if a card is not reachable yet.
 *
 * Each loopback card shows the catalogue through its MIXER "Timer
 * Source" control, plus its choice when that is absent, so the control
 * keeps showing what the user chose; each cable shows the clock it
 * follows through a read-only PCM "Timer Source" control.  An INFO event
 * goes out when the items change, a VALUE event when a shown item does.
 *
 * Locking: pcms_mutex protects the PCM list and nests inside the PCM
 * core's register_mutex.  aloop_catalog_mutex protects the catalogue and
 * every card's choice, items and shown values; it nests inside a card's
 * cable_mutex and a control's controls_rwsem.  loops_mutex protects the
 * list of loopback cards and is taken outside cable_mutex.
 */
#include <linux/list.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/notifier.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <sound/control.h>

#include "aloop.h"

#if !IS_ENABLED(CONFIG_SND_PCM_OSS)
#error "snd_pcm_notify() is needed, which the kernel has with CONFIG_SND_PCM_OSS"
#endif

/* how long a PCM's card may stay unreachable after it registered */
#define RETRY_MS	20
#define RETRIES		100

struct timer_entry {
	char name[ALOOP_NAME_LEN];
	char card_id[sizeof(((struct snd_card *)0)->id)];
	unsigned int device;
	unsigned int substream;
	unsigned int stream;
	struct snd_timer_id id;
};

struct pcm_node {
	struct list_head node;
	struct snd_pcm *pcm;
};

DEFINE_MUTEX(aloop_catalog_mutex);	/* see the top of the file */
static struct timer_entry *entries;	/* under aloop_catalog_mutex */
static unsigned int entry_count;	/* under aloop_catalog_mutex */

static LIST_HEAD(pcms);
static DEFINE_MUTEX(pcms_mutex);	/* see the top of the file */
static unsigned int retries;		/* under pcms_mutex */

static LIST_HEAD(loops);
static DEFINE_MUTEX(loops_mutex);	/* see the top of the file */

/* Global timers listed while their module is loaded. */
static const struct {
	const char *module;
	int device;
	const char *name;
} global_timers[] = {
	{ "snd_hrtimer", SNDRV_TIMER_GLOBAL_HRTIMER, "HR timer" },
};

/* global timers whose module is unloading, as BIT(index); pcms_mutex */
static unsigned long globals_going;

static const char * const stream_names[] = {
	[SNDRV_PCM_STREAM_PLAYBACK] = "playback",
	[SNDRV_PCM_STREAM_CAPTURE] = "capture",
};

/* Split an item name into its sort key; false if it is not one. */
static bool parse_name(const char *name, struct timer_entry *key)
{
	char dir[9], check[ALOOP_NAME_LEN];

	if (sscanf(name, "%15s %u.%u %8s", key->card_id, &key->device,
		   &key->substream, dir) != 4)
		return false;
	if (!strcmp(dir, stream_names[SNDRV_PCM_STREAM_PLAYBACK]))
		key->stream = SNDRV_PCM_STREAM_PLAYBACK;
	else if (!strcmp(dir, stream_names[SNDRV_PCM_STREAM_CAPTURE]))
		key->stream = SNDRV_PCM_STREAM_CAPTURE;
	else
		return false;
	snprintf(check, sizeof(check), "%s %u.%u %s", key->card_id,
		 key->device, key->substream, dir);
	return !strcmp(check, name);
}

/**
 * aloop_catalog_is_name - whether a string has the form of an item name
 * @str: the string
 *
 * Return: true for "<id> <device>.<substream> playback|capture" and the
 * names of global timers.
 */
bool aloop_catalog_is_name(const char *str)
{
	struct timer_entry key;
	int i;

	for (i = 0; i < ARRAY_SIZE(global_timers); i++)
		if (!strcmp(str, global_timers[i].name))
			return true;
	return parse_name(str, &key);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct timer_entry *x = a, *y = b;
	int c = strcmp(x->card_id, y->card_id);

	if (c)
		return c;
	if (x->device != y->device)
		return x->device < y->device ? -1 : 1;
	if (x->substream != y->substream)
		return x->substream < y->substream ? -1 : 1;
	return (int)x->stream - (int)y->stream;
}

static void add_entries(struct snd_pcm *pcm, struct timer_entry *list,
			unsigned int *n)
{
	struct snd_pcm_substream *substream;
	struct timer_entry *e;
	int stream;

	for (stream = 0; stream < ARRAY_SIZE(pcm->streams); stream++) {
		substream = pcm->streams[stream].substream;
		for (; substream; substream = substream->next) {
			e = &list[(*n)++];
			strscpy(e->card_id, pcm->card->id, sizeof(e->card_id));
			e->device = pcm->device;
			e->substream = substream->number;
			e->stream = stream;
			snprintf(e->name, sizeof(e->name), "%s %u.%u %s",
				 e->card_id, e->device, e->substream,
				 stream_names[stream]);
			e->id.dev_class = SNDRV_TIMER_CLASS_PCM;
			e->id.dev_sclass = SNDRV_TIMER_SCLASS_NONE;
			e->id.card = pcm->card->number;
			e->id.device = pcm->device;
			e->id.subdevice = (substream->number << 1) | stream;
		}
	}
}

static bool module_loaded(const char *name)
{
	char dir[MODULE_NAME_LEN + 16];
	struct path path;

	snprintf(dir, sizeof(dir), "/sys/module/%s", name);
	if (kern_path(dir, LOOKUP_FOLLOW, &path))
		return false;
	path_put(&path);
	return true;
}

/* Global timers whose module is there.  pcms_mutex held. */
static void add_globals(struct timer_entry *list, unsigned int *n)
{
	struct timer_entry *e;
	int i;

	for (i = 0; i < ARRAY_SIZE(global_timers); i++) {
		if ((globals_going & BIT(i)) ||
		    !module_loaded(global_timers[i].module))
			continue;
		e = &list[(*n)++];
		/* an empty card id sorts them first */
		strscpy(e->name, global_timers[i].name, sizeof(e->name));
		e->id.dev_class = SNDRV_TIMER_CLASS_GLOBAL;
		e->id.dev_sclass = SNDRV_TIMER_SCLASS_NONE;
		e->id.card = -1;
		e->id.device = global_timers[i].device;
		e->device = global_timers[i].device;
	}
}

/* The timers of every reachable card; *@late if a card was not. */
static struct timer_entry *collect(unsigned int *count, bool *late)
{
	struct timer_entry *list;
	struct pcm_node *pn;
	struct snd_card *card;
	unsigned int max;
	int stream;

	*count = 0;
	*late = false;
	mutex_lock(&pcms_mutex);
	max = ARRAY_SIZE(global_timers);
	list_for_each_entry(pn, &pcms, node)
		for (stream = 0; stream < ARRAY_SIZE(pn->pcm->streams); stream++)
			max += pn->pcm->streams[stream].substream_count;
	list = kcalloc(max, sizeof(*list), GFP_KERNEL);
	if (!list)
		goto unlock;
	add_globals(list, count);
	list_for_each_entry(pn, &pcms, node) {
		card = snd_card_ref(pn->pcm->card->number);
		if (card == pn->pcm->card)
			add_entries(pn->pcm, list, count);
		else
			*late = true;
		if (card)
			snd_card_unref(card);
	}
	if (*late && retries < RETRIES)
		retries++;
	else
		*late = false;
unlock:
	mutex_unlock(&pcms_mutex);
	if (list)
		sort(list, *count, sizeof(*list), entry_cmp, NULL);
	return list;
}

static bool same_entries(const struct timer_entry *a, unsigned int na,
			 const struct timer_entry *b, unsigned int nb)
{
	unsigned int i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i].name, b[i].name) || a[i].id.card != b[i].id.card)
			return false;
	return true;
}

static void update_all_cards(void)
{
	struct aloop *loop;

	mutex_lock(&loops_mutex);
	list_for_each_entry(loop, &loops, node)
		aloop_source_update(loop);
	mutex_unlock(&loops_mutex);
}

static void rebuild(struct work_struct *work);
static DECLARE_DELAYED_WORK(rebuild_work, rebuild);

static void rebuild(struct work_struct *work)
{
	struct timer_entry *list;
	unsigned int count;
	bool late, changed;

	list = collect(&count, &late);
	if (!list)
		return;
	mutex_lock(&aloop_catalog_mutex);
	changed = !same_entries(list, count, entries, entry_count);
	if (changed) {
		swap(list, entries);
		entry_count = count;
	}
	mutex_unlock(&aloop_catalog_mutex);
	kfree(list);

	/* cables may also wait for a timer whose card just became usable */
	update_all_cards();
	if (late)
		mod_delayed_work(system_wq, &rebuild_work,
				 msecs_to_jiffies(RETRY_MS));
}

static void clocks_changed(struct work_struct *work)
{
	update_all_cards();
}

static DECLARE_WORK(clocks_work, clocks_changed);

/**
 * aloop_source_clocks_changed - a card clock started, stopped or died
 *
 * Any context.  The cables and controls catch up from a work item.
 */
void aloop_source_clocks_changed(void)
{
	schedule_work(&clocks_work);
}

static int pcm_registered(struct snd_pcm *pcm)
{
	struct pcm_node *pn;

	/* our own cards are no clock for us */
	if (pcm->card->module == THIS_MODULE)
		return 0;
	pn = kzalloc(sizeof(*pn), GFP_KERNEL);
	if (!pn)
		return -ENOMEM;
	pn->pcm = pcm;
	mutex_lock(&pcms_mutex);
	list_add_tail(&pn->node, &pcms);
	retries = 0;
	mutex_unlock(&pcms_mutex);
	mod_delayed_work(system_wq, &rebuild_work, 0);
	return 0;
}

static int pcm_gone(struct snd_pcm *pcm)
{
	struct pcm_node *pn, *tmp;

	mutex_lock(&pcms_mutex);
	list_for_each_entry_safe(pn, tmp, &pcms, node) {
		if (pn->pcm == pcm) {
			list_del(&pn->node);
			kfree(pn);
		}
	}
	mutex_unlock(&pcms_mutex);
	mod_delayed_work(system_wq, &rebuild_work, 0);
	return 0;
}

static struct snd_pcm_notify pcm_notify = {
	.n_register = pcm_registered,
	.n_disconnect = pcm_gone,
	.n_unregister = pcm_gone,
};

static int module_changed(struct notifier_block *nb, unsigned long state,
			  void *data)
{
	struct module *mod = data;
	int i;

	for (i = 0; i < ARRAY_SIZE(global_timers); i++) {
		if (strcmp(mod->name, global_timers[i].module))
			continue;
		if (state != MODULE_STATE_LIVE && state != MODULE_STATE_GOING)
			break;
		mutex_lock(&pcms_mutex);
		if (state == MODULE_STATE_GOING)
			globals_going |= BIT(i);
		else
			globals_going &= ~BIT(i);
		mutex_unlock(&pcms_mutex);
		mod_delayed_work(system_wq, &rebuild_work, 0);
	}
	return NOTIFY_DONE;
}

static struct notifier_block module_notifier = {
	.notifier_call = module_changed,
};

/**
 * aloop_catalog_find - look a timer up by item name
 * @name: the name
 * @id: filled with the timer's id when found
 *
 * Caller holds aloop_catalog_mutex.
 *
 * Return: whether the timer is present.
 */
bool aloop_catalog_find(const char *name, struct snd_timer_id *id)
{
	unsigned int i;

	lockdep_assert_held(&aloop_catalog_mutex);
	for (i = 0; i < entry_count; i++) {
		if (!strcmp(entries[i].name, name)) {
			*id = entries[i].id;
			return true;
		}
	}
	return false;
}

/**
 * aloop_catalog_index - a name's position among a card's items
 * @loop: the card
 * @name: an item name
 *
 * Caller holds aloop_catalog_mutex.
 *
 * Return: the index, or 0 (the system clock) when @name is not listed.
 */
unsigned int aloop_catalog_index(struct aloop *loop, const char *name)
{
	unsigned int i;

	lockdep_assert_held(&aloop_catalog_mutex);
	for (i = 1; i < loop->item_count; i++)
		if (!strcmp(loop->items[i], name))
			return i;
	return 0;
}

static void notify_info(struct aloop *loop, struct snd_kcontrol *kctl)
{
	snd_ctl_notify(loop->card, SNDRV_CTL_EVENT_MASK_INFO, &kctl->id);
}

/**
 * aloop_catalog_refresh_items - rebuild a card's "Timer Source" items
 * @loop: the card
 *
 * Items are the system clock, the catalogue, and the card's choice at its
 * sorted place (at the end if it is no item name) when it is absent.
 * Sends an INFO event to every "Timer Source" control of the card when
 * the items changed, and a VALUE event to the card-wide one when its
 * item moved.  Caller holds aloop_catalog_mutex.
 *
 * Return: 0, or -ENOMEM with the old items kept.
 */
int aloop_catalog_refresh_items(struct aloop *loop)
{
	const char *choice = loop->timer_source;
	struct timer_entry key;
	char (*items)[ALOOP_NAME_LEN];
	unsigned int count, i, n = 0, dev;
	bool absent, placed = false, keyed;

	lockdep_assert_held(&aloop_catalog_mutex);
	absent = choice[0] && !aloop_catalog_find(choice, &key.id);
	count = 1 + entry_count + absent;
	items = kcalloc(count, sizeof(*items), GFP_KERNEL);
	if (!items)
		return -ENOMEM;
	keyed = absent && parse_name(choice, &key);
	strscpy(items[n++], aloop_system_clock.name, ALOOP_NAME_LEN);
	for (i = 0; i < entry_count; i++) {
		if (keyed && !placed && entry_cmp(&key, &entries[i]) < 0) {
			strscpy(items[n++], choice, ALOOP_NAME_LEN);
			placed = true;
		}
		strscpy(items[n++], entries[i].name, ALOOP_NAME_LEN);
	}
	if (absent && !placed)
		strscpy(items[n++], choice, ALOOP_NAME_LEN);

	if (count != loop->item_count ||
	    memcmp(items, loop->items, count * sizeof(*items))) {
		swap(items, loop->items);
		loop->item_count = count;
		notify_info(loop, loop->ctl_timer_source);
		for (i = 0; i < loop->substreams; i++)
			for (dev = 0; dev < ALOOP_DEVICES; dev++)
				notify_info(loop,
					    loop->cables[i][dev].ctl_timer_source);
	}
	kfree(items);

	i = choice[0] ? aloop_catalog_index(loop, choice) : 0;
	if (i != loop->shown) {
		loop->shown = i;
		snd_ctl_notify(loop->card, SNDRV_CTL_EVENT_MASK_VALUE,
			       &loop->ctl_timer_source->id);
	}
	return 0;
}

static int items_info(struct aloop *loop, struct snd_ctl_elem_info *uinfo)
{
	unsigned int item;

	uinfo->type = SNDRV_CTL_ELEM_TYPE_ENUMERATED;
	uinfo->count = 1;
	mutex_lock(&aloop_catalog_mutex);
	uinfo->value.enumerated.items = loop->item_count;
	item = min(uinfo->value.enumerated.item, loop->item_count - 1);
	uinfo->value.enumerated.item = item;
	strscpy(uinfo->value.enumerated.name, loop->items[item],
		sizeof(uinfo->value.enumerated.name));
	mutex_unlock(&aloop_catalog_mutex);
	return 0;
}

static int timer_source_info(struct snd_kcontrol *kctl,
			     struct snd_ctl_elem_info *uinfo)
{
	return items_info(snd_kcontrol_chip(kctl), uinfo);
}

static int timer_source_get(struct snd_kcontrol *kctl,
			    struct snd_ctl_elem_value *value)
{
	struct aloop *loop = snd_kcontrol_chip(kctl);

	mutex_lock(&aloop_catalog_mutex);
	value->value.enumerated.item[0] = loop->shown;
	mutex_unlock(&aloop_catalog_mutex);
	return 0;
}

static int timer_source_put(struct snd_kcontrol *kctl,
			    struct snd_ctl_elem_value *value)
{
	struct aloop *loop = snd_kcontrol_chip(kctl);
	unsigned int item = value->value.enumerated.item[0];
	char name[ALOOP_NAME_LEN];

	mutex_lock(&aloop_catalog_mutex);
	if (item >= loop->item_count) {
		mutex_unlock(&aloop_catalog_mutex);
		return -EINVAL;
	}
	if (item == loop->shown) {
		mutex_unlock(&aloop_catalog_mutex);
		return 0;
	}
	strscpy(name, loop->items[item], sizeof(name));
	/* the core sends the value event for this write */
	loop->shown = item;
	mutex_unlock(&aloop_catalog_mutex);

	aloop_source_choose(loop, name);
	aloop_source_update(loop);
	return 1;
}

static int cable_source_info(struct snd_kcontrol *kctl,
			     struct snd_ctl_elem_info *uinfo)
{
	struct aloop_cable *cable = snd_kcontrol_chip(kctl);

	return items_info(cable->loop, uinfo);
}

static int cable_source_get(struct snd_kcontrol *kctl,
			    struct snd_ctl_elem_value *value)
{
	struct aloop_cable *cable = snd_kcontrol_chip(kctl);

	mutex_lock(&aloop_catalog_mutex);
	value->value.enumerated.item[0] = cable->shown;
	mutex_unlock(&aloop_catalog_mutex);
	return 0;
}

static const struct snd_kcontrol_new card_source_control = {
	.iface = SNDRV_CTL_ELEM_IFACE_MIXER,
	.name = "Timer Source",
	.info = timer_source_info,
	.get = timer_source_get,
	.put = timer_source_put,
};

static const struct snd_kcontrol_new cable_source_control = {
	.iface = SNDRV_CTL_ELEM_IFACE_PCM,
	.name = "Timer Source",
	.access = SNDRV_CTL_ELEM_ACCESS_READ,
	.info = cable_source_info,
	.get = cable_source_get,
};

/**
 * aloop_catalog_add_card - give a loopback card its "Timer Source"
 * @loop: the card, with its choice set; at probe, before registration
 *
 * Return: 0 or a negative error code.
 */
int aloop_catalog_add_card(struct aloop *loop)
{
	struct snd_kcontrol *kctl;
	struct aloop_cable *cable;
	unsigned int n, dev;
	int err;

	kctl = snd_ctl_new1(&card_source_control, loop);
	if (!kctl)
		return -ENOMEM;
	err = snd_ctl_add(loop->card, kctl);
	if (err < 0)
		return err;
	loop->ctl_timer_source = kctl;
	for (n = 0; n < loop->substreams; n++) {
		for (dev = 0; dev < ALOOP_DEVICES; dev++) {
			cable = &loop->cables[n][dev];
			kctl = snd_ctl_new1(&cable_source_control, cable);
			if (!kctl)
				return -ENOMEM;
			kctl->id.device = dev;
			kctl->id.subdevice = n;
			err = snd_ctl_add(loop->card, kctl);
			if (err < 0)
				return err;
			cable->ctl_timer_source = kctl;
		}
	}

	mutex_lock(&aloop_catalog_mutex);
	err = aloop_catalog_refresh_items(loop);
	mutex_unlock(&aloop_catalog_mutex);
	if (err < 0)
		return err;
	mutex_lock(&loops_mutex);
	list_add_tail(&loop->node, &loops);
	mutex_unlock(&loops_mutex);
	return 0;
}

/**
 * aloop_catalog_remove_card - forget a loopback card
 * @loop: the card, being freed; it may not have been added
 */
void aloop_catalog_remove_card(struct aloop *loop)
{
	if (loop->node.next) {
		mutex_lock(&loops_mutex);
		list_del(&loop->node);
		mutex_unlock(&loops_mutex);
	}
	kfree(loop->items);
}

/**
 * aloop_catalog_init - start watching the sound cards
 *
 * Return: 0 or a negative error code.
 */
int aloop_catalog_init(void)
{
	int err = register_module_notifier(&module_notifier);

	if (err < 0)
		return err;
	err = snd_pcm_notify(&pcm_notify, 0);
	if (err < 0)
		unregister_module_notifier(&module_notifier);
	return err;
}

/**
 * aloop_catalog_exit - stop watching, once every loopback card is gone
 */
void aloop_catalog_exit(void)
{
	snd_pcm_notify(&pcm_notify, 1);
	unregister_module_notifier(&module_notifier);
	cancel_delayed_work_sync(&rebuild_work);
	cancel_work_sync(&clocks_work);
	kfree(entries);
	entries = NULL;
	entry_count = 0;
}
