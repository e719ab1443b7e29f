/* image.c — decoding images held in memory into 8-bit rows for hashing.
 *
 * Each format has one function that reads the header, checks the pixel
 * count against the limit before it allocates anything for pixels, then
 * hands rows to the sink top to bottom. Library error paths never exit():
 * libjpeg and libpng get longjmp error handlers, giflib and libwebp return
 * codes, BMP is parsed here with every offset checked against the length.
 * State that must survive a longjmp lives on the heap or in the library's
 * own pools, never in automatic variables changed after setjmp().
 *
 * Why the pixels look the way they do (CMYK conversion, alpha dropped,
 * grey kept as one channel) is explained in image.h: it is what the PDQ
 * reference pipeline's decoder produces, so that hashes agree bit for bit.
 */
#include "image.h"

#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gif_lib.h>
#include <jerror.h>
#include <jpeglib.h>
#include <png.h>
#include <webp/decode.h>

#include "err.h"

/* A progressive JPEG with more scans than this is refused: real encoders
 * write about ten, and each scan costs a pass over the whole image. */
#define JPEG_MAX_SCANS 500
/* libjpeg memory beyond the pixel budget (tables, row buffers). */
#define JPEG_MEM_SLACK (64u << 20)
/* Largest ancillary PNG chunk libpng may inflate (iCCP, zTXt ...). */
#define PNG_CHUNK_MAX (8u << 20)

static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};

enum image_type image_sniff(const void *data, size_t len)
{
	const uint8_t *p = data;
	if (!p)
		return IMAGE_UNKNOWN;
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return IMAGE_JPEG;
	if (len >= 8 && memcmp(p, png_magic, 8) == 0)
		return IMAGE_PNG;
	if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return IMAGE_WEBP;
	if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		return IMAGE_GIF;
	if (len >= 2 && p[0] == 'B' && p[1] == 'M')
		return IMAGE_BMP;
	return IMAGE_UNKNOWN;
}

const char *image_type_name(enum image_type type)
{
	switch (type) {
	case IMAGE_JPEG: return "jpeg";
	case IMAGE_PNG: return "png";
	case IMAGE_WEBP: return "webp";
	case IMAGE_GIF: return "gif";
	case IMAGE_BMP: return "bmp";
	default: return "unknown";
	}
}

const char *image_error_text(const char *key)
{
	static const struct {
		const char *key, *text;
	} texts[] = {
	    {"image.truncated", "truncated file"},
	    {"image.corrupt", "corrupt image data"},
	    {"image.too_many_pixels", "image has more pixels than the limit (--max-pixels)"},
	    {"image.unknown_format", "not a JPEG, PNG, WebP, GIF or BMP image"},
	    {"image.unsupported", "unsupported variant of the image format"},
	    {"image.no_memory", "out of memory"},
	    {"image.empty", "empty file"},
	    {"image.aborted", "decoding stopped by the caller"},
	};
	for (size_t i = 0; key && i < sizeof texts / sizeof texts[0]; i++)
		if (strcmp(key, texts[i].key) == 0)
			return texts[i].text;
	return "cannot decode the image";
}

static uint64_t max_pixels_of(const struct image_options *opt)
{
	return opt && opt->max_pixels ? opt->max_pixels : IMAGE_DEFAULT_MAX_PIXELS;
}

/* Sets info's size and checks it: 0, HL_EINVAL (zero or absurd sides) or
 * HL_ETOOBIG (over the pixel limit). */
static int check_size(struct image_info *info, uint64_t w, uint64_t h,
                      const struct image_options *opt)
{
	if (w == 0 || h == 0 || w > INT_MAX / 4 || h > INT_MAX / 4) {
		info->error = "image.corrupt";
		return HL_EINVAL;
	}
	info->stored_width = info->width = (int)w;
	info->stored_height = info->height = (int)h;
	if (w * h > max_pixels_of(opt)) {
		info->error = "image.too_many_pixels";
		return HL_ETOOBIG;
	}
	return 0;
}

static int sink_start(const struct image_sink *sink, struct image_info *info)
{
	if (!sink || !sink->start)
		return 0;
	int rc = sink->start(sink->ctx, info);
	if (rc)
		info->error = "image.aborted";
	return rc;
}

static int sink_row(const struct image_sink *sink, struct image_info *info, int y,
                    const uint8_t *row)
{
	if (!sink || !sink->row)
		return 0;
	int rc = sink->row(sink->ctx, y, row);
	if (rc)
		info->error = "image.aborted";
	return rc;
}

/* ---- JPEG -------------------------------------------------------------- */

struct jpeg_job {
	struct jpeg_decompress_struct cinfo;
	struct jpeg_error_mgr err;
	struct jpeg_progress_mgr progress;
	jmp_buf jmp;
	const char *error;
	int code;
};

static void jpeg_fail(struct jpeg_job *job, const char *key, int code)
{
	if (!job->error) {
		job->error = key;
		job->code = code;
	}
	longjmp(job->jmp, 1);
}

static void jpeg_on_error(j_common_ptr c)
{
	struct jpeg_job *job = (struct jpeg_job *)c->client_data;
	switch (c->err->msg_code) {
	case JERR_OUT_OF_MEMORY: jpeg_fail(job, "image.no_memory", HL_ENOMEM); break;
	case JERR_NO_BACKING_STORE: jpeg_fail(job, "image.too_many_pixels", HL_ETOOBIG); break;
	case JERR_INPUT_EOF: jpeg_fail(job, "image.truncated", HL_EINVAL); break;
	default: jpeg_fail(job, "image.corrupt", HL_EINVAL);
	}
}

/* Warnings: libjpeg carries on after damaged data (filling the rest of the
 * image with grey); a hash of that would be a hash of something else, so
 * truncation and damaged entropy-coded data are errors here. Harmless
 * oddities (extra bytes between markers, unknown JFIF versions) are not. */
static void jpeg_on_message(j_common_ptr c, int level)
{
	struct jpeg_job *job = (struct jpeg_job *)c->client_data;
	if (level >= 0)
		return;
	switch (c->err->msg_code) {
	case JWRN_JPEG_EOF: jpeg_fail(job, "image.truncated", HL_EINVAL); break;
	case JWRN_HIT_MARKER:
	case JWRN_HUFF_BAD_CODE:
	case JWRN_MUST_RESYNC:
	case JWRN_NOT_SEQUENTIAL: jpeg_fail(job, "image.corrupt", HL_EINVAL); break;
	default: break;
	}
}

static void jpeg_on_progress(j_common_ptr c)
{
	struct jpeg_job *job = (struct jpeg_job *)c->client_data;
	if (c->is_decompressor && ((j_decompress_ptr)c)->input_scan_number > JPEG_MAX_SCANS)
		jpeg_fail(job, "image.corrupt", HL_EINVAL);
}

/* ImageMagick (Q16) reads an Adobe CMYK JPEG's inverted samples as
 * C = 65535 - 257c, K = 65535 - 257k, converts with
 * R = QR - (C/QR * (QR - K) + K) in double, rounds to a 16-bit quantum and
 * scales that to 8 bits; this table is R for every (c, k) byte pair. */
static void jpeg_cmyk_table(uint8_t *t)
{
	const double qr = 65535.0, qs = 1.0 / 65535.0;
	for (unsigned c = 0; c < 256; c++) {
		for (unsigned k = 0; k < 256; k++) {
			double C = qr - 257.0 * c, K = qr - 257.0 * k;
			double v = qr - (qs * C * (qr - K) + K);
			unsigned q = v <= 0.0 ? 0u : v >= qr ? 65535u : (unsigned)(v + 0.5);
			t[c * 256 + k] = (uint8_t)(((q + 128u) - ((q + 128u) >> 8)) >> 8);
		}
	}
}

static int decode_jpeg(const uint8_t *data, size_t len, const struct image_options *opt,
                       const struct image_sink *sink, struct image_info *info, int probe)
{
	struct jpeg_job *job = calloc(1, sizeof *job);
	if (!job) {
		info->error = "image.no_memory";
		return HL_ENOMEM;
	}
	int rc = 0;
	struct jpeg_decompress_struct *ci = &job->cinfo;
	ci->err = jpeg_std_error(&job->err);
	job->err.error_exit = jpeg_on_error;
	job->err.emit_message = jpeg_on_message;
	ci->client_data = job;
	if (setjmp(job->jmp)) {
		info->error = job->error ? job->error : "image.corrupt";
		rc = job->code ? job->code : HL_EINVAL;
		goto out;
	}
	jpeg_create_decompress(ci);
	ci->client_data = job;
	job->progress.progress_monitor = jpeg_on_progress;
	ci->progress = &job->progress;
	jpeg_mem_src(ci, data, (unsigned long)len);
	jpeg_read_header(ci, TRUE);
	info->progressive = ci->progressive_mode ? 1 : 0;
	rc = check_size(info, ci->image_width, ci->image_height, opt);
	info->channels = ci->jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
	if (rc || probe)
		goto out;
	/* a cap on libjpeg's own allocations (the whole-image coefficient
	 * buffer of progressive files): beyond it, JERR_NO_BACKING_STORE */
	uint64_t budget = max_pixels_of(opt) * 8 + JPEG_MEM_SLACK;
	ci->mem->max_memory_to_use = budget > LONG_MAX ? LONG_MAX : (long)budget;

	int cmyk = ci->jpeg_color_space == JCS_CMYK || ci->jpeg_color_space == JCS_YCCK;
	if (info->channels == 1)
		ci->out_color_space = JCS_GRAYSCALE;
	else if (cmyk)
		ci->out_color_space = JCS_CMYK;
	else
		ci->out_color_space = JCS_RGB;
	/* libjpeg's defaults, which ImageMagick 6.9 keeps: the accurate
	 * integer IDCT (JDCT_FLOAT changes 1-11 bits of some reference
	 * hashes) and fancy upsampling */
	ci->dct_method = JDCT_ISLOW;
	ci->do_fancy_upsampling = TRUE;
	if (opt && opt->jpeg_reduce_to > 0) {
		unsigned small =
		    ci->image_width < ci->image_height ? ci->image_width : ci->image_height;
		unsigned denom = 1;
		while (denom < 8 && small / (denom * 2) >= (unsigned)opt->jpeg_reduce_to)
			denom *= 2;
		ci->scale_num = 1;
		ci->scale_denom = denom;
	}
	jpeg_start_decompress(ci);
	info->width = (int)ci->output_width;
	info->height = (int)ci->output_height;
	if ((rc = sink_start(sink, info)) != 0)
		goto out;

	int nc = ci->output_components;
	JDIMENSION stride = ci->output_width * (JDIMENSION)nc;
	int batch = ci->rec_outbuf_height > 0 ? ci->rec_outbuf_height : 1;
	JSAMPARRAY rows =
	    (*ci->mem->alloc_sarray)((j_common_ptr)ci, JPOOL_IMAGE, stride, (JDIMENSION)batch);
	uint8_t *rgb = NULL, *table = NULL;
	if (cmyk) {
		rgb = (*ci->mem->alloc_large)((j_common_ptr)ci, JPOOL_IMAGE,
		                              (size_t)ci->output_width * 3);
		table = (*ci->mem->alloc_large)((j_common_ptr)ci, JPOOL_IMAGE, 65536);
		jpeg_cmyk_table(table);
	}
	while (ci->output_scanline < ci->output_height) {
		int y0 = (int)ci->output_scanline;
		int n = (int)jpeg_read_scanlines(ci, rows, (JDIMENSION)batch);
		for (int i = 0; i < n; i++) {
			const uint8_t *row = rows[i];
			if (cmyk) {
				for (JDIMENSION x = 0; x < ci->output_width; x++) {
					const uint8_t *s = row + 4 * x;
					rgb[3 * x] = table[s[0] * 256 + s[3]];
					rgb[3 * x + 1] = table[s[1] * 256 + s[3]];
					rgb[3 * x + 2] = table[s[2] * 256 + s[3]];
				}
				row = rgb;
			}
			if ((rc = sink_row(sink, info, y0 + i, row)) != 0)
				goto out;
		}
		if (n == 0) { /* cannot happen with a memory source; be safe */
			info->error = "image.truncated";
			rc = HL_EINVAL;
			goto out;
		}
	}
	jpeg_finish_decompress(ci);
out:
	jpeg_destroy_decompress(ci);
	free(job);
	return rc;
}

/* ---- PNG --------------------------------------------------------------- */

struct png_job {
	const uint8_t *data;
	size_t len, pos;
	const char *error;
	uint8_t *raster;    /* interlaced images: the whole image */
	uint8_t **rowptr;   /* its row pointers */
	uint8_t *row, *out; /* one decoded row, and it without alpha */
};

static void png_on_error(png_structp png, png_const_charp msg)
{
	(void)msg;
	struct png_job *job = png_get_error_ptr(png);
	if (!job->error)
		job->error = "image.corrupt";
	png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void png_read_mem(png_structp png, png_bytep out, size_t n)
{
	struct png_job *job = png_get_io_ptr(png);
	if (n > job->len - job->pos) {
		job->error = "image.truncated";
		png_error(png, "truncated");
	}
	memcpy(out, job->data + job->pos, n);
	job->pos += n;
}

/* Drops the alpha channel of one row of n pixels of nc channels. */
static const uint8_t *drop_alpha(const uint8_t *in, uint8_t *out, int n, int nc)
{
	if (nc == 1 || nc == 3)
		return in;
	int keep = nc - 1;
	for (int x = 0; x < n; x++)
		for (int c = 0; c < keep; c++)
			out[x * keep + c] = in[x * nc + c];
	return out;
}

static int decode_png(const uint8_t *data, size_t len, const struct image_options *opt,
                      const struct image_sink *sink, struct image_info *info, int probe)
{
	/* the size, from IHDR, before libpng reads on (it goes as far as the
	 * first IDAT before it reports anything) */
	if (len >= 33 && memcmp(data + 12, "IHDR", 4) == 0) {
		uint32_t w = (uint32_t)data[16] << 24 | (uint32_t)data[17] << 16 |
		             (uint32_t)data[18] << 8 | data[19];
		uint32_t h = (uint32_t)data[20] << 24 | (uint32_t)data[21] << 16 |
		             (uint32_t)data[22] << 8 | data[23];
		info->channels = (data[25] & PNG_COLOR_MASK_COLOR) ? 3 : 1;
		info->progressive = data[28] != 0;
		int rc = check_size(info, w, h, opt);
		if (rc == HL_ETOOBIG || (rc == 0 && probe))
			return rc;
	}
	struct png_job *job = calloc(1, sizeof *job);
	if (!job) {
		info->error = "image.no_memory";
		return HL_ENOMEM;
	}
	job->data = data;
	job->len = len;
	png_structp png =
	    png_create_read_struct(PNG_LIBPNG_VER_STRING, job, png_on_error, png_on_warning);
	png_infop pi = png ? png_create_info_struct(png) : NULL;
	if (!pi) {
		png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
		free(job);
		info->error = "image.no_memory";
		return HL_ENOMEM;
	}
	int rc = 0;
	if (setjmp(png_jmpbuf(png))) {
		info->error = job->error ? job->error : "image.corrupt";
		rc = HL_EINVAL;
		goto out;
	}
	png_set_read_fn(png, job, png_read_mem);
	png_set_user_limits(png, INT_MAX / 4, INT_MAX / 4);
	png_set_chunk_malloc_max(png, PNG_CHUNK_MAX);
	png_read_info(png, pi);
	png_uint_32 w = png_get_image_width(png, pi), h = png_get_image_height(png, pi);
	int depth = png_get_bit_depth(png, pi), ctype = png_get_color_type(png, pi);
	info->progressive = png_get_interlace_type(png, pi) != PNG_INTERLACE_NONE;
	info->channels = (ctype & PNG_COLOR_MASK_COLOR) ? 3 : 1;
	if ((rc = check_size(info, w, h, opt)) != 0 || probe)
		goto out;

	if (ctype == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(png);
	if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
		png_set_expand_gray_1_2_4_to_8(png);
	if (depth == 16)
		png_set_scale_16(png);
	int passes = png_set_interlace_handling(png);
	png_read_update_info(png, pi);
	int nc = png_get_channels(png, pi);
	size_t rowbytes = png_get_rowbytes(png, pi);
	if (png_get_bit_depth(png, pi) != 8 || nc < 1 || nc > 4 || rowbytes != (size_t)w * nc) {
		info->error = "image.unsupported";
		rc = HL_EINVAL;
		goto out;
	}
	info->channels = nc >= 3 ? 3 : 1;
	job->out = malloc((size_t)w * 3);
	if (!job->out) {
		info->error = "image.no_memory";
		rc = HL_ENOMEM;
		goto out;
	}
	if ((rc = sink_start(sink, info)) != 0)
		goto out;
	if (passes > 1) {
		job->raster = malloc(rowbytes * h);
		job->rowptr = malloc(sizeof *job->rowptr * h);
		if (!job->raster || !job->rowptr) {
			info->error = "image.no_memory";
			rc = HL_ENOMEM;
			goto out;
		}
		for (png_uint_32 y = 0; y < h; y++)
			job->rowptr[y] = job->raster + rowbytes * y;
		png_read_image(png, job->rowptr);
		for (png_uint_32 y = 0; y < h; y++) {
			const uint8_t *r = drop_alpha(job->rowptr[y], job->out, (int)w, nc);
			if ((rc = sink_row(sink, info, (int)y, r)) != 0)
				goto out;
		}
	} else {
		job->row = malloc(rowbytes);
		if (!job->row) {
			info->error = "image.no_memory";
			rc = HL_ENOMEM;
			goto out;
		}
		for (png_uint_32 y = 0; y < h; y++) {
			png_read_row(png, job->row, NULL);
			const uint8_t *r = drop_alpha(job->row, job->out, (int)w, nc);
			if ((rc = sink_row(sink, info, (int)y, r)) != 0)
				goto out;
		}
	}
	/* the IEND chunk too: a file cut short after the last row is still
	 * a truncated file */
	png_read_end(png, NULL);
out:
	png_destroy_read_struct(&png, &pi, NULL);
	free(job->raster);
	free(job->rowptr);
	free(job->row);
	free(job->out);
	free(job);
	return rc;
}

/* ---- WebP -------------------------------------------------------------- */

static int decode_webp(const uint8_t *data, size_t len, const struct image_options *opt,
                       const struct image_sink *sink, struct image_info *info, int probe)
{
	WebPDecoderConfig cfg;
	if (!WebPInitDecoderConfig(&cfg)) {
		info->error = "image.unsupported";
		return HL_EINVAL;
	}
	VP8StatusCode st = WebPGetFeatures(data, len, &cfg.input);
	if (st != VP8_STATUS_OK) {
		info->error =
		    st == VP8_STATUS_NOT_ENOUGH_DATA ? "image.truncated" : "image.corrupt";
		return HL_EINVAL;
	}
	info->channels = 3;
	int rc = check_size(info, (uint64_t)cfg.input.width, (uint64_t)cfg.input.height, opt);
	if (rc || probe)
		return rc;
	if (cfg.input.has_animation) {
		info->error = "image.unsupported";
		return HL_EINVAL;
	}
	size_t stride = (size_t)info->width * 3, size = stride * (size_t)info->height;
	uint8_t *buf = malloc(size);
	if (!buf) {
		info->error = "image.no_memory";
		return HL_ENOMEM;
	}
	cfg.output.colorspace = MODE_RGB;
	cfg.output.is_external_memory = 1;
	cfg.output.u.RGBA.rgba = buf;
	cfg.output.u.RGBA.stride = (int)stride;
	cfg.output.u.RGBA.size = size;
	st = WebPDecode(data, len, &cfg);
	WebPFreeDecBuffer(&cfg.output);
	if (st != VP8_STATUS_OK) {
		free(buf);
		info->error = st == VP8_STATUS_NOT_ENOUGH_DATA ? "image.truncated"
		              : st == VP8_STATUS_OUT_OF_MEMORY ? "image.no_memory"
		                                               : "image.corrupt";
		return st == VP8_STATUS_OUT_OF_MEMORY ? HL_ENOMEM : HL_EINVAL;
	}
	rc = sink_start(sink, info);
	for (int y = 0; !rc && y < info->height; y++)
		rc = sink_row(sink, info, y, buf + stride * (size_t)y);
	free(buf);
	return rc;
}

/* ---- GIF --------------------------------------------------------------- */

struct mem_reader {
	const uint8_t *data;
	size_t len, pos;
};

static int gif_read_mem(GifFileType *gif, GifByteType *out, int n)
{
	struct mem_reader *r = gif->UserData;
	size_t avail = r->len - r->pos;
	if (n < 0)
		return 0;
	if ((size_t)n > avail)
		n = (int)avail;
	memcpy(out, r->data + r->pos, (size_t)n);
	r->pos += (size_t)n;
	return n;
}

static int gif_fail(struct image_info *info, int code)
{
	info->error = code == D_GIF_ERR_READ_FAILED || code == D_GIF_ERR_EOF_TOO_SOON
	                  ? "image.truncated"
	              : code == D_GIF_ERR_NOT_ENOUGH_MEM ? "image.no_memory"
	                                                 : "image.corrupt";
	return code == D_GIF_ERR_NOT_ENOUGH_MEM ? HL_ENOMEM : HL_EINVAL;
}

/* One row of palette indexes to RGB; indexes past the map are black. */
static void gif_row_rgb(const GifByteType *idx, int w, const ColorMapObject *cm, uint8_t *out)
{
	for (int x = 0; x < w; x++) {
		int i = idx[x];
		if (cm && i < cm->ColorCount) {
			out[3 * x] = cm->Colors[i].Red;
			out[3 * x + 1] = cm->Colors[i].Green;
			out[3 * x + 2] = cm->Colors[i].Blue;
		} else if (!cm) { /* no colour table at all: a grey ramp */
			out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = (uint8_t)i;
		} else {
			out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = 0;
		}
	}
}

static int decode_gif(const uint8_t *data, size_t len, const struct image_options *opt,
                      const struct image_sink *sink, struct image_info *info, int probe)
{
	struct mem_reader rd = {data, len, 0};
	int err = 0, rc = 0;
	GifFileType *gif = DGifOpen(&rd, gif_read_mem, &err);
	if (!gif)
		return gif_fail(info, err);
	GifByteType *idx = NULL, *raster = NULL;
	uint8_t *rgb = NULL;
	info->channels = 3;
	for (;;) {
		GifRecordType type;
		if (DGifGetRecordType(gif, &type) == GIF_ERROR) {
			rc = gif_fail(info, gif->Error);
			goto out;
		}
		if (type == EXTENSION_RECORD_TYPE) {
			int code;
			GifByteType *ext;
			if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR) {
				rc = gif_fail(info, gif->Error);
				goto out;
			}
			while (ext) {
				if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR) {
					rc = gif_fail(info, gif->Error);
					goto out;
				}
			}
			continue;
		}
		if (type == IMAGE_DESC_RECORD_TYPE)
			break;
		/* the trailer before any image, or an unknown record */
		info->error = type == TERMINATE_RECORD_TYPE ? "image.truncated" : "image.corrupt";
		rc = HL_EINVAL;
		goto out;
	}
	if (DGifGetImageDesc(gif) == GIF_ERROR) {
		rc = gif_fail(info, gif->Error);
		goto out;
	}
	int w = gif->Image.Width, h = gif->Image.Height;
	if (w <= 0 || h <= 0) {
		info->error = "image.corrupt";
		rc = HL_EINVAL;
		goto out;
	}
	info->progressive = gif->Image.Interlace ? 1 : 0;
	if ((rc = check_size(info, (uint64_t)w, (uint64_t)h, opt)) != 0 || probe)
		goto out;
	const ColorMapObject *cm = gif->Image.ColorMap ? gif->Image.ColorMap : gif->SColorMap;
	idx = malloc((size_t)w);
	rgb = malloc((size_t)w * 3);
	if (!idx || !rgb) {
		info->error = "image.no_memory";
		rc = HL_ENOMEM;
		goto out;
	}
	if ((rc = sink_start(sink, info)) != 0)
		goto out;
	if (gif->Image.Interlace) {
		static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};
		raster = malloc((size_t)w * (size_t)h);
		if (!raster) {
			info->error = "image.no_memory";
			rc = HL_ENOMEM;
			goto out;
		}
		for (int pass = 0; pass < 4; pass++) {
			for (int y = start[pass]; y < h; y += step[pass]) {
				if (DGifGetLine(gif, raster + (size_t)y * w, w) == GIF_ERROR) {
					rc = gif_fail(info, gif->Error);
					goto out;
				}
			}
		}
		for (int y = 0; y < h; y++) {
			gif_row_rgb(raster + (size_t)y * w, w, cm, rgb);
			if ((rc = sink_row(sink, info, y, rgb)) != 0)
				goto out;
		}
	} else {
		for (int y = 0; y < h; y++) {
			if (DGifGetLine(gif, idx, w) == GIF_ERROR) {
				rc = gif_fail(info, gif->Error);
				goto out;
			}
			gif_row_rgb(idx, w, cm, rgb);
			if ((rc = sink_row(sink, info, y, rgb)) != 0)
				goto out;
		}
	}
out:
	DGifCloseFile(gif, &err);
	free(idx);
	free(raster);
	free(rgb);
	return rc;
}

/* ---- BMP --------------------------------------------------------------- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

struct bmp_field {
	uint32_t mask;
	int shift, bits;
};

/* A channel mask: contiguous bits, at most 32. 0 or -1 (not contiguous). */
static int bmp_field_init(struct bmp_field *f, uint32_t mask)
{
	f->mask = mask;
	f->shift = f->bits = 0;
	if (!mask)
		return 0;
	while (!(mask & 1)) {
		mask >>= 1;
		f->shift++;
	}
	while (mask & 1) {
		mask >>= 1;
		f->bits++;
	}
	return mask ? -1 : 0;
}

/* The channel's value scaled to 8 bits (bit replication, as decoders do). */
static uint8_t bmp_field_get(const struct bmp_field *f, uint32_t px)
{
	if (!f->bits)
		return 0;
	uint32_t v = (px & f->mask) >> f->shift;
	if (f->bits >= 8)
		return (uint8_t)(v >> (f->bits - 8));
	uint32_t out = 0;
	int have = 0;
	while (have < 8) {
		out = (out << f->bits) | v;
		have += f->bits;
	}
	return (uint8_t)(out >> (have - 8));
}

struct bmp {
	const uint8_t *data;
	size_t len;
	int w, h, top_down, bpp;
	uint32_t compression;
	size_t off, stride;
	uint8_t pal[256][3];
	int npal;
	struct bmp_field rf, gf, bf;
};

enum { BI_RGB = 0, BI_RLE8 = 1, BI_RLE4 = 2, BI_BITFIELDS = 3, BI_ALPHABITFIELDS = 6 };

static int bmp_header(struct bmp *b, const struct image_options *opt, struct image_info *info,
                      int probe)
{
	const uint8_t *p = b->data;
	if (b->len < 14 + 12) {
		info->error = "image.truncated";
		return HL_EINVAL;
	}
	uint32_t off = le32(p + 10), hsize = le32(p + 14);
	int64_t w, h;
	int planes;
	b->compression = BI_RGB;
	uint32_t colors = 0;
	int core = hsize == 12;
	if (core) {
		w = le16(p + 18);
		h = le16(p + 20);
		planes = le16(p + 22);
		b->bpp = le16(p + 24);
	} else if (hsize >= 40 && hsize <= 1024) {
		if (b->len < 14 + (size_t)hsize) {
			info->error = "image.truncated";
			return HL_EINVAL;
		}
		w = (int32_t)le32(p + 18);
		h = (int32_t)le32(p + 22);
		planes = le16(p + 26);
		b->bpp = le16(p + 28);
		b->compression = le32(p + 30);
		colors = le32(p + 46);
	} else {
		info->error = "image.unsupported";
		return HL_EINVAL;
	}
	b->top_down = h < 0;
	if (h < 0)
		h = -h;
	info->channels = 3;
	int rc = check_size(info, w > 0 ? (uint64_t)w : 0, (uint64_t)h, opt);
	if (rc)
		return rc;
	b->w = (int)w;
	b->h = (int)h;
	if (planes != 1) {
		info->error = "image.corrupt";
		return HL_EINVAL;
	}
	int bpp = b->bpp;
	uint32_t c = b->compression;
	int ok = (c == BI_RGB &&
	          (bpp == 1 || bpp == 4 || bpp == 8 || bpp == 16 || bpp == 24 || bpp == 32)) ||
	         (c == BI_RLE8 && bpp == 8) || (c == BI_RLE4 && bpp == 4) ||
	         ((c == BI_BITFIELDS || c == BI_ALPHABITFIELDS) && (bpp == 16 || bpp == 32));
	if (!ok || ((c == BI_RLE8 || c == BI_RLE4) && b->top_down)) {
		info->error = "image.unsupported";
		return HL_EINVAL;
	}
	/* channel masks */
	uint32_t rm, gm, bm;
	if (c == BI_BITFIELDS || c == BI_ALPHABITFIELDS) {
		size_t mo = 14 + 40; /* after a 40-byte header, or inside a longer one */
		if (b->len < mo + 12) {
			info->error = "image.truncated";
			return HL_EINVAL;
		}
		rm = le32(p + mo);
		gm = le32(p + mo + 4);
		bm = le32(p + mo + 8);
	} else if (bpp == 16) {
		rm = 0x7c00;
		gm = 0x03e0;
		bm = 0x001f;
	} else {
		rm = 0xff0000;
		gm = 0x00ff00;
		bm = 0x0000ff;
	}
	if (bpp == 16 && ((rm | gm | bm) >> 16)) {
		info->error = "image.corrupt";
		return HL_EINVAL;
	}
	if (bmp_field_init(&b->rf, rm) || bmp_field_init(&b->gf, gm) ||
	    bmp_field_init(&b->bf, bm)) {
		info->error = "image.unsupported";
		return HL_EINVAL;
	}
	/* palette */
	b->npal = 0;
	if (bpp <= 8) {
		size_t entry = core ? 3 : 4;
		size_t po = 14 + (size_t)hsize;
		if (c == BI_BITFIELDS && hsize == 40)
			po += 12;
		uint32_t n = colors ? colors : 1u << bpp;
		if (n > 256)
			n = 256;
		if (po + n * entry > b->len || po + n * entry > off) {
			/* a palette cut short: use what is there */
			size_t end = off < b->len ? off : b->len;
			n = end > po ? (uint32_t)((end - po) / entry) : 0;
			if (n > 256)
				n = 256;
		}
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *e = p + po + i * entry;
			b->pal[i][0] = e[2];
			b->pal[i][1] = e[1];
			b->pal[i][2] = e[0];
		}
		b->npal = (int)n;
	}
	b->off = off;
	b->stride = (((size_t)b->w * (size_t)bpp + 31) / 32) * 4;
	if (probe)
		return 0;
	if (off >= b->len) {
		info->error = "image.truncated";
		return HL_EINVAL;
	}
	if (c != BI_RLE8 && c != BI_RLE4 && (b->len - off) / b->stride < (size_t)b->h) {
		info->error = "image.truncated";
		return HL_EINVAL;
	}
	return 0;
}

static void bmp_pal(const struct bmp *b, int i, uint8_t *out)
{
	if (i < b->npal) {
		memcpy(out, b->pal[i], 3);
	} else {
		out[0] = out[1] = out[2] = 0;
	}
}

/* Row y (top to bottom) of an uncompressed BMP into RGB. */
static void bmp_row(const struct bmp *b, int y, uint8_t *out)
{
	int sy = b->top_down ? y : b->h - 1 - y;
	const uint8_t *s = b->data + b->off + (size_t)sy * b->stride;
	for (int x = 0; x < b->w; x++) {
		uint8_t *o = out + 3 * x;
		switch (b->bpp) {
		case 1: bmp_pal(b, (s[x >> 3] >> (7 - (x & 7))) & 1, o); break;
		case 4: bmp_pal(b, (s[x >> 1] >> ((x & 1) ? 0 : 4)) & 15, o); break;
		case 8: bmp_pal(b, s[x], o); break;
		case 24:
			o[0] = s[3 * x + 2];
			o[1] = s[3 * x + 1];
			o[2] = s[3 * x];
			break;
		case 16:
		case 32: {
			uint32_t px = b->bpp == 16 ? le16(s + 2 * x) : le32(s + 4 * x);
			o[0] = bmp_field_get(&b->rf, px);
			o[1] = bmp_field_get(&b->gf, px);
			o[2] = bmp_field_get(&b->bf, px);
			break;
		}
		}
	}
}

/* RLE8/RLE4 into an index raster (bottom-up rows as stored, w*h bytes,
 * zero where the stream skips). 0 or HL_EINVAL with info->error. */
static int bmp_rle(const struct bmp *b, uint8_t *idx, struct image_info *info)
{
	const uint8_t *p = b->data + b->off, *end = b->data + b->len;
	int x = 0, y = 0, rle4 = b->compression == BI_RLE4;
	while (y < b->h) {
		if (end - p < 2) {
			info->error = "image.truncated";
			return HL_EINVAL;
		}
		int n = p[0], v = p[1];
		p += 2;
		if (n > 0) { /* a run */
			for (int i = 0; i < n && x < b->w; i++, x++)
				idx[(size_t)y * b->w + x] =
				    (uint8_t)(rle4 ? ((i & 1) ? v & 15 : v >> 4) : v);
			continue;
		}
		if (v == 0) { /* end of line */
			x = 0;
			y++;
		} else if (v == 1) { /* end of bitmap */
			return 0;
		} else if (v == 2) { /* delta */
			if (end - p < 2) {
				info->error = "image.truncated";
				return HL_EINVAL;
			}
			x += p[0];
			y += p[1];
			p += 2;
		} else { /* v literal pixels, padded to 16 bits */
			size_t bytes = rle4 ? ((size_t)v + 1) / 2 : (size_t)v;
			size_t padded = (bytes + 1) & ~(size_t)1;
			if ((size_t)(end - p) < padded) {
				info->error = "image.truncated";
				return HL_EINVAL;
			}
			for (int i = 0; i < v; i++, x++) {
				int pix = rle4 ? ((i & 1) ? p[i / 2] & 15 : p[i / 2] >> 4) : p[i];
				if (x < b->w && y < b->h)
					idx[(size_t)y * b->w + x] = (uint8_t)pix;
			}
			p += padded;
		}
		if (x > b->w)
			x = b->w;
	}
	return 0;
}

static int decode_bmp(const uint8_t *data, size_t len, const struct image_options *opt,
                      const struct image_sink *sink, struct image_info *info, int probe)
{
	struct bmp *b = calloc(1, sizeof *b);
	if (!b) {
		info->error = "image.no_memory";
		return HL_ENOMEM;
	}
	b->data = data;
	b->len = len;
	int rc = bmp_header(b, opt, info, probe);
	if (rc || probe) {
		free(b);
		return rc;
	}
	uint8_t *rgb = malloc((size_t)b->w * 3), *idx = NULL;
	if (!rgb) {
		info->error = "image.no_memory";
		rc = HL_ENOMEM;
		goto out;
	}
	if (b->compression == BI_RLE8 || b->compression == BI_RLE4) {
		idx = calloc((size_t)b->w, (size_t)b->h);
		if (!idx) {
			info->error = "image.no_memory";
			rc = HL_ENOMEM;
			goto out;
		}
		if ((rc = bmp_rle(b, idx, info)) != 0)
			goto out;
	}
	if ((rc = sink_start(sink, info)) != 0)
		goto out;
	for (int y = 0; y < b->h; y++) {
		if (idx) {
			const uint8_t *s = idx + (size_t)(b->h - 1 - y) * b->w;
			for (int x = 0; x < b->w; x++)
				bmp_pal(b, s[x], rgb + 3 * x);
		} else {
			bmp_row(b, y, rgb);
		}
		if ((rc = sink_row(sink, info, y, rgb)) != 0)
			goto out;
	}
out:
	free(rgb);
	free(idx);
	free(b);
	return rc;
}

/* ---- entry points ------------------------------------------------------ */

static int decode_any(const void *data, size_t len, const struct image_options *opt,
                      const struct image_sink *sink, struct image_info *info, int probe)
{
	memset(info, 0, sizeof *info);
	if (!data || len == 0) {
		info->error = "image.empty";
		return HL_EINVAL;
	}
	info->type = image_sniff(data, len);
	switch (info->type) {
	case IMAGE_JPEG: return decode_jpeg(data, len, opt, sink, info, probe);
	case IMAGE_PNG: return decode_png(data, len, opt, sink, info, probe);
	case IMAGE_WEBP: return decode_webp(data, len, opt, sink, info, probe);
	case IMAGE_GIF: return decode_gif(data, len, opt, sink, info, probe);
	case IMAGE_BMP: return decode_bmp(data, len, opt, sink, info, probe);
	default: info->error = "image.unknown_format"; return HL_EINVAL;
	}
}

int image_probe(const void *data, size_t len, const struct image_options *opt,
                struct image_info *info)
{
	return decode_any(data, len, opt, NULL, info, 1);
}

int image_decode(const void *data, size_t len, const struct image_options *opt,
                 const struct image_sink *sink, struct image_info *info)
{
	return decode_any(data, len, opt, sink, info, 0);
}

static int load_start(void *ctx, const struct image_info *info)
{
	struct image *img = ctx;
	size_t n = (size_t)info->width * (size_t)info->height * (size_t)info->channels;
	img->pixels = malloc(n);
	if (!img->pixels)
		return HL_ENOMEM;
	img->width = info->width;
	img->height = info->height;
	img->channels = info->channels;
	return 0;
}

static int load_row(void *ctx, int y, const uint8_t *px)
{
	struct image *img = ctx;
	size_t stride = (size_t)img->width * (size_t)img->channels;
	memcpy(img->pixels + stride * (size_t)y, px, stride);
	return 0;
}

int image_load(const void *data, size_t len, const struct image_options *opt, struct image *out,
               struct image_info *info)
{
	memset(out, 0, sizeof *out);
	struct image_sink sink = {load_start, load_row, out};
	int rc = image_decode(data, len, opt, &sink, info);
	if (rc) {
		if (rc == HL_ENOMEM)
			info->error = "image.no_memory";
		image_free(out);
	}
	return rc;
}

void image_free(struct image *img)
{
	if (!img)
		return;
	free(img->pixels);
	memset(img, 0, sizeof *img);
}
