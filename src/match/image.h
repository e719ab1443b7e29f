/* image.h — decoding an image held in memory into 8-bit pixel rows, for
 * hashing: JPEG (libjpeg-turbo), PNG (libpng), WebP (libwebp), GIF (giflib,
 * first frame only) and BMP (read here, by hand).
 *
 * What comes out is what Meta's PDQ reference pipeline sees (its CImg loader
 * goes through ImageMagick's `convert FILE pnm:-`):
 *  - JPEG pixels as stored: EXIF orientation is ignored, CMYK/YCCK are
 *    turned into RGB the way ImageMagick does it;
 *  - every alpha channel (PNG, WebP, BMP, GIF transparency) is dropped, the
 *    colour values underneath are kept as stored (no compositing);
 *  - grey sources (grey JPEG, grey PNG at any depth) come out as one
 *    channel, everything else as RGB. PNGs of 16 bits are reduced to 8 by
 *    rounding (libpng's png_set_scale_16);
 *  - a GIF gives its first frame at the frame's own size (not composed
 *    onto the logical screen), transparent pixels in their palette
 *    colour; an animated WebP is refused (image.unsupported).
 *
 * Limits: the pixel count is read from the header and checked against
 * max_pixels before anything is allocated for the pixels (decompression
 * bombs are refused with HL_ETOOBIG). JPEG (all but progressive ones) and
 * non-interlaced PNG, GIF and BMP are decoded row by row into one row
 * buffer; progressive/interlaced images, WebP and RLE BMPs need the whole
 * raster, at most max_pixels x 4 bytes (JPEG: libjpeg's coefficient buffer,
 * capped by the same limit). A truncated or corrupt file is a negative
 * return, never a crash and never an exit() from a library.
 */
#ifndef HL_IMAGE_H
#define HL_IMAGE_H

#include <stddef.h>
#include <stdint.h>

enum image_type {
	IMAGE_UNKNOWN = 0,
	IMAGE_JPEG,
	IMAGE_PNG,
	IMAGE_WEBP,
	IMAGE_GIF,
	IMAGE_BMP,
};

/* The default pixel-count limit: 100 megapixels. */
#define IMAGE_DEFAULT_MAX_PIXELS 100000000ull

struct image_options {
	/* refuse images with more pixels than this (0: IMAGE_DEFAULT_MAX_PIXELS) */
	uint64_t max_pixels;
	/* JPEG only: when > 0, decode at 1/2, 1/4 or 1/8 scale (libjpeg's DCT
	 * scaling), the smallest scale whose shorter side is still at least
	 * this many pixels. 0: full size (the default, bit-exact hashing). */
	int jpeg_reduce_to;
};

struct image_info {
	enum image_type type;
	int width, height;               /* of the rows delivered */
	int stored_width, stored_height; /* as the header says (differs only with jpeg_reduce_to) */
	int channels;                    /* 1 (grey) or 3 (R, G, B) */
	int progressive;                 /* progressive JPEG, interlaced PNG or GIF */
	/* On failure: a message key, "image.truncated", "image.corrupt",
	 * "image.too_many_pixels", "image.unknown_format", "image.unsupported",
	 * "image.no_memory", "image.empty" or "image.aborted". Static string. */
	const char *error;
};

/* Where decoded rows go. start() is called once with the final info, then
 * row() once per row, top to bottom, y = 0 .. height-1, with
 * width*channels bytes valid only during the call. A non-zero return from
 * either stops decoding; image_decode() then returns that value (make it
 * negative) with info->error "image.aborted". */
struct image_sink {
	int (*start)(void *ctx, const struct image_info *info);
	int (*row)(void *ctx, int y, const uint8_t *pixels);
	void *ctx;
};

/* Which format the first bytes say (magic numbers only). */
enum image_type image_sniff(const void *data, size_t len);

/* "jpeg", "png", "webp", "gif", "bmp" or "unknown". */
const char *image_type_name(enum image_type type);

/* An English sentence for an info->error key, for the command line and
 * logs ("truncated file", ...). Never NULL. */
const char *image_error_text(const char *key);

/* Reads only the header: type, stored size and channels into *info, and
 * checks the size against opt->max_pixels (opt may be NULL).
 * Returns 0, HL_ETOOBIG (too many pixels) or HL_EINVAL (info->error says
 * why). */
int image_probe(const void *data, size_t len, const struct image_options *opt,
                struct image_info *info);

/* Decodes data (len bytes, left untouched, still owned by the caller) and
 * feeds its rows to sink. opt may be NULL (defaults). Fills *info.
 * Returns 0; HL_ETOOBIG (pixel limit); HL_EINVAL (unknown format,
 * truncated, corrupt, unsupported variant); HL_ENOMEM; or a sink's
 * non-zero return. info->error holds the key on failure. Everything the
 * decoder allocated is freed before it returns. */
int image_decode(const void *data, size_t len, const struct image_options *opt,
                 const struct image_sink *sink, struct image_info *info);

/* A whole decoded raster: height rows of width*channels bytes. */
struct image {
	int width, height, channels;
	uint8_t *pixels; /* malloc'd; image_free() releases it */
};

/* image_decode() into one buffer. On success *out owns its pixels; on
 * failure out->pixels is NULL. Same returns as image_decode(). */
int image_load(const void *data, size_t len, const struct image_options *opt, struct image *out,
               struct image_info *info);

/* Frees img->pixels and clears it; img may be NULL. */
void image_free(struct image *img);

#endif
