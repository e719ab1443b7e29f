/* test_image.c — decoding every format from memory, and never crashing on
 * a bad file. Images are synthetic, made here with libjpeg, libpng,
 * libwebp and giflib (and BMP by hand): coloured gradients and patterns.
 *  - each format and variant decodes to the pixels that went in (exactly
 *    for lossless formats): PNG at every bit depth, palette, grey, alpha,
 *    16 bits, interlaced; JPEG baseline, progressive, grey, CMYK, reduced
 *    scale; WebP lossless and lossy, with alpha; GIF first frame, local
 *    colour table, interlaced; BMP 1/4/8/16/24/32 bits, top-down, RLE;
 *  - every file cut at every length fails cleanly (a negative return, a
 *    message key), never reads out of bounds (run under ASan in CI);
 *  - corrupt headers and random byte flips fail or decode, never crash;
 *  - a header announcing a huge image is refused from the header, before
 *    any pixel buffer exists (HL_ETOOBIG, "image.too_many_pixels");
 *  - the pixel limit, probing, the sink's abort and image_load(). */
/* cmocka needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gif_lib.h>
#include <jpeglib.h>
#include <png.h>
#include <webp/decode.h>
#include <webp/encode.h>

#include "err.h"
#include "image.h"

/* ---- a growable byte buffer --------------------------------------------- */

struct mb {
	uint8_t *p;
	size_t n, cap;
};

static void mb_add(struct mb *m, const void *data, size_t n)
{
	if (m->n + n > m->cap) {
		size_t cap = m->cap ? m->cap : 1024;
		while (cap < m->n + n)
			cap *= 2;
		m->p = realloc(m->p, cap);
		assert_non_null(m->p);
		m->cap = cap;
	}
	memcpy(m->p + m->n, data, n);
	m->n += n;
}

/* ---- synthetic pixels --------------------------------------------------- */

static uint8_t *pattern_rgb(int w, int h, int channels)
{
	uint8_t *px = malloc((size_t)w * h * channels);
	assert_non_null(px);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int c = 0; c < channels; c++)
				px[((size_t)y * w + x) * channels + c] =
				    (uint8_t)(c == 3
				                  ? 255 - (x * 5 + y) % 200
				                  : (x * (7 + 3 * c) + y * (5 - c) + 40 * c) & 255);
	return px;
}

/* Smooth colours for the lossy formats (no edges for them to blur). */
static uint8_t *smooth_rgb(int w, int h)
{
	uint8_t *px = malloc((size_t)w * h * 3);
	assert_non_null(px);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			for (int c = 0; c < 3; c++)
				px[((size_t)y * w + x) * 3 + c] =
				    (uint8_t)(10 + c * 20 + x * 100 / w + y * (40 + 20 * c) / h);
	return px;
}

/* ---- encoders ----------------------------------------------------------- */

static uint8_t *jpeg_encode(const uint8_t *px, int w, int h, int comps, J_COLOR_SPACE cs,
                            int progressive, int quality, size_t *len)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned char *buf = NULL;
	unsigned long size = 0;
	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &buf, &size);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = comps;
	c.in_color_space = cs;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	if (progressive)
		jpeg_simple_progression(&c);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = (JSAMPROW)(px + (size_t)c.next_scanline * w * comps);
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	*len = size;
	return buf;
}

static void png_write_mem(png_structp png, png_bytep data, size_t n)
{
	mb_add(png_get_io_ptr(png), data, n);
}

static void png_flush_mem(png_structp png)
{
	(void)png;
}

struct png_spec {
	int w, h, color_type, depth, interlace;
	const uint8_t *rows; /* h rows of rowbytes, already packed */
	size_t rowbytes;
	const png_color *pal;
	int npal;
	const uint8_t *trns;
	int ntrns;
};

static uint8_t *png_encode(const struct png_spec *s, size_t *len)
{
	struct mb m = {0};
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	assert_non_null(info);
	if (setjmp(png_jmpbuf(png)))
		fail_msg("libpng could not write the test image");
	png_set_write_fn(png, &m, png_write_mem, png_flush_mem);
	png_set_IHDR(png, info, (png_uint_32)s->w, (png_uint_32)s->h, s->depth, s->color_type,
	             s->interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (s->pal)
		png_set_PLTE(png, info, s->pal, s->npal);
	if (s->trns)
		png_set_tRNS(png, info, s->trns, s->ntrns, NULL);
	png_bytep *rp = malloc(sizeof *rp * (size_t)s->h);
	assert_non_null(rp);
	for (int y = 0; y < s->h; y++)
		rp[y] = (png_bytep)(s->rows + s->rowbytes * (size_t)y);
	png_set_rows(png, info, rp);
	png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
	png_destroy_write_struct(&png, &info);
	free(rp);
	*len = m.n;
	return m.p;
}

static int gif_write_mem(GifFileType *g, const GifByteType *b, int n)
{
	mb_add(g->UserData, b, (size_t)n);
	return n;
}

/* A GIF of w x h: a graphics-control extension, then frame 1 (idx,
 * interlaced if asked, with a local colour table if local), then a second
 * frame of other colours that must never be decoded. */
static uint8_t *gif_encode(const uint8_t *idx, int w, int h, int interlace, int local, size_t *len)
{
	struct mb m = {0};
	int err;
	GifFileType *g = EGifOpen(&m, gif_write_mem, &err);
	assert_non_null(g);
	EGifSetGifVersion(g, true);
	ColorMapObject *global = GifMakeMapObject(256, NULL), *lcm = GifMakeMapObject(256, NULL);
	for (int i = 0; i < 256; i++) {
		global->Colors[i] =
		    (GifColorType){(GifByteType)i, (GifByteType)(255 - i), (GifByteType)(i * 3)};
		lcm->Colors[i] = (GifColorType){(GifByteType)(i / 2), (GifByteType)i,
		                                (GifByteType)(200 - i / 4)};
	}
	assert_int_equal(EGifPutScreenDesc(g, w, h, 8, 0, global), GIF_OK);
	GraphicsControlBlock gcb = {0, false, 10, 3};
	GifByteType ext[4];
	EGifGCBToExtension(&gcb, ext);
	assert_int_equal(EGifPutExtension(g, GRAPHICS_EXT_FUNC_CODE, 4, ext), GIF_OK);
	assert_int_equal(EGifPutImageDesc(g, 0, 0, w, h, interlace, local ? lcm : NULL), GIF_OK);
	if (interlace) {
		static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
		for (int p = 0; p < 4; p++)
			for (int y = start[p]; y < h; y += step[p])
				assert_int_equal(
				    EGifPutLine(g, (GifPixelType *)idx + (size_t)y * w, w), GIF_OK);
	} else {
		for (int y = 0; y < h; y++)
			assert_int_equal(EGifPutLine(g, (GifPixelType *)idx + (size_t)y * w, w),
			                 GIF_OK);
	}
	/* frame 2: all index 7. giflib 5.2 drops (without freeing) the local
	 * colour table of the previous frame here: free it first */
	GifFreeMapObject(g->Image.ColorMap);
	g->Image.ColorMap = NULL;
	GifPixelType *other = malloc((size_t)w);
	memset(other, 7, (size_t)w);
	assert_int_equal(EGifPutImageDesc(g, 0, 0, w, h, false, NULL), GIF_OK);
	for (int y = 0; y < h; y++)
		assert_int_equal(EGifPutLine(g, other, w), GIF_OK);
	free(other);
	assert_int_equal(EGifCloseFile(g, &err), GIF_OK);
	GifFreeMapObject(global);
	GifFreeMapObject(lcm);
	*len = m.n;
	return m.p;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A BMP with a 40-byte header (plus masks for BI_BITFIELDS), the palette
 * and `pixels` (the stored rows, already laid out and padded). */
static uint8_t *bmp_make(int w, int h, int bpp, uint32_t compression, const uint8_t *pal, int npal,
                         const uint32_t *masks, const uint8_t *pixels, size_t pixlen, size_t *len)
{
	size_t head = 14 + 40 + (masks ? 12 : 0) + (size_t)npal * 4;
	size_t n = head + pixlen;
	uint8_t *b = calloc(1, n);
	assert_non_null(b);
	b[0] = 'B';
	b[1] = 'M';
	put32(b + 2, (uint32_t)n);
	put32(b + 10, (uint32_t)head);
	put32(b + 14, 40);
	put32(b + 18, (uint32_t)w);
	put32(b + 22, (uint32_t)h);
	put16(b + 26, 1);
	put16(b + 28, (unsigned)bpp);
	put32(b + 30, compression);
	put32(b + 34, (uint32_t)pixlen);
	put32(b + 46, (uint32_t)npal);
	size_t o = 54;
	if (masks) {
		for (int i = 0; i < 3; i++)
			put32(b + o + 4 * i, masks[i]);
		o += 12;
	}
	if (npal)
		memcpy(b + o, pal, (size_t)npal * 4);
	memcpy(b + head, pixels, pixlen);
	*len = n;
	return b;
}

/* The 24-bit BMP of an RGB raster; top_down writes a negative height. */
static uint8_t *bmp24(const uint8_t *rgb, int w, int h, int top_down, size_t *len)
{
	size_t stride = ((size_t)w * 3 + 3) & ~(size_t)3;
	uint8_t *px = calloc(stride, (size_t)h);
	for (int y = 0; y < h; y++) {
		uint8_t *row = px + stride * (size_t)(top_down ? y : h - 1 - y);
		for (int x = 0; x < w; x++) {
			const uint8_t *p = rgb + ((size_t)y * w + x) * 3;
			row[3 * x] = p[2];
			row[3 * x + 1] = p[1];
			row[3 * x + 2] = p[0];
		}
	}
	uint8_t *b = bmp_make(w, top_down ? -h : h, 24, 0, NULL, 0, NULL, px, stride * h, len);
	free(px);
	return b;
}

/* ---- decoding helpers ---------------------------------------------------- */

static struct image decode_ok(const void *data, size_t len, const struct image_options *opt,
                              struct image_info *info)
{
	struct image img;
	int rc = image_load(data, len, opt, &img, info);
	if (rc)
		fail_msg("decode failed: %d %s", rc, info->error ? info->error : "?");
	assert_non_null(img.pixels);
	assert_int_equal(img.width, info->width);
	assert_int_equal(img.height, info->height);
	assert_int_equal(img.channels, info->channels);
	return img;
}

static void assert_close(const uint8_t *a, const uint8_t *b, size_t n, int tol)
{
	int worst = 0;
	for (size_t i = 0; i < n; i++) {
		int d = abs((int)a[i] - (int)b[i]);
		if (d > worst)
			worst = d;
	}
	if (worst > tol)
		fail_msg("pixels differ by up to %d (tolerance %d)", worst, tol);
}

/* ---- PNG ------------------------------------------------------------------ */

static void test_png_rgb_and_rgba(void **state)
{
	(void)state;
	int w = 37, h = 23;
	for (int alpha = 0; alpha < 2; alpha++) {
		for (int interlace = 0; interlace < 2; interlace++) {
			int nc = alpha ? 4 : 3;
			uint8_t *px = pattern_rgb(w, h, nc);
			struct png_spec s = {w,
			                     h,
			                     alpha ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB,
			                     8,
			                     interlace,
			                     px,
			                     (size_t)w * nc,
			                     NULL,
			                     0,
			                     NULL,
			                     0};
			size_t len;
			uint8_t *png = png_encode(&s, &len);
			struct image_info info;
			struct image img = decode_ok(png, len, NULL, &info);
			assert_int_equal(info.type, IMAGE_PNG);
			assert_int_equal(info.channels, 3);
			assert_int_equal(info.progressive, interlace);
			/* alpha dropped, the colour under it kept as stored */
			for (int i = 0; i < w * h; i++)
				assert_memory_equal(img.pixels + 3 * i, px + nc * i, 3);
			image_free(&img);
			free(png);
			free(px);
		}
	}
}

static void test_png_grey_depths(void **state)
{
	(void)state;
	int w = 29, h = 11;
	for (int depth = 1; depth <= 16; depth *= 2) {
		int maxv = (1 << depth) - 1;
		size_t rowbytes = ((size_t)w * depth + 7) / 8;
		uint8_t *rows = calloc(rowbytes, (size_t)h);
		uint8_t *want = malloc((size_t)w * h);
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) {
				int v = (x * 3 + y * 5) % (maxv + 1);
				uint8_t *r = rows + rowbytes * y;
				if (depth == 16) {
					v = (x * 2311 + y * 977) & 0xffff;
					r[2 * x] = (uint8_t)(v >> 8);
					r[2 * x + 1] = (uint8_t)v;
					want[y * w + x] = (uint8_t)((v * 255L + 32767) / 65535);
				} else if (depth == 8) {
					r[x] = (uint8_t)v;
					want[y * w + x] = (uint8_t)v;
				} else {
					int per = 8 / depth, shift = 8 - depth * (x % per + 1);
					r[x / per] |= (uint8_t)(v << shift);
					want[y * w + x] = (uint8_t)(v * 255 / maxv);
				}
			}
		}
		struct png_spec s = {
		    w, h, PNG_COLOR_TYPE_GRAY, depth, 0, rows, rowbytes, NULL, 0, NULL, 0};
		size_t len;
		uint8_t *png = png_encode(&s, &len);
		struct image_info info;
		struct image img = decode_ok(png, len, NULL, &info);
		assert_int_equal(info.channels, 1);
		/* 16 bits: rounded to 8, within one step of v/257 */
		assert_close(img.pixels, want, (size_t)w * h, depth == 16 ? 1 : 0);
		image_free(&img);
		free(png);
		free(rows);
		free(want);
	}
}

static void test_png_grey_alpha_and_rgb16(void **state)
{
	(void)state;
	int w = 13, h = 9;
	/* grey + alpha: one channel out */
	uint8_t *ga = malloc((size_t)w * h * 2);
	for (int i = 0; i < w * h; i++) {
		ga[2 * i] = (uint8_t)(i * 3);
		ga[2 * i + 1] = (uint8_t)(i & 1 ? 0 : 255);
	}
	struct png_spec s = {w,    h, PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, ga, (size_t)w * 2, NULL, 0,
	                     NULL, 0};
	size_t len;
	uint8_t *png = png_encode(&s, &len);
	struct image_info info;
	struct image img = decode_ok(png, len, NULL, &info);
	assert_int_equal(info.channels, 1);
	for (int i = 0; i < w * h; i++)
		assert_int_equal(img.pixels[i], (uint8_t)(i * 3));
	image_free(&img);
	free(png);
	free(ga);

	/* RGB, 16 bits a sample */
	uint8_t *rgb16 = malloc((size_t)w * h * 6);
	for (int i = 0; i < w * h * 3; i++) {
		int v = (i * 4099) & 0xffff;
		rgb16[2 * i] = (uint8_t)(v >> 8);
		rgb16[2 * i + 1] = (uint8_t)v;
	}
	struct png_spec s16 = {w,    h, PNG_COLOR_TYPE_RGB, 16, 1, rgb16, (size_t)w * 6, NULL, 0,
	                       NULL, 0};
	png = png_encode(&s16, &len);
	img = decode_ok(png, len, NULL, &info);
	assert_int_equal(info.channels, 3);
	for (int i = 0; i < w * h * 3; i++) {
		int v = rgb16[2 * i] << 8 | rgb16[2 * i + 1];
		int want = (int)((v * 255L + 32767) / 65535);
		assert_true(abs(img.pixels[i] - want) <= 1);
	}
	image_free(&img);
	free(png);
	free(rgb16);
}

static void test_png_palette(void **state)
{
	(void)state;
	int w = 21, h = 14;
	png_color pal[256];
	uint8_t trns[256];
	for (int i = 0; i < 256; i++) {
		pal[i] = (png_color){(png_byte)i, (png_byte)(i * 7), (png_byte)(255 - i)};
		trns[i] = (uint8_t)(i % 3 ? 255 : 0);
	}
	for (int depth = 1; depth <= 8; depth *= 2) {
		int n = 1 << depth;
		size_t rowbytes = ((size_t)w * depth + 7) / 8;
		uint8_t *rows = calloc(rowbytes, (size_t)h);
		uint8_t *idx = malloc((size_t)w * h);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				int v = (x + 2 * y) % n;
				idx[y * w + x] = (uint8_t)v;
				int per = 8 / depth, shift = 8 - depth * (x % per + 1);
				rows[rowbytes * y + x / per] |= (uint8_t)(v << shift);
			}
		/* with a tRNS chunk: transparency is ignored, the colour stays */
		struct png_spec s = {
		    w,    h, PNG_COLOR_TYPE_PALETTE, depth, depth == 4, rows, rowbytes, pal, n,
		    trns, n};
		size_t len;
		uint8_t *png = png_encode(&s, &len);
		struct image_info info;
		struct image img = decode_ok(png, len, NULL, &info);
		assert_int_equal(info.channels, 3);
		for (int i = 0; i < w * h; i++) {
			const png_color *c = &pal[idx[i]];
			uint8_t want[3] = {c->red, c->green, c->blue};
			assert_memory_equal(img.pixels + 3 * i, want, 3);
		}
		image_free(&img);
		free(png);
		free(rows);
		free(idx);
	}
}

/* ---- JPEG ----------------------------------------------------------------- */

static void test_jpeg_variants(void **state)
{
	(void)state;
	int w = 64, h = 48;
	uint8_t *rgb = smooth_rgb(w, h);
	for (int progressive = 0; progressive < 2; progressive++) {
		size_t len;
		uint8_t *jpg = jpeg_encode(rgb, w, h, 3, JCS_RGB, progressive, 98, &len);
		struct image_info info;
		struct image img = decode_ok(jpg, len, NULL, &info);
		assert_int_equal(info.type, IMAGE_JPEG);
		assert_int_equal(info.channels, 3);
		assert_int_equal(info.progressive, progressive);
		assert_int_equal(info.width, w);
		assert_close(img.pixels, rgb, (size_t)w * h * 3, 8);
		image_free(&img);
		free(jpg);
	}
	/* grey: one channel */
	uint8_t *grey = pattern_rgb(w, h, 1);
	size_t len;
	uint8_t *jpg = jpeg_encode(grey, w, h, 1, JCS_GRAYSCALE, 0, 98, &len);
	struct image_info info;
	struct image img = decode_ok(jpg, len, NULL, &info);
	assert_int_equal(info.channels, 1);
	assert_close(img.pixels, grey, (size_t)w * h, 12);
	image_free(&img);
	free(jpg);
	free(grey);
	free(rgb);
}

static void test_jpeg_cmyk(void **state)
{
	(void)state;
	/* flat blocks of CMYK samples as stored (Adobe convention: 255 = no
	 * ink): white, cyan, black, and a mid tone */
	int w = 32, h = 8;
	static const uint8_t blocks[4][4] = {
	    {255, 255, 255, 255}, {0, 255, 255, 255}, {255, 255, 255, 0}, {128, 200, 64, 180}};
	uint8_t *px = malloc((size_t)w * h * 4);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			memcpy(px + ((size_t)y * w + x) * 4, blocks[x / 8], 4);
	size_t len;
	uint8_t *jpg = jpeg_encode(px, w, h, 4, JCS_CMYK, 0, 100, &len);
	struct image_info info;
	struct image img = decode_ok(jpg, len, NULL, &info);
	assert_int_equal(info.channels, 3);
	for (int b = 0; b < 4; b++) {
		const uint8_t *s = blocks[b];
		const uint8_t *got = img.pixels + ((size_t)4 * w + b * 8 + 4) * 3;
		for (int c = 0; c < 3; c++) {
			/* R = c*k/255 in ImageMagick's arithmetic, give or take
			 * the JPEG rounding */
			int want = (s[c] * s[3] + 127) / 255;
			assert_true(abs(got[c] - want) <= 3);
		}
	}
	image_free(&img);
	free(jpg);
	free(px);
}

static void test_jpeg_reduced_scale(void **state)
{
	(void)state;
	int w = 800, h = 600;
	uint8_t *rgb = pattern_rgb(w, h, 3);
	size_t len;
	uint8_t *jpg = jpeg_encode(rgb, w, h, 3, JCS_RGB, 0, 90, &len);
	struct image_info info;
	struct image_options o = {.jpeg_reduce_to = 200};
	struct image img = decode_ok(jpg, len, &o, &info);
	/* 1/2: 300 >= 200; 1/4 would be 150 */
	assert_int_equal(info.width, 400);
	assert_int_equal(info.height, 300);
	assert_int_equal(info.stored_width, 800);
	image_free(&img);
	o.jpeg_reduce_to = 50;
	img = decode_ok(jpg, len, &o, &info);
	assert_int_equal(info.width, 100); /* 1/8, the smallest */
	image_free(&img);
	free(jpg);
	free(rgb);
}

/* ---- WebP, GIF, BMP -------------------------------------------------------- */

static void test_webp(void **state)
{
	(void)state;
	int w = 40, h = 26;
	uint8_t *rgb = pattern_rgb(w, h, 3), *rgba = pattern_rgb(w, h, 4), *out = NULL;
	size_t len = WebPEncodeLosslessRGB(rgb, w, h, w * 3, &out);
	assert_true(len > 0);
	struct image_info info;
	struct image img = decode_ok(out, len, NULL, &info);
	assert_int_equal(info.type, IMAGE_WEBP);
	assert_memory_equal(img.pixels, rgb, (size_t)w * h * 3);
	image_free(&img);
	WebPFree(out);

	/* alpha (never fully transparent, where the encoder may change the
	 * colour): dropped, colour kept */
	len = WebPEncodeLosslessRGBA(rgba, w, h, w * 4, &out);
	img = decode_ok(out, len, NULL, &info);
	for (int i = 0; i < w * h; i++)
		assert_memory_equal(img.pixels + 3 * i, rgba + 4 * i, 3);
	image_free(&img);
	WebPFree(out);

	uint8_t *smooth = smooth_rgb(w, h);
	len = WebPEncodeRGB(smooth, w, h, w * 3, 95, &out);
	img = decode_ok(out, len, NULL, &info);
	assert_close(img.pixels, smooth, (size_t)w * h * 3, 12);
	free(smooth);
	image_free(&img);
	WebPFree(out);
	free(rgb);
	free(rgba);
}

static void test_gif_first_frame(void **state)
{
	(void)state;
	int w = 45, h = 19;
	uint8_t *idx = malloc((size_t)w * h);
	for (int i = 0; i < w * h; i++)
		idx[i] = (uint8_t)((i * 13) % 251);
	for (int interlace = 0; interlace < 2; interlace++) {
		for (int local = 0; local < 2; local++) {
			size_t len;
			uint8_t *gif = gif_encode(idx, w, h, interlace, local, &len);
			struct image_info info;
			struct image img = decode_ok(gif, len, NULL, &info);
			assert_int_equal(info.type, IMAGE_GIF);
			assert_int_equal(info.progressive, interlace);
			for (int i = 0; i < w * h; i++) {
				int v = idx[i];
				uint8_t want[3];
				if (local) {
					want[0] = (uint8_t)(v / 2);
					want[1] = (uint8_t)v;
					want[2] = (uint8_t)(200 - v / 4);
				} else {
					want[0] = (uint8_t)v;
					want[1] = (uint8_t)(255 - v);
					want[2] = (uint8_t)(v * 3);
				}
				assert_memory_equal(img.pixels + 3 * i, want, 3);
			}
			image_free(&img);
			free(gif);
		}
	}
	free(idx);
}

static void test_bmp_variants(void **state)
{
	(void)state;
	int w = 19, h = 7;
	uint8_t *rgb = pattern_rgb(w, h, 3);
	for (int td = 0; td < 2; td++) {
		size_t len;
		uint8_t *b = bmp24(rgb, w, h, td, &len);
		struct image_info info;
		struct image img = decode_ok(b, len, NULL, &info);
		assert_int_equal(info.type, IMAGE_BMP);
		assert_memory_equal(img.pixels, rgb, (size_t)w * h * 3);
		image_free(&img);
		free(b);
	}

	/* palettes: 1, 4 and 8 bits */
	uint8_t pal[256 * 4];
	for (int i = 0; i < 256; i++) {
		pal[4 * i] = (uint8_t)i;             /* B */
		pal[4 * i + 1] = (uint8_t)(i * 5);   /* G */
		pal[4 * i + 2] = (uint8_t)(255 - i); /* R */
		pal[4 * i + 3] = 0;
	}
	static const int depths[] = {1, 4, 8};
	for (size_t di = 0; di < 3; di++) {
		int bpp = depths[di], n = 1 << bpp;
		size_t stride = (((size_t)w * bpp + 31) / 32) * 4;
		uint8_t *px = calloc(stride, (size_t)h);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				int v = (x + y * 3) % n, per = 8 / bpp;
				px[stride * (size_t)(h - 1 - y) + x / per] |=
				    (uint8_t)(v << (8 - bpp * (x % per + 1)));
			}
		size_t len;
		uint8_t *b = bmp_make(w, h, bpp, 0, pal, n, NULL, px, stride * h, &len);
		struct image_info info;
		struct image img = decode_ok(b, len, NULL, &info);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				int v = (x + y * 3) % n;
				uint8_t want[3] = {(uint8_t)(255 - v), (uint8_t)(v * 5),
				                   (uint8_t)v};
				assert_memory_equal(img.pixels + ((size_t)y * w + x) * 3, want, 3);
			}
		image_free(&img);
		free(b);
		free(px);
	}

	/* 16 bits, 5-6-5 bit fields, and 32 bits BGRX */
	uint32_t m565[3] = {0xf800, 0x07e0, 0x001f};
	size_t s16 = (((size_t)w * 16 + 31) / 32) * 4, s32 = (size_t)w * 4;
	uint8_t *p16 = calloc(s16, (size_t)h), *p32 = calloc(s32, (size_t)h);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			unsigned r = (unsigned)(x * 31 / (w - 1)), g = (unsigned)(y * 63 / (h - 1)),
			         bl = (unsigned)((x + y) % 32);
			put16(p16 + s16 * (size_t)(h - 1 - y) + 2 * x, r << 11 | g << 5 | bl);
			uint8_t *q = p32 + s32 * (size_t)(h - 1 - y) + 4 * x;
			q[0] = (uint8_t)(x * 9);
			q[1] = (uint8_t)(y * 20);
			q[2] = (uint8_t)(x + y);
			q[3] = 0x55; /* alpha or padding: ignored */
		}
	size_t len;
	uint8_t *b = bmp_make(w, h, 16, 3, NULL, 0, m565, p16, s16 * h, &len);
	struct image_info info;
	struct image img = decode_ok(b, len, NULL, &info);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			unsigned r = (unsigned)(x * 31 / (w - 1)), g = (unsigned)(y * 63 / (h - 1)),
			         bl = (unsigned)((x + y) % 32);
			uint8_t want[3] = {(uint8_t)(r << 3 | r >> 2), (uint8_t)(g << 2 | g >> 4),
			                   (uint8_t)(bl << 3 | bl >> 2)};
			assert_memory_equal(img.pixels + ((size_t)y * w + x) * 3, want, 3);
		}
	image_free(&img);
	free(b);
	b = bmp_make(w, h, 32, 0, NULL, 0, NULL, p32, s32 * h, &len);
	img = decode_ok(b, len, NULL, &info);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			uint8_t want[3] = {(uint8_t)(x + y), (uint8_t)(y * 20), (uint8_t)(x * 9)};
			assert_memory_equal(img.pixels + ((size_t)y * w + x) * 3, want, 3);
		}
	image_free(&img);
	free(b);
	free(p16);
	free(p32);
	free(rgb);
}

/* An RLE8 BMP: runs, a literal, a delta, end of line, end of bitmap. */
static uint8_t *bmp_rle8(size_t *len)
{
	uint8_t pal[4 * 4] = {0, 0, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 0, 0, 255, 0};
	static const uint8_t rle[] = {
	    4, 1, 4, 2, 0, 0,       /* row 0 (bottom): 4 x 1, 4 x 2 */
	    0, 3, 3, 1, 2, 0, 2, 3, /* row 1: literal 3 1 2 (padded), 5 x 3 */
	    5, 3, 0, 0,             /* ... end of line */
	    0, 2, 2, 0,             /* row 2: delta +2 x */
	    6, 1, 0, 1,             /* 6 x 1, end of bitmap */
	};
	return bmp_make(8, 3, 8, 1, pal, 4, NULL, rle, sizeof rle, len);
}

static void test_bmp_rle8(void **state)
{
	(void)state;
	size_t len;
	uint8_t *b = bmp_rle8(&len);
	struct image_info info;
	struct image img = decode_ok(b, len, NULL, &info);
	/* rows top to bottom: row 2, row 1, row 0 of the file */
	static const int want_idx[3][8] = {
	    {0, 0, 1, 1, 1, 1, 1, 1}, {3, 1, 2, 3, 3, 3, 3, 3}, {1, 1, 1, 1, 2, 2, 2, 2}};
	static const uint8_t col[4][3] = {{0, 0, 0}, {0, 0, 255}, {0, 255, 0}, {255, 0, 0}};
	for (int y = 0; y < 3; y++)
		for (int x = 0; x < 8; x++)
			assert_memory_equal(img.pixels + (y * 8 + x) * 3, col[want_idx[y][x]], 3);
	image_free(&img);
	free(b);
}

/* ---- damaged files --------------------------------------------------------- */

struct sample {
	const char *name;
	uint8_t *data;
	size_t len;
	size_t ok_from; /* the shortest prefix that may still decode */
	void (*release)(void *);
};

static void free_webp(void *p)
{
	WebPFree(p);
}

/* One of each format and variant, small. */
static int make_samples(struct sample *s)
{
	int n = 0, w = 30, h = 22;
	uint8_t *rgb = pattern_rgb(w, h, 3), *rgba = pattern_rgb(w, h, 4);
	size_t len;
	uint8_t *d;
	d = jpeg_encode(rgb, w, h, 3, JCS_RGB, 0, 90, &len);
	s[n++] = (struct sample){"jpeg baseline", d, len, len, free};
	d = jpeg_encode(rgb, w, h, 3, JCS_RGB, 1, 90, &len);
	s[n++] = (struct sample){"jpeg progressive", d, len, len, free};
	struct png_spec ps = {w,    h, PNG_COLOR_TYPE_RGBA, 8, 0, rgba, (size_t)w * 4, NULL, 0,
	                      NULL, 0};
	d = png_encode(&ps, &len);
	s[n++] = (struct sample){"png", d, len, len, free};
	ps.interlace = 1;
	d = png_encode(&ps, &len);
	s[n++] = (struct sample){"png interlaced", d, len, len, free};
	uint8_t *out = NULL;
	len = WebPEncodeLosslessRGB(rgb, w, h, w * 3, &out);
	s[n++] = (struct sample){"webp lossless", out, len, len, free_webp};
	len = WebPEncodeRGB(rgb, w, h, w * 3, 80, &out);
	s[n++] = (struct sample){"webp lossy", out, len, len, free_webp};
	uint8_t *idx = malloc((size_t)w * h);
	for (int i = 0; i < w * h; i++)
		idx[i] = (uint8_t)(i % 200);
	d = gif_encode(idx, w, h, 0, 0, &len);
	/* only the first frame is read: a file cut after it is fine */
	s[n++] = (struct sample){"gif", d, len, 0, free};
	d = gif_encode(idx, w, h, 1, 1, &len);
	s[n++] = (struct sample){"gif interlaced", d, len, 0, free};
	free(idx);
	d = bmp24(rgb, w, h, 0, &len);
	s[n++] = (struct sample){"bmp", d, len, len, free};
	d = bmp_rle8(&len);
	s[n++] = (struct sample){"bmp rle8", d, len, len, free};
	free(rgb);
	free(rgba);
	return n;
}

static void free_samples(struct sample *s, int n)
{
	for (int i = 0; i < n; i++)
		s[i].release(s[i].data);
}

/* For a GIF, the prefix ending with the first frame's data: everything
 * before the second image descriptor's ',' ... found by decoding. */
static size_t gif_first_frame_end(const struct sample *s)
{
	for (size_t n = 1; n <= s->len; n++) {
		struct image_info info;
		uint8_t *copy = malloc(n);
		memcpy(copy, s->data, n);
		int rc = image_decode(copy, n, NULL, NULL, &info);
		free(copy);
		if (rc == 0)
			return n;
	}
	return s->len;
}

static void test_truncated_at_every_length(void **state)
{
	(void)state;
	struct sample s[16];
	int n = make_samples(s);
	for (int i = 0; i < n; i++) {
		size_t ok_from = s[i].ok_from ? s[i].ok_from : gif_first_frame_end(&s[i]);
		/* a GIF's first frame ends well before the file does */
		if (!s[i].ok_from)
			assert_true(ok_from < s[i].len - 10);
		struct image_info info;
		for (size_t len = 0; len < s[i].len; len++) {
			/* a copy of exactly len bytes, so that ASan sees any read
			 * past the end */
			uint8_t *copy = malloc(len ? len : 1);
			memcpy(copy, s[i].data, len);
			struct image img;
			int rc = image_load(copy, len, NULL, &img, &info);
			free(copy);
			if (len < ok_from) {
				if (rc >= 0)
					fail_msg("%s cut at %zu of %zu bytes decoded", s[i].name,
					         len, s[i].len);
				assert_null(img.pixels);
				assert_non_null(info.error);
				assert_true(rc == HL_EINVAL);
			} else {
				assert_int_equal(rc, 0);
				image_free(&img);
			}
		}
		/* the whole file decodes */
		struct image img;
		assert_int_equal(image_load(s[i].data, s[i].len, NULL, &img, &info), 0);
		image_free(&img);
		/* cut inside the pixel data, the message says truncated */
		if (s[i].ok_from) {
			uint8_t *copy = malloc(s[i].len);
			memcpy(copy, s[i].data, s[i].len);
			assert_int_equal(image_decode(copy, s[i].len * 3 / 4, NULL, NULL, &info),
			                 HL_EINVAL);
			assert_string_equal(info.error, "image.truncated");
			free(copy);
		}
	}
	free_samples(s, n);
}

static void test_random_damage_never_crashes(void **state)
{
	(void)state;
	struct sample s[16];
	int n = make_samples(s);
	uint32_t x = 2463534242u;
	for (int i = 0; i < n; i++) {
		for (int round = 0; round < 300; round++) {
			uint8_t *copy = malloc(s[i].len);
			memcpy(copy, s[i].data, s[i].len);
			int flips = 1 + round % 4;
			for (int f = 0; f < flips; f++) {
				x ^= x << 13;
				x ^= x >> 17;
				x ^= x << 5;
				/* mostly the first bytes, where the headers are */
				size_t at = (round & 1) ? x % (s[i].len < 64 ? s[i].len : 64)
				                        : x % s[i].len;
				copy[at] ^= (uint8_t)(1u << (x >> 29));
			}
			struct image img;
			struct image_info info;
			int rc = image_load(copy, s[i].len, NULL, &img, &info);
			if (rc == 0) {
				assert_non_null(img.pixels);
				image_free(&img);
			} else {
				assert_true(rc < 0);
				assert_non_null(info.error);
			}
			free(copy);
		}
	}
	free_samples(s, n);
}

static void test_corrupt_headers(void **state)
{
	(void)state;
	struct sample s[16];
	int n = make_samples(s);
	struct image_info info;
	for (int i = 0; i < n; i++) {
		uint8_t *copy = malloc(s[i].len);
		memcpy(copy, s[i].data, s[i].len);
		if (strcmp(s[i].name, "png") == 0) {
			copy[18] ^= 0x40; /* IHDR width: the CRC no longer matches */
			assert_int_equal(image_decode(copy, s[i].len, NULL, NULL, &info),
			                 HL_EINVAL);
			assert_string_equal(info.error, "image.corrupt");
		} else if (strcmp(s[i].name, "jpeg baseline") == 0) {
			memset(copy + 2, 0x00, 40); /* markers gone */
			assert_int_equal(image_decode(copy, s[i].len, NULL, NULL, &info),
			                 HL_EINVAL);
		} else if (strcmp(s[i].name, "bmp") == 0) {
			put32(copy + 14, 7); /* no such header size */
			assert_int_equal(image_decode(copy, s[i].len, NULL, NULL, &info),
			                 HL_EINVAL);
			assert_string_equal(info.error, "image.unsupported");
			put32(copy + 14, 40);
			put16(copy + 28, 13); /* 13 bits a pixel */
			assert_int_equal(image_decode(copy, s[i].len, NULL, NULL, &info),
			                 HL_EINVAL);
			put16(copy + 28, 24);
			put16(copy + 26, 2); /* two planes */
			assert_int_equal(image_decode(copy, s[i].len, NULL, NULL, &info),
			                 HL_EINVAL);
			assert_string_equal(info.error, "image.corrupt");
		} else if (strcmp(s[i].name, "gif") == 0) {
			memcpy(copy, "GIF88a", 6);
			assert_int_equal(image_decode(copy, s[i].len, NULL, NULL, &info),
			                 HL_EINVAL);
			assert_string_equal(info.error, "image.unknown_format");
		}
		free(copy);
	}
	free_samples(s, n);
	assert_int_equal(image_decode("", 0, NULL, NULL, &info), HL_EINVAL);
	assert_string_equal(info.error, "image.empty");
	assert_int_equal(image_decode(NULL, 10, NULL, NULL, &info), HL_EINVAL);
	assert_int_equal(image_decode("plain text, not an image", 24, NULL, NULL, &info),
	                 HL_EINVAL);
	assert_string_equal(info.error, "image.unknown_format");
	assert_string_equal(image_error_text("image.truncated"), "truncated file");
	assert_non_null(image_error_text("no.such.key"));
	assert_non_null(image_error_text(NULL));
}

/* ---- decompression bombs ------------------------------------------------ */

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return c ^ 0xffffffffu;
}

static void put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void expect_bomb(const uint8_t *d, size_t len, const char *what)
{
	struct image_info info;
	struct image img;
	int rc = image_load(d, len, NULL, &img, &info);
	if (rc != HL_ETOOBIG)
		fail_msg("%s: %d (%s), want HL_ETOOBIG", what, rc, info.error ? info.error : "-");
	assert_string_equal(info.error, "image.too_many_pixels");
	assert_null(img.pixels);
	assert_int_equal(image_probe(d, len, NULL, &info), HL_ETOOBIG);
	assert_true((uint64_t)info.stored_width * info.stored_height > IMAGE_DEFAULT_MAX_PIXELS);
}

static void test_bombs_refused_from_the_header(void **state)
{
	(void)state;
	/* PNG: a 100000 x 100000 IHDR (valid CRC) and nothing else: 10^10
	 * pixels, 30 GB of RGB, refused before any buffer */
	uint8_t png[8 + 25];
	memcpy(png, "\x89PNG\r\n\x1a\n", 8);
	put32be(png + 8, 13);
	memcpy(png + 12, "IHDR", 4);
	put32be(png + 16, 100000);
	put32be(png + 20, 100000);
	png[24] = 8;
	png[25] = 2;
	png[26] = png[27] = png[28] = 0;
	put32be(png + 29, crc32_of(png + 12, 17));
	expect_bomb(png, sizeof png, "png");

	/* JPEG, GIF, WebP, BMP: a real small file whose header is changed to
	 * announce a huge size */
	struct sample s[16];
	int n = make_samples(s);
	for (int i = 0; i < n; i++) {
		uint8_t *c = malloc(s[i].len);
		memcpy(c, s[i].data, s[i].len);
		if (strcmp(s[i].name, "jpeg baseline") == 0) {
			size_t at = 2;
			while (at + 9 < s[i].len && !(c[at] == 0xff && c[at + 1] == 0xc0))
				at += 2 + (size_t)(c[at + 2] << 8 | c[at + 3]);
			assert_true(at + 9 < s[i].len);
			c[at + 5] = c[at + 6] = c[at + 7] = c[at + 8] = 0xea; /* 60138 x 60138 */
			expect_bomb(c, s[i].len, "jpeg");
		} else if (strcmp(s[i].name, "gif") == 0) {
			/* screen and frame 65535 x 65535 */
			memset(c + 6, 0xff, 4);
			size_t at = 13 + 3 * 256;
			while (c[at] == 0x21) { /* extensions */
				at += 2;
				while (c[at])
					at += 1 + c[at];
				at++;
			}
			assert_int_equal(c[at], 0x2c);
			memset(c + at + 5, 0xff, 4);
			expect_bomb(c, s[i].len, "gif");
		} else if (strcmp(s[i].name, "webp lossless") == 0) {
			/* VP8L: 14 bits of width-1, 14 of height-1: 16384 x 16384 */
			assert_memory_equal(c + 12, "VP8L", 4);
			uint32_t bits = (uint32_t)c[21] | (uint32_t)c[22] << 8 |
			                (uint32_t)c[23] << 16 | (uint32_t)c[24] << 24;
			bits = (bits & ~0x0fffffffu) | 0x3fff | 0x3fffu << 14;
			put32(c + 21, bits);
			expect_bomb(c, s[i].len, "webp");
		} else if (strcmp(s[i].name, "bmp") == 0) {
			put32(c + 18, 200000);
			put32(c + 22, 200000);
			expect_bomb(c, s[i].len, "bmp");
		}
		free(c);
	}
	free_samples(s, n);
}

static void test_pixel_limit(void **state)
{
	(void)state;
	int w = 64, h = 64;
	uint8_t *rgb = pattern_rgb(w, h, 3);
	size_t len;
	uint8_t *b = bmp24(rgb, w, h, 0, &len);
	struct image_info info;
	struct image_options o = {.max_pixels = 4095};
	assert_int_equal(image_decode(b, len, &o, NULL, &info), HL_ETOOBIG);
	assert_string_equal(info.error, "image.too_many_pixels");
	o.max_pixels = 4096;
	assert_int_equal(image_decode(b, len, &o, NULL, &info), 0);
	/* probing reads the header only */
	assert_int_equal(image_probe(b, 54, NULL, &info), 0);
	assert_int_equal(info.stored_width, 64);
	assert_int_equal(info.stored_height, 64);
	assert_int_equal(info.type, IMAGE_BMP);
	free(b);
	free(rgb);
}

/* ---- the sink ------------------------------------------------------------ */

struct counting {
	int rows, stop_at;
};

static int count_row(void *ctx, int y, const uint8_t *px)
{
	(void)px;
	struct counting *c = ctx;
	assert_int_equal(y, c->rows);
	c->rows++;
	return c->rows == c->stop_at ? -42 : 0;
}

static void test_sink_abort(void **state)
{
	(void)state;
	struct sample s[16];
	int n = make_samples(s);
	for (int i = 0; i < n; i++) {
		struct counting c = {0, 2};
		struct image_sink sink = {NULL, count_row, &c};
		struct image_info info;
		int rc = image_decode(s[i].data, s[i].len, NULL, &sink, &info);
		if (rc != -42)
			fail_msg("%s: %d", s[i].name, rc);
		assert_string_equal(info.error, "image.aborted");
		assert_int_equal(c.rows, 2);
		c = (struct counting){0, -1};
		assert_int_equal(image_decode(s[i].data, s[i].len, NULL, &sink, &info), 0);
		assert_int_equal(c.rows, info.height);
	}
	free_samples(s, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_png_rgb_and_rgba),
	    cmocka_unit_test(test_png_grey_depths),
	    cmocka_unit_test(test_png_grey_alpha_and_rgb16),
	    cmocka_unit_test(test_png_palette),
	    cmocka_unit_test(test_jpeg_variants),
	    cmocka_unit_test(test_jpeg_cmyk),
	    cmocka_unit_test(test_jpeg_reduced_scale),
	    cmocka_unit_test(test_webp),
	    cmocka_unit_test(test_gif_first_frame),
	    cmocka_unit_test(test_bmp_variants),
	    cmocka_unit_test(test_bmp_rle8),
	    cmocka_unit_test(test_truncated_at_every_length),
	    cmocka_unit_test(test_random_damage_never_crashes),
	    cmocka_unit_test(test_corrupt_headers),
	    cmocka_unit_test(test_bombs_refused_from_the_header),
	    cmocka_unit_test(test_pixel_limit),
	    cmocka_unit_test(test_sink_abort),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
