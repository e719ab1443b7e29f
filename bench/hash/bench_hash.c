/* bench_hash.c — how long hashing an image takes: decoding plus PDQ, in
 * milliseconds per image, for synthetic JPEGs (smooth gradients, waves and
 * a little noise; nothing else) of 1024x768, 1411x1411, 3000x2000,
 * 3000x3000 and 6000x4000, baseline and progressive, made here with
 * libjpeg. For each it prints:
 *   decode   libjpeg-turbo alone, rows thrown away (the floor)
 *   exact    pdq_hash_image(): the bit-exact hash
 *   fast     pdq_hash_image() in fast mode (reduced-scale JPEG decoding),
 *            and its distance from the exact hash
 *   ref      the reference pipeline transcribed literally: decode to an RGB
 *            raster, a full float luma buffer, pdq_reference_hash_luma()
 *            (two full-size buffers, strided column passes)
 * and checks that exact and ref agree bit for bit. Then, given the PDQ
 * vectors folder, fast mode's worst distance over every reference image.
 *
 *   bench_hash [--vectors DIR] [--reps N] [--quick] [--write DIR]
 *
 * --vectors: ../shared/pdq-vectors (the folder holding expected/ and
 * data/); --quick: only the images up to 1411x1411; --write: also save the
 * generated JPEGs there (bench-WxH-baseline.jpg ...), e.g. to time
 * `hotline hash` on them or measure its memory.
 * Exit status 0, or 1 when exact and ref disagree or a file fails. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>

#include "image.h"
#include "pdq.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint32_t rng_state = 0x9e3779b9u;

static uint32_t rng(void)
{
	uint32_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

/* A benign synthetic picture: crossing colour gradients, broad waves, a
 * scatter of flat discs (edges, so that the hash has something to hold
 * on to: PDQ quality 100) and a little noise. The noise amplitude sets
 * how hard the JPEG is to decode; NOISE is chosen so that libjpeg-turbo
 * decodes these files about as fast as the issue's own benchmark files
 * (3000x3000 baseline in about 20 ms, 6000x4000 progressive in about
 * 340 ms on this machine). */
#define NOISE 3
static uint8_t *synth_rgb(int w, int h)
{
	uint8_t *px = malloc((size_t)w * h * 3);
	if (!px)
		return NULL;
	enum { DISCS = 24 };
	int cx[DISCS], cy[DISCS], rr[DISCS], col[DISCS][3];
	for (int i = 0; i < DISCS; i++) {
		cx[i] = (int)(rng() % (uint32_t)w);
		cy[i] = (int)(rng() % (uint32_t)h);
		rr[i] = (int)(rng() % (uint32_t)(w / 8)) + w / 40;
		for (int c = 0; c < 3; c++)
			col[i][c] = (int)(rng() % 200) + 30;
	}
	for (int y = 0; y < h; y++) {
		double fy = (double)y / h;
		for (int x = 0; x < w; x++) {
			double fx = (double)x / w;
			int wave = (int)(40.0 * __builtin_sin(fx * 13.0 + fy * 5.0) +
			                 25.0 * __builtin_cos(fy * 11.0 - fx * 3.0));
			int v[3] = {(int)(200 * fx) + 30 + wave, (int)(180 * fy) + 40 - wave / 2,
			            (int)(120 * (1 - fx) + 80 * fy) + wave / 3};
			for (int i = 0; i < DISCS; i++) {
				int dx = x - cx[i], dy = y - cy[i];
				if (dx * dx + dy * dy < rr[i] * rr[i])
					for (int c = 0; c < 3; c++)
						v[c] = (v[c] + 3 * col[i][c]) / 4;
			}
			uint8_t *p = px + ((size_t)y * w + x) * 3;
			for (int c = 0; c < 3; c++) {
				int t = v[c] + (int)(rng() % (2 * NOISE + 1)) - NOISE;
				p[c] = (uint8_t)(t < 0 ? 0 : t > 255 ? 255 : t);
			}
		}
	}
	return px;
}

static int encode_jpeg(const uint8_t *rgb, int w, int h, int progressive, uint8_t **out,
                       size_t *len)
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
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 90, TRUE);
	if (progressive)
		jpeg_simple_progression(&c);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = (JSAMPROW)(rgb + (size_t)c.next_scanline * w * 3);
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	*out = buf;
	*len = size;
	return 0;
}

static int null_row(void *ctx, int y, const uint8_t *px)
{
	(void)ctx;
	(void)y;
	(void)px;
	return 0;
}

/* The reference pipeline, literally: whole RGB raster, whole float luma,
 * the library function on full-size buffers. */
static int ref_pipeline(const uint8_t *data, size_t len, struct pdq_hash *hash, int *quality)
{
	struct image img;
	struct image_info info;
	int rc = image_load(data, len, NULL, &img, &info);
	if (rc)
		return rc;
	size_t n = (size_t)img.width * img.height;
	float *luma = malloc(n * sizeof(float));
	if (!luma) {
		image_free(&img);
		return -1;
	}
	const float kr = 0.299, kg = 0.587, kb = 0.114;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = img.pixels + i * img.channels;
		luma[i] = img.channels == 1 ? (float)p[0] : kr * p[0] + kg * p[1] + kb * p[2];
	}
	rc = pdq_reference_hash_luma(luma, img.height, img.width, hash, quality, NULL);
	free(luma);
	image_free(&img);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

enum { T_DECODE, T_EXACT, T_FAST, T_REF, T_N };

static const char *write_dir;

static int bench_one(int w, int h, int progressive, int reps)
{
	uint8_t *rgb = synth_rgb(w, h), *jpg = NULL;
	size_t len = 0;
	if (!rgb || encode_jpeg(rgb, w, h, progressive, &jpg, &len)) {
		fprintf(stderr, "bench_hash: cannot make the %dx%d image\n", w, h);
		return 1;
	}
	free(rgb);
	if (write_dir) {
		char path[4096];
		int n = snprintf(path, sizeof path, "%s/bench-%dx%d-%s.jpg", write_dir, w, h,
		                 progressive ? "progressive" : "baseline");
		FILE *f = n > 0 && (size_t)n < sizeof path ? fopen(path, "wb") : NULL;
		if (!f || fwrite(jpg, 1, len, f) != len) {
			fprintf(stderr, "bench_hash: cannot write %s\n", path);
			if (f)
				fclose(f);
			free(jpg);
			return 1;
		}
		fclose(f);
	}
	double t[T_N][16];
	struct pdq_result exact, fast;
	struct pdq_hash ref;
	int ref_q = 0, bad = 0;
	struct pdq_options fo = {.fast = 1};
	struct image_sink null_sink = {NULL, null_row, NULL};
	for (int r = 0; r < reps; r++) {
		struct image_info info;
		double t0 = now_ms();
		bad |= image_decode(jpg, len, NULL, &null_sink, &info) != 0;
		double t1 = now_ms();
		bad |= pdq_hash_image(jpg, len, NULL, &exact) != 0;
		double t2 = now_ms();
		bad |= pdq_hash_image(jpg, len, &fo, &fast) != 0;
		double t3 = now_ms();
		bad |= ref_pipeline(jpg, len, &ref, &ref_q) != 0;
		double t4 = now_ms();
		t[T_DECODE][r] = t1 - t0;
		t[T_EXACT][r] = t2 - t1;
		t[T_FAST][r] = t3 - t2;
		t[T_REF][r] = t4 - t3;
	}
	double m[T_N];
	for (int k = 0; k < T_N; k++)
		m[k] = median(t[k], reps);
	int same = !bad && pdq_distance(&exact.hash, &ref) == 0 && exact.quality == ref_q;
	printf("%5dx%-5d %-11s %8.1f %8.1f %8.1f %8.1f %8.1fx %7.1fx %5d %4d  %s\n", w, h,
	       progressive ? "progressive" : "baseline", m[T_DECODE], m[T_EXACT], m[T_FAST],
	       m[T_REF], m[T_REF] / m[T_EXACT], m[T_REF] / m[T_FAST],
	       pdq_distance(&exact.hash, &fast.hash), exact.quality, same ? "yes" : "NO");
	fflush(stdout);
	free(jpg);
	return same ? 0 : 1;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		if (n > 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) != NULL &&
		    fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = n > 0 ? (size_t)n : 0;
	}
	fclose(f);
	return buf;
}

/* Fast mode against expected/fullres-noresize.csv: worst and mean distance. */
static int vectors_distance(const char *dir)
{
	char path[4096];
	int w = snprintf(path, sizeof path, "%s/expected/fullres-noresize.csv", dir);
	FILE *f = (w > 0 && (size_t)w < sizeof path) ? fopen(path, "r") : NULL;
	if (!f) {
		printf("\nfast mode on the reference vectors: %s not found (give --vectors)\n",
		       path);
		return 0;
	}
	char line[4096];
	int n = 0, worst = 0, total = 0, failed = 0, reduced = 0;
	char worst_file[1024] = "";
	struct pdq_options fo = {.fast = 1};
	while (fgets(line, sizeof line, f)) {
		char hex[65], file[1024];
		int q;
		if (sscanf(line, "%64[0-9a-f],%d,%1023[^\n]", hex, &q, file) != 3)
			continue;
		struct pdq_hash want;
		if (pdq_hash_from_hex(hex, &want))
			continue;
		w = snprintf(path, sizeof path, "%s/%s", dir, file);
		size_t len = 0;
		uint8_t *data = (w > 0 && (size_t)w < sizeof path) ? slurp(path, &len) : NULL;
		struct pdq_result r;
		if (!data || pdq_hash_image(data, len, &fo, &r)) {
			printf("  %s: cannot hash\n", file);
			failed++;
			free(data);
			continue;
		}
		free(data);
		int d = pdq_distance(&want, &r.hash);
		if (r.image.width != r.image.stored_width)
			reduced++;
		n++;
		total += d;
		if (d > worst) {
			worst = d;
			snprintf(worst_file, sizeof worst_file, "%s", file);
		}
	}
	fclose(f);
	printf("\nfast mode on the reference vectors: %d images (%d decoded at reduced scale), "
	       "worst distance %d bits%s%s, mean %.2f\n",
	       n, reduced, worst, worst ? " on " : "", worst_file, n ? (double)total / n : 0.0);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *vectors = "../shared/pdq-vectors";
	int reps = 5, quick = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--vectors") == 0 && i + 1 < argc) {
			vectors = argv[++i];
		} else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
			reps = (int)strtol(argv[++i], NULL, 10);
			if (reps < 1 || reps > 16)
				reps = 5;
		} else if (strcmp(argv[i], "--quick") == 0) {
			quick = 1;
		} else if (strcmp(argv[i], "--write") == 0 && i + 1 < argc) {
			write_dir = argv[++i];
		} else {
			fprintf(stderr, "usage: bench_hash [--vectors DIR] [--reps N] [--quick] "
			                "[--write DIR]\n");
			return 2;
		}
	}
	static const int sizes[][2] = {
	    {1024, 768}, {1411, 1411}, {3000, 2000}, {3000, 3000}, {6000, 4000},
	};
	printf("hashing, ms per image (median of %d), decode + PDQ, one thread\n\n", reps);
	printf("%-11s %-11s %8s %8s %8s %8s %9s %8s %5s %4s  %s\n", "size", "jpeg", "decode",
	       "exact", "fast", "ref", "ref/exact", "ref/fast", "dist", "q", "exact==ref");
	int rc = 0;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		if (quick && sizes[i][0] * sizes[i][1] > 4000000)
			continue;
		for (int p = 0; p < 2; p++)
			rc |= bench_one(sizes[i][0], sizes[i][1], p, reps);
	}
	rc |= vectors_distance(vectors);
	return rc;
}
