/* fuzz_image.c — libFuzzer target: the image decoders (JPEG, PNG, WebP,
 * GIF, BMP) and PDQ on top of them (src/match/image.c, pdq.c), with a
 * pixel limit of 4 million so every input stays fast. The input is the
 * file; its size picks the PDQ options (dihedral, fast, reference resize)
 * so they vary without taking bytes from the image. Checks that the
 * header probe, the full decode and the hash agree with each other. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "image.h"
#include "pdq.h"

#define FUZZ_MAX_PIXELS 4000000u

static void check_info(const struct image_info *info, int rc)
{
	if (rc == 0) {
		if (info->type == IMAGE_UNKNOWN || info->width <= 0 || info->height <= 0)
			__builtin_trap();
		if ((uint64_t)info->width * (uint64_t)info->height > FUZZ_MAX_PIXELS)
			__builtin_trap();
		if (info->channels != 1 && info->channels != 3)
			__builtin_trap();
	} else {
		if (rc > 0 || !info->error || !image_error_text(info->error))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_options io = {.max_pixels = FUZZ_MAX_PIXELS};
	struct image_info probe;
	memset(&probe, 0, sizeof probe);
	int prc = image_probe(data, size, &io, &probe);
	if (prc != 0 && prc != HL_ETOOBIG && prc != HL_EINVAL)
		__builtin_trap();
	if (prc != 0 && !probe.error)
		__builtin_trap();
	if (prc == 0 &&
	    (probe.type == IMAGE_UNKNOWN || probe.stored_width <= 0 || probe.stored_height <= 0 ||
	     (uint64_t)probe.stored_width * (uint64_t)probe.stored_height > FUZZ_MAX_PIXELS))
		__builtin_trap();
	if (image_type_name(probe.type) == NULL)
		__builtin_trap();

	struct pdq_options opt = {0};
	opt.max_pixels = FUZZ_MAX_PIXELS;
	opt.dihedral = (int)(size & 1);
	opt.fast = (int)((size >> 1) & 1);
	opt.reference_resize = (int)((size >> 2) & 1);
	struct pdq_result res;
	memset(&res, 0, sizeof res);
	int rc = pdq_hash_image(data, size, &opt, &res);
	check_info(&res.image, rc);
	if (rc == 0) {
		if (res.quality < 0 || res.quality > 100)
			__builtin_trap();
		/* what decodes was sniffed and probed as the same type */
		if (res.image.type != image_sniff(data, size) || prc != 0 ||
		    probe.type != res.image.type)
			__builtin_trap();
		if (opt.dihedral &&
		    memcmp(res.dihedral[PDQ_ORIGINAL].b, res.hash.b, sizeof res.hash.b) != 0)
			__builtin_trap();
		char hex[65];
		struct pdq_hash back;
		pdq_hash_to_hex(&res.hash, hex);
		if (pdq_hash_from_hex(hex, &back) || pdq_distance(&back, &res.hash) != 0)
			__builtin_trap();
	} else if (rc != HL_ETOOBIG && rc != HL_EINVAL && rc != HL_ENOMEM) {
		__builtin_trap();
	}
	/* the header's limit holds for the decoder too */
	if (prc == HL_ETOOBIG && rc == 0)
		__builtin_trap();

	/* the whole raster, for formats with few pixels (the same decoder) */
	if (prc == 0 && (uint64_t)probe.stored_width * (uint64_t)probe.stored_height <= 1u << 18) {
		struct image img;
		struct image_info li;
		memset(&li, 0, sizeof li);
		int lrc = image_load(data, size, &io, &img, &li);
		check_info(&li, lrc);
		if (lrc == 0) {
			if (!img.pixels || img.width != li.width || img.height != li.height ||
			    img.channels != li.channels)
				__builtin_trap();
			/* the full-size decode PDQ saw, when it was not reduced */
			if (rc == 0 && !opt.fast &&
			    (img.width != res.image.width || img.height != res.image.height))
				__builtin_trap();
			/* touch every byte, so ASan checks the buffer's size */
			volatile uint8_t sum = 0;
			size_t n = (size_t)img.width * (size_t)img.height * (size_t)img.channels;
			for (size_t i = 0; i < n; i++)
				sum ^= img.pixels[i];
			(void)sum;
		} else if (img.pixels) {
			__builtin_trap();
		}
		/* one decoder: the hash and the raster succeed or fail together */
		if (!opt.fast && lrc != HL_ENOMEM && rc != HL_ENOMEM && (lrc == 0) != (rc == 0))
			__builtin_trap();
		image_free(&img);
	}
	return 0;
}
