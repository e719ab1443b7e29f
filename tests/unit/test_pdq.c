/* test_pdq.c — PDQ against Meta's reference, bit for bit:
 *  - every row of ../shared/pdq-vectors/expected/fullres-noresize.csv (the
 *    library pipeline), cli-512nn.csv (the command-line tool's 512x512
 *    pre-resize) and cli-512nn-dihedral.csv (its 8 dihedral hashes);
 *    the test fails, loudly, when the vectors folder is missing;
 *  - the streaming filter against the reference algorithm transcribed
 *    literally (pdq_reference_hash_luma), hash, quality and every DCT
 *    coefficient, over sizes that hit each edge: sides under 5, exactly
 *    64x64, widths that are not multiples of the SIMD chunk, heights whose
 *    filter tail spans several groups;
 *  - a colour file whose pixels are all grey hashes as grey (what the
 *    reference's decoder does);
 *  - the streaming API's misuse, hex and distance helpers. */
/* cmocka needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "pdq.h"
#include "unit_util.h"

#define VECTORS HOTLINE_SHARED_DIR "/pdq-vectors"

static void require_vectors(void)
{
	struct stat st;
	if (stat(VECTORS "/expected/fullres-noresize.csv", &st) != 0)
		fail_msg("the PDQ reference vectors are missing: expected them in %s "
		         "(../shared/pdq-vectors beside the checkout, or configure with "
		         "-DHOTLINE_SHARED_DIR=...)",
		         VECTORS);
}

/* Hashes VECTORS/path; fails the test if the file cannot be read or
 * decoded. */
static void hash_file(const char *path, const struct pdq_options *opt, struct pdq_result *r)
{
	char full[1024];
	int w = snprintf(full, sizeof full, "%s/%s", VECTORS, path);
	assert_true(w > 0 && (size_t)w < sizeof full);
	size_t len = 0;
	char *data = ut_read_file(full, &len);
	if (!data)
		fail_msg("cannot read %s", full);
	int rc = pdq_hash_image(data, len, opt, r);
	free(data);
	if (rc)
		fail_msg("%s: %s (%d)", path, image_error_text(r->image.error), rc);
}

/* Checks every "hash,quality,path" row of an expected CSV; returns the
 * number of rows. */
static int check_csv(const char *csv, const struct pdq_options *opt)
{
	require_vectors();
	char path[1024];
	snprintf(path, sizeof path, "%s/expected/%s", VECTORS, csv);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	char line[4096];
	int rows = 0, bad = 0;
	while (fgets(line, sizeof line, f)) {
		char hex[65], file[1024];
		int quality;
		if (line[0] == '\n' || line[0] == '#')
			continue;
		if (sscanf(line, "%64[0-9a-f],%d,%1023[^\r\n]", hex, &quality, file) != 3)
			fail_msg("%s: bad line: %s", csv, line);
		struct pdq_result r;
		hash_file(file, opt, &r);
		char got[65];
		pdq_hash_to_hex(&r.hash, got);
		if (strcmp(got, hex) != 0 || r.quality != quality) {
			struct pdq_hash want;
			assert_int_equal(pdq_hash_from_hex(hex, &want), 0);
			fprintf(stderr, "MISMATCH %s: want %s q%d, got %s q%d (%d bits)\n", file,
			        hex, quality, got, r.quality, pdq_distance(&r.hash, &want));
			bad++;
		}
		rows++;
	}
	fclose(f);
	fprintf(stderr, "%s: %d rows, %d match bit for bit\n", csv, rows, rows - bad);
	assert_int_equal(bad, 0);
	return rows;
}

static void test_fullres_vectors(void **state)
{
	(void)state;
	int rows = check_csv("fullres-noresize.csv", NULL);
	assert_true(rows >= 49);
}

static void test_cli_512nn_vectors(void **state)
{
	(void)state;
	struct pdq_options opt = {.reference_resize = 1};
	int rows = check_csv("cli-512nn.csv", &opt);
	assert_true(rows >= 49);
}

static void test_cli_dihedral_vectors(void **state)
{
	(void)state;
	require_vectors();
	FILE *f = fopen(VECTORS "/expected/cli-512nn-dihedral.csv", "r");
	if (!f)
		fail_msg("cannot open cli-512nn-dihedral.csv");
	struct pdq_options opt = {.reference_resize = 1, .dihedral = 1};
	char line[4096];
	int rows = 0, bad = 0;
	while (fgets(line, sizeof line, f)) {
		char hex[8][65], file[1024];
		int quality;
		int n = sscanf(line,
		               "%64[0-9a-f],%64[0-9a-f],%64[0-9a-f],%64[0-9a-f],%64[0-9a-f],"
		               "%64[0-9a-f],%64[0-9a-f],%64[0-9a-f],%d,%1023[^\r\n]",
		               hex[0], hex[1], hex[2], hex[3], hex[4], hex[5], hex[6], hex[7],
		               &quality, file);
		if (n != 10)
			fail_msg("cli-512nn-dihedral.csv: bad line: %s", line);
		struct pdq_result r;
		hash_file(file, &opt, &r);
		assert_memory_equal(&r.dihedral[PDQ_ORIGINAL], &r.hash, sizeof r.hash);
		for (int v = 0; v < PDQ_NUM_DIHEDRAL; v++) {
			char got[65];
			pdq_hash_to_hex(&r.dihedral[v], got);
			if (strcmp(got, hex[v]) != 0) {
				fprintf(stderr, "MISMATCH %s variant %d: want %s got %s\n", file, v,
				        hex[v], got);
				bad++;
			}
		}
		if (r.quality != quality)
			bad++;
		rows++;
	}
	fclose(f);
	fprintf(stderr, "cli-512nn-dihedral.csv: %d rows x 8 hashes, %d mismatches\n", rows, bad);
	assert_true(rows >= 49);
	assert_int_equal(bad, 0);
}

/* ---- the streaming filter against the literal reference ---------------- */

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
	uint32_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rng_state = x;
}

/* Luma with structure (so that the hash and the quality mean something)
 * and noise (so that rounding is exercised). */
static float *make_luma(int rows, int cols, int kind)
{
	float *l = malloc((size_t)rows * cols * sizeof(float));
	assert_non_null(l);
	for (int r = 0; r < rows; r++) {
		for (int c = 0; c < cols; c++) {
			float v;
			if (kind == 0) {
				/* what an 8-bit RGB decode gives: sums of float products */
				int R = (r * 7 + c * 3 + (int)(rng() % 40)) & 255;
				int G = (r * 2 + c * 5) & 255, B = (int)(rng() & 255);
				const float kr = 0.299, kg = 0.587, kb = 0.114;
				v = kr * R + kg * G + kb * B;
			} else if (kind == 1) {
				v = (float)(128 + 100 * sin(r * 0.05) * cos(c * 0.031)) +
				    (float)(rng() % 1000) / 997.0f;
			} else {
				/* arbitrary signed floats */
				v = ((float)(rng() % 200001) - 100000.0f) / 37.0f;
			}
			l[(size_t)r * cols + c] = v;
		}
	}
	return l;
}

static void compare_with_reference(int rows, int cols, int kind)
{
	float *l = make_luma(rows, cols, kind);
	float *copy = malloc((size_t)rows * cols * sizeof(float));
	assert_non_null(copy);
	memcpy(copy, l, (size_t)rows * cols * sizeof(float));
	struct pdq_hash a, b;
	int qa = -1, qb = -2;
	float da[256], db[256];
	assert_int_equal(pdq_hash_luma(l, rows, cols, &a, &qa, da), 0);
	/* pdq_hash_luma leaves its input alone */
	assert_memory_equal(l, copy, (size_t)rows * cols * sizeof(float));
	assert_int_equal(pdq_reference_hash_luma(copy, rows, cols, &b, &qb, db), 0);
	if (memcmp(&a, &b, sizeof a) != 0 || qa != qb || memcmp(da, db, sizeof da) != 0) {
		char ha[65], hb[65];
		pdq_hash_to_hex(&a, ha);
		pdq_hash_to_hex(&b, hb);
		fail_msg("%dx%d kind %d: streaming %s q%d, reference %s q%d", cols, rows, kind, ha,
		         qa, hb, qb);
	}
	free(l);
	free(copy);
}

static void test_streaming_equals_reference(void **state)
{
	(void)state;
	static const int sizes[][2] = {
	    /* rows, cols */
	    {5, 5},     {6, 7},       {64, 64},   {63, 65},   {65, 63},   {64, 65},   {7, 300},
	    {300, 7},   {128, 128},   {129, 257}, {17, 1000}, {1000, 17}, {255, 31},  {512, 512},
	    {513, 700}, {1500, 1001}, {2048, 33}, {33, 2048}, {5000, 40}, {40, 5000}, {4100, 70},
	    {16, 16},   {15, 17},     {31, 130},  {5, 20000}, {20000, 5}, {9, 3001},  {3001, 9},
	};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (int kind = 0; kind < 3; kind++)
			compare_with_reference(sizes[i][0], sizes[i][1], kind);
}

static void test_too_small_is_zero(void **state)
{
	(void)state;
	static const int sizes[][2] = {{4, 100}, {100, 4}, {1, 1}, {4, 4}, {2, 3000}};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		int rows = sizes[i][0], cols = sizes[i][1];
		float *l = make_luma(rows, cols, 1);
		struct pdq_hash h, zero = {{0}};
		int q = -1;
		assert_int_equal(pdq_hash_luma(l, rows, cols, &h, &q, NULL), 0);
		assert_memory_equal(&h, &zero, sizeof h);
		assert_int_equal(q, 0);
		assert_int_equal(pdq_reference_hash_luma(l, rows, cols, &h, &q, NULL), 0);
		assert_memory_equal(&h, &zero, sizeof h);
		free(l);
	}
}

static void test_streaming_misuse(void **state)
{
	(void)state;
	struct pdq_hasher *h = (struct pdq_hasher *)1;
	assert_int_equal(pdq_hasher_new(&h, 0, 10), HL_EINVAL);
	assert_null(h);
	assert_int_equal(pdq_hasher_new(&h, 10, -1), HL_EINVAL);
	assert_int_equal(pdq_hasher_new(&h, 100, 100), 0);
	float row[100] = {0};
	for (int i = 0; i < 99; i++)
		pdq_hasher_push(h, row);
	struct pdq_hash hash;
	int q;
	/* one row short */
	assert_int_equal(pdq_hasher_finish(h, &hash, &q, NULL), HL_EINVAL);
	pdq_hasher_push(h, row);
	assert_int_equal(pdq_hasher_finish(h, &hash, &q, NULL), 0);
	pdq_hasher_free(h);
	pdq_hasher_free(NULL);
	assert_int_equal(pdq_hash_luma(row, 0, 0, &hash, &q, NULL), HL_EINVAL);
}

/* ---- a colour file of grey pixels hashes as grey ----------------------- */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A 24-bit bottom-up BMP of rgb (w*h*3, top row first); malloc'd. */
static uint8_t *make_bmp24(const uint8_t *rgb, int w, int h, size_t *len)
{
	size_t stride = ((size_t)w * 3 + 3) & ~(size_t)3, n = 54 + stride * h;
	uint8_t *b = calloc(1, n);
	assert_non_null(b);
	b[0] = 'B';
	b[1] = 'M';
	put32(b + 2, (uint32_t)n);
	put32(b + 10, 54);
	put32(b + 14, 40);
	put32(b + 18, (uint32_t)w);
	put32(b + 22, (uint32_t)h);
	b[26] = 1;
	b[28] = 24;
	for (int y = 0; y < h; y++) {
		uint8_t *row = b + 54 + stride * (size_t)(h - 1 - y);
		for (int x = 0; x < w; x++) {
			const uint8_t *p = rgb + ((size_t)y * w + x) * 3;
			row[3 * x] = p[2];
			row[3 * x + 1] = p[1];
			row[3 * x + 2] = p[0];
		}
	}
	*len = n;
	return b;
}

static void test_grey_pixels_hash_as_grey(void **state)
{
	(void)state;
	int w = 97, h = 83;
	uint8_t *rgb = malloc((size_t)w * h * 3);
	float *grey = malloc((size_t)w * h * sizeof(float));
	float *mixed = malloc((size_t)w * h * sizeof(float));
	assert_true(rgb && grey && mixed);
	const float kr = 0.299, kg = 0.587, kb = 0.114;
	for (int i = 0; i < w * h; i++) {
		/* values whose 0.299v + 0.587v + 0.114v is not v (244, 246,
		 * 249, 253 among them) */
		uint8_t v = (uint8_t)(230 + (i * 7 + i / w * 3) % 26);
		rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = v;
		grey[i] = (float)v;
		mixed[i] = kr * v + kg * v + kb * v;
	}
	size_t len;
	uint8_t *bmp = make_bmp24(rgb, w, h, &len);
	struct pdq_result r;
	struct pdq_hash want;
	int q;
	float dct_grey[256];
	assert_int_equal(pdq_hash_image(bmp, len, NULL, &r), 0);
	assert_int_equal(r.image.channels, 3);
	assert_int_equal(pdq_hash_luma(grey, h, w, &want, &q, dct_grey), 0);
	assert_memory_equal(&r.hash, &want, sizeof want);
	assert_int_equal(r.quality, q);
	free(bmp);

	/* one coloured pixel in the last row: the whole image is colour */
	rgb[((size_t)(h - 1) * w + 5) * 3] ^= 1;
	mixed[(size_t)(h - 1) * w + 5] = kr * rgb[((size_t)(h - 1) * w + 5) * 3] +
	                                 kg * rgb[((size_t)(h - 1) * w + 5) * 3 + 1] +
	                                 kb * rgb[((size_t)(h - 1) * w + 5) * 3 + 2];
	bmp = make_bmp24(rgb, w, h, &len);
	assert_int_equal(pdq_hash_image(bmp, len, NULL, &r), 0);
	assert_int_equal(pdq_hash_luma(mixed, h, w, &want, &q, NULL), 0);
	assert_memory_equal(&r.hash, &want, sizeof want);
	free(bmp);
	free(rgb);
	free(grey);
	free(mixed);
}

/* The decoder's RGB rows, turned into luma inside the filter (SIMD where
 * the CPU has it), give what the reference's float luma gives. */
static void test_rgb_image_equals_reference(void **state)
{
	(void)state;
	static const int sizes[][2] = {{333, 1037}, {70, 64}, {64, 64}, {6, 17}, {200, 31}};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		int h = sizes[i][0], w = sizes[i][1];
		uint8_t *rgb = malloc((size_t)w * h * 3);
		float *luma = malloc((size_t)w * h * sizeof(float));
		assert_true(rgb && luma);
		const float kr = 0.299, kg = 0.587, kb = 0.114;
		for (int p = 0; p < w * h; p++) {
			uint8_t *q = rgb + 3 * p;
			q[0] = (uint8_t)(p % w + (rng() & 63));
			q[1] = (uint8_t)(p / w * 3 + (rng() & 31));
			q[2] = (uint8_t)rng();
			luma[p] = kr * q[0] + kg * q[1] + kb * q[2];
		}
		size_t len;
		uint8_t *bmp = make_bmp24(rgb, w, h, &len);
		struct pdq_result r;
		struct pdq_hash want;
		int q;
		assert_int_equal(pdq_hash_image(bmp, len, NULL, &r), 0);
		assert_int_equal(pdq_reference_hash_luma(luma, h, w, &want, &q, NULL), 0);
		assert_memory_equal(&r.hash, &want, sizeof want);
		assert_int_equal(r.quality, q);
		free(bmp);
		free(rgb);
		free(luma);
	}
}

/* ---- helpers ------------------------------------------------------------ */

static void test_hex_and_distance(void **state)
{
	(void)state;
	const char *hex = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
	struct pdq_hash a, b;
	char out[65];
	assert_int_equal(pdq_hash_from_hex(hex, &a), 0);
	pdq_hash_to_hex(&a, out);
	assert_string_equal(out, hex);
	assert_int_equal(
	    pdq_hash_from_hex("F8F8F0CEE0F4A84F06370A22038F63F0B36E2ED596621E1D33E6B39C4E9C9B22",
	                      &b),
	    0);
	assert_int_equal(pdq_distance(&a, &b), 0);
	b.b[31] ^= 0x81;
	b.b[0] ^= 0x01;
	assert_int_equal(pdq_distance(&a, &b), 3);
	memset(&b, 0, sizeof b);
	struct pdq_hash ones;
	memset(&ones, 0xff, sizeof ones);
	assert_int_equal(pdq_distance(&b, &ones), 256);
	assert_int_equal(pdq_hash_from_hex("f8f8", &a), HL_EINVAL);
	assert_int_equal(pdq_hash_from_hex(NULL, &a), HL_EINVAL);
	char longer[70];
	snprintf(longer, sizeof longer, "%s00", hex);
	assert_int_equal(pdq_hash_from_hex(longer, &a), HL_EINVAL);
	char bad[65];
	memcpy(bad, hex, 65);
	bad[10] = 'g';
	assert_int_equal(pdq_hash_from_hex(bad, &a), HL_EINVAL);
}

/* Bit k of the hash is DCT coefficient k (row-major 16x16), counted from
 * the last hex digit, as the reference prints it. */
static void test_bit_order(void **state)
{
	(void)state;
	float dct[256];
	for (int k = 0; k < 256; k++)
		dct[k] = (float)k; /* above the median: k >= 128 */
	struct pdq_hash h;
	pdq_hash_from_dct(dct, &h);
	char hex[65];
	pdq_hash_to_hex(&h, hex);
	assert_string_equal(hex,
	                    "ffffffffffffffffffffffffffffffff00000000000000000000000000000000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fullres_vectors),
	    cmocka_unit_test(test_cli_512nn_vectors),
	    cmocka_unit_test(test_cli_dihedral_vectors),
	    cmocka_unit_test(test_streaming_equals_reference),
	    cmocka_unit_test(test_too_small_is_zero),
	    cmocka_unit_test(test_streaming_misuse),
	    cmocka_unit_test(test_grey_pixels_hash_as_grey),
	    cmocka_unit_test(test_rgb_image_equals_reference),
	    cmocka_unit_test(test_hex_and_distance),
	    cmocka_unit_test(test_bit_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
