// SPDX-License-Identifier: GPL-2.0
/*
 * Loopback sound card: module parameters, cards and the platform driver.
 *
 * A drop-in replacement for the in-tree snd-aloop: same module name,
 * parameters, card id, PCM layout, controls and proc files.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <sound/initval.h>

#include "aloop.h"

MODULE_DESCRIPTION("Loopback sound card that can follow any card's clock");
MODULE_LICENSE("GPL");

static int index[SNDRV_CARDS] = SNDRV_DEFAULT_IDX;
static char *id[SNDRV_CARDS] = SNDRV_DEFAULT_STR;
static bool enable[SNDRV_CARDS] = { 1, [1 ... (SNDRV_CARDS - 1)] = 0 };
static int pcm_substreams[SNDRV_CARDS] = {
	[0 ... (SNDRV_CARDS - 1)] = ALOOP_MAX_SUBSTREAMS
};

static int pcm_notify[SNDRV_CARDS];
static char *timer_source[SNDRV_CARDS];

module_param_array(index, int, NULL, 0444);
MODULE_PARM_DESC(index, "Index value for loopback soundcard.");
module_param_array(id, charp, NULL, 0444);
MODULE_PARM_DESC(id, "ID string for loopback soundcard.");
module_param_array(enable, bool, NULL, 0444);
MODULE_PARM_DESC(enable, "Enable this loopback soundcard.");
module_param_array(pcm_substreams, int, NULL, 0444);
MODULE_PARM_DESC(pcm_substreams, "PCM substreams # (1-8) for loopback driver.");
module_param_array(pcm_notify, int, NULL, 0444);
MODULE_PARM_DESC(pcm_notify, "Break capture when PCM format/rate/channels changes.");
module_param_array(timer_source, charp, NULL, 0444);
MODULE_PARM_DESC(timer_source, "Clock of the cables: a \"Timer Source\" item name, or card[.device[.subdevice]] (card number or id). Empty for the system clock [default].");

static struct platform_device *devices[SNDRV_CARDS];

static void aloop_card_free(struct snd_card *card)
{
	struct aloop *loop = card->private_data;
	unsigned int n, dev;

	aloop_catalog_remove_card(loop);
	for (n = 0; n < loop->substreams; n++)
		for (dev = 0; dev < ALOOP_DEVICES; dev++)
			aloop_cable_release(&loop->cables[n][dev]);
}

static unsigned int substreams_param(struct device *dev, int i)
{
	int n = pcm_substreams[i];

	if (n >= 1 && n <= ALOOP_MAX_SUBSTREAMS)
		return n;
	n = clamp(n, 1, ALOOP_MAX_SUBSTREAMS);
	dev_warn(dev, "pcm_substreams=%d out of range 1-%d, using %d\n",
		 pcm_substreams[i], ALOOP_MAX_SUBSTREAMS, n);
	return n;
}

static void timer_source_param(struct aloop *loop, int i)
{
	const char *value = timer_source[i];

	if (value && aloop_source_choose(loop, value) < 0)
		dev_err(loop->card->dev,
			"timer_source=\"%s\" cannot be parsed, using the system clock\n",
			value);
}

static int aloop_probe(struct platform_device *pdev)
{
	int i = pdev->id;
	struct snd_card *card;
	struct aloop *loop;
	unsigned int n, dev;
	int err;

	err = snd_devm_card_new(&pdev->dev, index[i], id[i], THIS_MODULE,
				sizeof(*loop), &card);
	if (err < 0)
		return err;
	loop = card->private_data;
	loop->card = card;
	mutex_init(&loop->cable_mutex);
	loop->substreams = substreams_param(&pdev->dev, i);
	timer_source_param(loop, i);
	for (n = 0; n < loop->substreams; n++)
		for (dev = 0; dev < ALOOP_DEVICES; dev++)
			aloop_cable_init(loop, &loop->cables[n][dev], n, dev);
	card->private_free = aloop_card_free;

	for (dev = 0; dev < ALOOP_DEVICES; dev++) {
		err = aloop_pcm_new(loop, dev);
		if (err < 0)
			return err;
	}
	err = aloop_ctl_new(loop, pcm_notify[i]);
	if (err < 0)
		return err;
	err = aloop_proc_new(loop);
	if (err < 0)
		return err;
	err = aloop_catalog_add_card(loop);
	if (err < 0)
		return err;

	strscpy(card->driver, "Loopback", sizeof(card->driver));
	strscpy(card->shortname, "Loopback", sizeof(card->shortname));
	snprintf(card->longname, sizeof(card->longname), "Loopback %d", i + 1);
	err = snd_card_register(card);
	if (err < 0)
		return err;
	platform_set_drvdata(pdev, card);
	return 0;
}

#ifdef CONFIG_PM_SLEEP
static int aloop_suspend(struct device *dev)
{
	snd_power_change_state(dev_get_drvdata(dev), SNDRV_CTL_POWER_D3hot);
	return 0;
}

static int aloop_resume(struct device *dev)
{
	snd_power_change_state(dev_get_drvdata(dev), SNDRV_CTL_POWER_D0);
	return 0;
}

static SIMPLE_DEV_PM_OPS(aloop_pm, aloop_suspend, aloop_resume);
#define ALOOP_PM_OPS	(&aloop_pm)
#else
#define ALOOP_PM_OPS	NULL
#endif

static struct platform_driver aloop_driver = {
	.probe = aloop_probe,
	.driver = {
		.name = ALOOP_DRIVER_NAME,
		.pm = ALOOP_PM_OPS,
	},
};

static void aloop_unregister_all(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(devices); i++)
		platform_device_unregister(devices[i]);
	platform_driver_unregister(&aloop_driver);
}

static int __init aloop_init(void)
{
	struct platform_device *pdev;
	int i, err, cards = 0;

	err = aloop_catalog_init();
	if (err < 0)
		return err;
	err = platform_driver_register(&aloop_driver);
	if (err < 0) {
		aloop_catalog_exit();
		return err;
	}
	for (i = 0; i < SNDRV_CARDS; i++) {
		if (!enable[i])
			continue;
		pdev = platform_device_register_simple(ALOOP_DRIVER_NAME, i,
						       NULL, 0);
		if (IS_ERR(pdev))
			continue;
		if (!platform_get_drvdata(pdev)) {
			/* probe failed; its reason is in the log */
			platform_device_unregister(pdev);
			continue;
		}
		devices[i] = pdev;
		cards++;
	}
	if (!cards) {
		pr_err("snd-aloop: no loopback card enabled or probed\n");
		aloop_unregister_all();
		aloop_catalog_exit();
		return -ENODEV;
	}
	return 0;
}

static void __exit aloop_exit(void)
{
	aloop_unregister_all();
	aloop_catalog_exit();
}

module_init(aloop_init);
module_exit(aloop_exit);
