// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the loopback data-path test programs: number parsing,
 * the deterministic test pattern, monotonic time, the common part of PCM
 * hw_params and control element access.  Header-only so that each program
 * stays a single translation unit.
 */
#ifndef ALOOP_TEST_COMMON_H
#define ALOOP_TEST_COMMON_H

#include <alsa/asoundlib.h>
#include <errno.h>
#include <poll.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Parse an unsigned decimal number in [min, max]; returns 0 on success. */
static inline int parse_uint(const char *s, unsigned long min,
			     unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Parse a non-negative decimal fraction ("2", "0.5", "1.25"). */
static inline int parse_double(const char *s, double min, double max,
			       double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

static inline double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Description of a sample format as far as the pattern is concerned.
 * Only formats whose samples are whole bytes are supported.
 */
struct fmt_desc {
	snd_pcm_format_t format;
	unsigned int width;	/* significant bits */
	unsigned int bytes;	/* physical bytes per sample */
	int is_float;
	int is_signed;
	int is_le;
	unsigned char silence[8];	/* one silent sample, physical layout */
};

/* Fill @d for @format; returns 0 or -1 if the format is not supported. */
static inline int fmt_desc_init(struct fmt_desc *d, snd_pcm_format_t format)
{
	int width = snd_pcm_format_width(format);
	int phys = snd_pcm_format_physical_width(format);

	memset(d, 0, sizeof(*d));
	d->format = format;
	if (width <= 0 || phys <= 0 || phys % 8 || phys > 64)
		return -1;
	d->width = (unsigned int)width;
	d->bytes = (unsigned int)phys / 8;
	d->is_float = snd_pcm_format_float(format) == 1;
	if (d->is_float) {
		if (phys != 32 && phys != 64)
			return -1;
	} else {
		if (snd_pcm_format_linear(format) != 1 || width < 8 ||
		    phys > 32)
			return -1;
	}
	d->is_signed = snd_pcm_format_signed(format) == 1;
	d->is_le = snd_pcm_format_little_endian(format) == 1;
	if (d->bytes > 1 && snd_pcm_format_little_endian(format) < 0)
		return -1;
	if (snd_pcm_format_set_silence(format, d->silence, 1) < 0)
		return -1;
	return 0;
}

/* splitmix64 finaliser: a cheap, well mixed hash. */
static inline uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * The raw (physical, host-order) bits of the pattern sample for @frame and
 * @channel.  Properties:
 *  - never equal to the format's silence (signed 0, unsigned mid-point,
 *    float +0.0);
 *  - even frames are positive and odd frames negative (for unsigned formats:
 *    above / below the mid-point, for floats: sign bit), so two neighbouring
 *    frames always differ in every channel;
 *  - the magnitude is a hash of (seed, frame, channel), so a lost, repeated
 *    or reordered frame, a channel swap or a shifted stream shows up;
 *  - integer values use only the format's significant bits and are sign
 *    extended into the container (S24_LE: bits 24..31 copy bit 23);
 *  - floats are finite normal numbers with 2^-27 <= |x| < 1.
 */
static inline uint64_t pattern_bits(const struct fmt_desc *d, uint64_t seed,
				    uint64_t frame, unsigned int channel)
{
	uint64_t h = mix64(seed ^ mix64((frame << 10) ^ channel));
	int neg = (int)(frame & 1);

	if (d->is_float) {
		if (d->bytes == 4) {
			uint64_t exp = 100 + h % 27;		/* 2^-27 .. 2^-1 */
			uint64_t mant = (h >> 8) & 0x7fffffULL;

			return ((uint64_t)neg << 31) | (exp << 23) | mant;
		} else {
			uint64_t exp = 996 + h % 27;
			uint64_t mant = (h >> 8) & 0xfffffffffffffULL;

			return ((uint64_t)neg << 63) | (exp << 52) | mant;
		}
	} else {
		uint64_t half = 1ULL << (d->width - 1);
		uint64_t mag = 1 + h % (half - 1);	/* 1 .. half-1 */
		uint64_t phys_mask = d->bytes == 8 ? ~0ULL :
				     (1ULL << (d->bytes * 8)) - 1;

		if (d->is_signed) {
			int64_t s = neg ? -(int64_t)mag : (int64_t)mag;

			return (uint64_t)s & phys_mask;
		}
		return neg ? half - mag : half + mag;
	}
}

/* Store @bits as one sample of format @d at @dst (physical layout). */
static inline void store_sample(const struct fmt_desc *d, uint64_t bits,
				unsigned char *dst)
{
	unsigned int i;

	for (i = 0; i < d->bytes; i++) {
		unsigned int shift = 8 * (d->is_le ? i : d->bytes - 1 - i);

		dst[i] = (unsigned char)(bits >> shift);
	}
}

/* Write the whole frame @frame (all @channels, interleaved) to @dst. */
static inline void pattern_frame(const struct fmt_desc *d, uint64_t seed,
				 uint64_t frame, unsigned int channels,
				 unsigned char *dst)
{
	unsigned int c;

	for (c = 0; c < channels; c++)
		store_sample(d, pattern_bits(d, seed, frame, c),
			     dst + (size_t)c * d->bytes);
}

/*
 * The hw_params every program starts from: the whole space of @pcm, no
 * resampling by plug devices (the copy must be exact), then @access,
 * @format, @channels and @rate.  Returns 0, or the negative error with the
 * failed call in @what: bare ("snd_pcm_hw_params_set_format"), or, when
 * @access_name is given, with its argument as loopcheck reports it
 * ("snd_pcm_hw_params_set_format(S16_LE)", "..._set_access(@access_name)").
 */
static inline int hw_params_base(snd_pcm_t *pcm, snd_pcm_hw_params_t *hw,
				 snd_pcm_access_t access,
				 const char *access_name,
				 snd_pcm_format_t format, unsigned int channels,
				 unsigned int rate, char *what, size_t size)
{
	const char *call, *arg;
	char num[16];
	int err;

	call = "snd_pcm_hw_params_any";
	arg = NULL;
	err = snd_pcm_hw_params_any(pcm, hw);
	if (err < 0)
		goto fail;
	call = "snd_pcm_hw_params_set_rate_resample";
	arg = "0";
	err = snd_pcm_hw_params_set_rate_resample(pcm, hw, 0);
	if (err < 0)
		goto fail;
	call = "snd_pcm_hw_params_set_access";
	arg = access_name;
	err = snd_pcm_hw_params_set_access(pcm, hw, access);
	if (err < 0)
		goto fail;
	call = "snd_pcm_hw_params_set_format";
	arg = snd_pcm_format_name(format);
	err = snd_pcm_hw_params_set_format(pcm, hw, format);
	if (err < 0)
		goto fail;
	call = "snd_pcm_hw_params_set_channels";
	snprintf(num, sizeof(num), "%u", channels);
	arg = num;
	err = snd_pcm_hw_params_set_channels(pcm, hw, channels);
	if (err < 0)
		goto fail;
	call = "snd_pcm_hw_params_set_rate";
	snprintf(num, sizeof(num), "%u", rate);
	arg = num;
	err = snd_pcm_hw_params_set_rate(pcm, hw, rate, 0);
	if (err < 0)
		goto fail;
	return 0;
fail:
	if (access_name && arg)
		snprintf(what, size, "%s(%s)", call, arg);
	else
		snprintf(what, size, "%s", call);
	return err;
}

/*
 * Open the control device of @card (a number or a name) as "hw:N" or
 * "hw:NAME"; its name goes to @name.  On failure prints
 * "PROG: snd_ctl_open(NAME) failed: ...", sets *@ctl to NULL and returns
 * the negative error.
 */
static inline int ctl_open_card(const char *prog, const char *card,
				snd_ctl_t **ctl, char *name, size_t size)
{
	unsigned long cardno;
	int err;

	if (!parse_uint(card, 0, 1000, &cardno))
		snprintf(name, size, "hw:%lu", cardno);
	else
		snprintf(name, size, "hw:%s", card);
	err = snd_ctl_open(ctl, name, 0);
	if (err < 0) {
		fprintf(stderr, "%s: snd_ctl_open(%s) failed: %s\n", prog, name,
			snd_strerror(err));
		*ctl = NULL;
	}
	return err;
}

/* Is @ev an event of kind @mask (but not a removal) on element @id? */
static inline int ctl_event_matches(snd_ctl_event_t *ev,
				    const snd_ctl_elem_id_t *id,
				    unsigned int mask)
{
	unsigned int m;

	if (snd_ctl_event_get_type(ev) != SND_CTL_EVENT_ELEM)
		return 0;
	m = snd_ctl_event_elem_get_mask(ev);
	if (m == SND_CTL_EVENT_MASK_REMOVE || !(m & mask))
		return 0;
	return snd_ctl_event_elem_get_interface(ev) ==
		snd_ctl_elem_id_get_interface(id) &&
	       snd_ctl_event_elem_get_device(ev) ==
		snd_ctl_elem_id_get_device(id) &&
	       snd_ctl_event_elem_get_subdevice(ev) ==
		snd_ctl_elem_id_get_subdevice(id) &&
	       snd_ctl_event_elem_get_index(ev) ==
		snd_ctl_elem_id_get_index(id) &&
	       !strcmp(snd_ctl_event_elem_get_name(ev),
		       snd_ctl_elem_id_get_name(id));
}

/*
 * Wait until an event of kind @mask arrives for @id on @ctl (subscribed,
 * non-blocking) or @deadline (now_mono()) passes.  Returns 0 (arrival time
 * in *@when if @when), 1 at the deadline, or -1 on an error, printed with
 * the prefix @prog.
 */
static inline int ctl_wait_event(const char *prog, snd_ctl_t *ctl,
				 const snd_ctl_elem_id_t *id,
				 unsigned int mask, double deadline,
				 double *when)
{
	snd_ctl_event_t *ev = NULL;
	int err, ret = -1;

	if (snd_ctl_event_malloc(&ev) < 0) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	for (;;) {
		double left = deadline - now_mono();
		unsigned short revents;
		struct pollfd pfd;

		if (left <= 0) {
			ret = 1;
			break;
		}
		if (snd_ctl_poll_descriptors(ctl, &pfd, 1) != 1) {
			fprintf(stderr, "%s: snd_ctl_poll_descriptors failed\n",
				prog);
			break;
		}
		if (poll(&pfd, 1, (int)(left * 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", prog, strerror(errno));
			break;
		}
		if (snd_ctl_poll_descriptors_revents(ctl, &pfd, 1, &revents) < 0 ||
		    !(revents & POLLIN))
			continue;
		while ((err = snd_ctl_read(ctl, ev)) > 0) {
			if (ctl_event_matches(ev, id, mask)) {
				if (when)
					*when = now_mono();
				ret = 0;
				goto out;
			}
		}
		if (err < 0 && err != -EAGAIN) {
			fprintf(stderr, "%s: snd_ctl_read failed: %s\n", prog,
				snd_strerror(err));
			break;
		}
	}
out:
	snd_ctl_event_free(ev);
	return ret;
}

#endif /* ALOOP_TEST_COMMON_H */
