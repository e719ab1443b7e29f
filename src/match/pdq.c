/* pdq.c — the PDQ perceptual hash, bit-exact with Meta's C++ reference.
 *
 * Bit-exactness: every float operation the reference does is done here on
 * the same operands in the same order (luma as (cR*R + cG*G) + cB*B; each
 * box-filter output as a running float sum with its add, its subtract and
 * one division by the current window size; the DCT sums in index order).
 * Only the order in which INDEPENDENT sums advance changes, which cannot
 * change a result. Contraction into fused multiply-adds is turned off for
 * this file, since the reference is built without it.
 *
 * Speed: the reference filters two full-size float images, each of its
 * four box passes over the whole image, its column passes striding a row
 * apart. Here the filter is a stream fed by the decoder's rows. Rows are
 * buffered GROUP (16) at a time, as pushed (8-bit RGB or grey, or float),
 * then one sweep across the columns runs, CHUNK columns at a step:
 *   A  the first box along the rows, on the 16 rows at once: columns are
 *      turned into luma and transposed into a small ring where one SIMD
 *      lane carries one row's running sum;
 *   B  the first box down the columns: A's outputs transposed back, one
 *      running sum per column, the rows it must subtract later kept in a
 *      ring of wc+16 rows;
 *   C  the second box along the rows of B's output, transposed again into
 *      lanes, dividing only at the 64 columns decimation keeps;
 * and D, the second box down the columns, runs on those 64 columns only,
 * keeping the 64 rows decimation keeps. Between A, B and C data stays in
 * rings of a few kilobytes; memory is a few rows of the image.
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "pdq.h"

#include <math.h>
#include <pthread.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <tmmintrin.h>
#define PDQ_HAVE_SSSE3_PATH 1
#endif
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* rows filtered together by the horizontal stages (4 SSE vectors) */
#define GROUP 16
/* images with a side under this hash to zero (the reference's
 * MIN_HASHABLE_DIM) */
#define MIN_DIM 5

typedef float v4sf __attribute__((vector_size(16)));

/* Columns handed from one stage to the next at a time: 4 SIMD vectors
 * wide, so that B advances 4 independent column sums at once. */
#define CHUNK 16
/* how far ahead (floats) B prefetches the rows it subtracts */
#define PREFETCH 256

/* What the rows pushed into a hasher hold. */
enum { PDQ_IN_FLOAT, PDQ_IN_RGB, PDQ_IN_GREY };

/* The reference's luma products, exactly as it forms them: the float
 * coefficient times the sample, (R + G) + B summed in float. */
struct luma_tables {
	float r[256], g[256], b[256], y[256];
	int ssse3; /* the CPU has SSSE3: luma16_ssse3() */
};

static struct luma_tables luma_tab;
static pthread_once_t luma_once = PTHREAD_ONCE_INIT;
#ifdef PDQ_HAVE_SSSE3_PATH
static uint8_t luma_mask[3][4][3][16];
#endif

static void luma_init(void)
{
	const float kr = 0.299, kg = 0.587, kb = 0.114;
	for (int v = 0; v < 256; v++) {
		luma_tab.r[v] = kr * v;
		luma_tab.g[v] = kg * v;
		luma_tab.b[v] = kb * v;
		luma_tab.y[v] = (float)v;
	}
#ifdef PDQ_HAVE_SSSE3_PATH
	/* luma_mask[s][g][ch]: from source vector s, channel ch of pixels
	 * 4g..4g+3 into the low byte of each 32-bit lane (0x80: zero) */
	memset(luma_mask, 0x80, sizeof luma_mask);
	for (int g = 0; g < 4; g++)
		for (int ch = 0; ch < 3; ch++)
			for (int i = 0; i < 4; i++) {
				int off = 12 * g + 3 * i + ch;
				luma_mask[off / 16][g][ch][4 * i] = (uint8_t)(off % 16);
			}
	luma_tab.ssse3 = __builtin_cpu_supports("ssse3");
#endif
}

struct pdq_hasher {
	int rows, cols;
	int stride;     /* floats per buffered row: cols rounded up to CHUNK */
	int mode;       /* 0 filter, 1 already 64x64, 2 too small */
	int wr, wc, hc; /* windows along rows (from cols) and cols; half of wc */
	int pos_c[64], pos_r[64];
	int pushed; /* rows received */

	int fmt;          /* what rows hold: PDQ_IN_FLOAT, _RGB or _GREY */
	size_t row_bytes; /* bytes a buffered input row (stride pixels) */
	uint8_t *grp;     /* the group of input rows, as pushed */
	int grp_n;
	uint8_t *zero_row;            /* stands in for the missing rows of a short group */
	const struct luma_tables *lt; /* 8-bit input: the reference's products */

	/* rings of columns for the horizontal passes, GROUP lanes a column */
	v4sf *a_in, *a_out, *c_in;
	int ring_mask;

	/* B: the rows of A's output it still needs, and its column sums */
	float *ring_b, *sum_b;
	int ring_b_n, b_in;

	/* C's decimated output of one sweep, lane-major */
	float dec[64 * GROUP];

	/* D: ring of C's output rows (64 wide), running sums */
	float *ring_d;
	float sum_d[64];
	int ring_d_n, d_in, d_out, next_i;

	float out64[64 * 64];
};

/* ---- the DCT matrix ---------------------------------------------------- */

static float dct_d[16 * 64];  /* row i: basis i+1 */
static float dct_dt[64 * 16]; /* transposed */
static pthread_once_t dct_once = PTHREAD_ONCE_INIT;

static void dct_init(void)
{
	const double pi = 3.14159265358979323846;
	/* the reference keeps the scale factor as a float and multiplies it
	 * by the double cosine */
	const float scale = (float)sqrt(2.0 / 64.0);
	for (int i = 0; i < 16; i++) {
		for (int j = 0; j < 64; j++) {
			double a = (pi / 2.0 / 64.0) * (double)(i + 1) * (double)(2 * j + 1);
			dct_d[i * 64 + j] = (float)(scale * cos(a));
			dct_dt[j * 16 + i] = dct_d[i * 64 + j];
		}
	}
}

/* ---- the horizontal box filter on GROUP lanes --------------------------- */

/* A 4x4 block transpose: in0..in3 point at 4 floats each (rows), out0..3
 * receive the columns. */
static inline __attribute__((always_inline)) void transpose4(const float *in0, const float *in1,
                                                             const float *in2, const float *in3,
                                                             float *out0, float *out1, float *out2,
                                                             float *out3)
{
#if defined(__SSE2__)
	__m128 a = _mm_loadu_ps(in0), b = _mm_loadu_ps(in1), c = _mm_loadu_ps(in2),
	       d = _mm_loadu_ps(in3);
	_MM_TRANSPOSE4_PS(a, b, c, d);
	_mm_storeu_ps(out0, a);
	_mm_storeu_ps(out1, b);
	_mm_storeu_ps(out2, c);
	_mm_storeu_ps(out3, d);
#else
	float t[4][4];
	for (int i = 0; i < 4; i++) {
		t[0][i] = in0[i];
		t[1][i] = in1[i];
		t[2][i] = in2[i];
		t[3][i] = in3[i];
	}
	for (int j = 0; j < 4; j++) {
		out0[j] = t[j][0];
		out1[j] = t[j][1];
		out2[j] = t[j][2];
		out3[j] = t[j][3];
	}
#endif
}

/* One horizontal pass of the reference's box1DFloat over GROUP rows at
 * once (one SIMD lane per row), advanced step by step as its input
 * columns arrive. Step t = 0 .. n+lag-1, lag = (w+2)/2 - 1:
 *   t < n      add column t
 *   t >= w     subtract column t-w
 *   t >= lag   emit output column t-lag, divided by the window's count
 * which is the reference's four phases, sum for sum and division for
 * division. Input and output columns live in rings of ring_mask+1
 * columns (a power of two above w + CHUNK), small enough for L1. */
struct hbox {
	int n, w, lag, total, t;
	v4sf s[4];
	const v4sf *in;
	v4sf *out;
	const int *pos;
	float *dec;
	int next, mask;
};
static void hbox_init(struct hbox *b, int n, int w, const v4sf *in, v4sf *out, int mask,
                      const int *pos, float *dec)
{
	memset(b, 0, sizeof *b);
	b->n = n;
	b->w = w;
	b->lag = (w + 2) / 2 - 1;
	b->total = n + b->lag;
	b->in = in;
	b->out = out;
	b->mask = mask;
	b->pos = pos;
	b->dec = dec;
}
static inline __attribute__((always_inline)) void hbox_run(struct hbox *b, int t_end, int full)
{
	const int n = b->n, w = b->w, lag = b->lag, mask = b->mask;
	const v4sf *in = b->in;
	v4sf s0 = b->s[0], s1 = b->s[1], s2 = b->s[2], s3 = b->s[3];
	int t = b->t;
	for (; t < t_end; t++) {
		if (t < n) {
			const v4sf *x = in + 4 * (size_t)(t & mask);
			s0 += x[0];
			s1 += x[1];
			s2 += x[2];
			s3 += x[3];
		}
		if (t >= w) {
			const v4sf *y = in + 4 * (size_t)((t - w) & mask);
			s0 -= y[0];
			s1 -= y[1];
			s2 -= y[2];
			s3 -= y[3];
		}
		if (t < lag)
			continue;
		int o = t - lag;
		float cf = (float)(t < w ? t + 1 : t < n ? w : w - (t - n + 1));
		v4sf d = {cf, cf, cf, cf};
		if (full) {
			v4sf *z = b->out + 4 * (size_t)(o & mask);
			z[0] = s0 / d;
			z[1] = s1 / d;
			z[2] = s2 / d;
			z[3] = s3 / d;
		} else if (b->next < 64 && b->pos[b->next] == o) {
			v4sf r[4] = {s0 / d, s1 / d, s2 / d, s3 / d};
			while (b->next < 64 && b->pos[b->next] == o) {
				memcpy(b->dec + (size_t)b->next * GROUP, r, sizeof r);
				b->next++;
			}
		}
	}
	b->s[0] = s0;
	b->s[1] = s1;
	b->s[2] = s2;
	b->s[3] = s3;
	b->t = t;
}
/* ---- one sweep: passes A, B and C over a group of rows ------------------ */

/* What B does with lane k of a sweep: add A's output row (and keep it in
 * the ring at add_to), subtract an older row (sub), emit an output row
 * divided by emit (0: no output). */
struct bplan {
	int na, m; /* lanes in the plan, outputs */
	float *add_to[GROUP];
	const float *sub[GROUP];
	float emit[GROUP];
};

static float *ring_b_row(struct pdq_hasher *h, int r)
{
	return h->ring_b + (size_t)(r % h->ring_b_n) * h->stride;
}

#ifdef PDQ_HAVE_SSSE3_PATH
/* Luma of 16 RGB pixels of each of GROUP rows (rows[k] + 3*c) into
 * out[k][0..15]: the bytes of each channel gathered into 32-bit lanes with
 * pshufb, converted, then the very products and sums of the scalar code. */
__attribute__((target("ssse3"))) static void luma16_ssse3(const uint8_t *const *rows, int c,
                                                          float out[GROUP][16])
{
	const float kr = 0.299, kg = 0.587, kb = 0.114;
	const __m128 cr = _mm_set1_ps(kr), cg = _mm_set1_ps(kg), cb = _mm_set1_ps(kb);
#define M(sv, g, ch) _mm_loadu_si128((const __m128i *)luma_mask[sv][g][ch])
	const __m128i a0[3] = {M(0, 0, 0), M(0, 0, 1), M(0, 0, 2)};
	const __m128i a1[3] = {M(0, 1, 0), M(0, 1, 1), M(0, 1, 2)};
	const __m128i b1[3] = {M(1, 1, 0), M(1, 1, 1), M(1, 1, 2)};
	const __m128i b2[3] = {M(1, 2, 0), M(1, 2, 1), M(1, 2, 2)};
	const __m128i c2[3] = {M(2, 2, 0), M(2, 2, 1), M(2, 2, 2)};
	const __m128i c3[3] = {M(2, 3, 0), M(2, 3, 1), M(2, 3, 2)};
#undef M
#define LUMA(r, g, b)                                                                              \
	_mm_add_ps(                                                                                \
	    _mm_add_ps(_mm_mul_ps(cr, _mm_cvtepi32_ps(r)), _mm_mul_ps(cg, _mm_cvtepi32_ps(g))),    \
	    _mm_mul_ps(cb, _mm_cvtepi32_ps(b)))
#define SH _mm_shuffle_epi8
#define OR _mm_or_si128
	for (int k = 0; k < GROUP; k++) {
		const uint8_t *p = rows[k] + 3 * (size_t)c;
		__m128i v0 = _mm_loadu_si128((const __m128i *)p),
		        v1 = _mm_loadu_si128((const __m128i *)(p + 16)),
		        v2 = _mm_loadu_si128((const __m128i *)(p + 32));
		float *d = out[k];
		_mm_storeu_ps(d, LUMA(SH(v0, a0[0]), SH(v0, a0[1]), SH(v0, a0[2])));
		_mm_storeu_ps(d + 4, LUMA(OR(SH(v0, a1[0]), SH(v1, b1[0])),
		                          OR(SH(v0, a1[1]), SH(v1, b1[1])),
		                          OR(SH(v0, a1[2]), SH(v1, b1[2]))));
		_mm_storeu_ps(d + 8, LUMA(OR(SH(v1, b2[0]), SH(v2, c2[0])),
		                          OR(SH(v1, b2[1]), SH(v2, c2[1])),
		                          OR(SH(v1, b2[2]), SH(v2, c2[2]))));
		_mm_storeu_ps(d + 12, LUMA(SH(v2, c3[0]), SH(v2, c3[1]), SH(v2, c3[2])));
	}
#undef LUMA
#undef SH
#undef OR
}
#endif

/* A's input: columns c..c+15 (c a multiple of 16) of the group's rows,
 * turned into float luma if they are 8-bit pixels, transposed into A's
 * ring. */
static void load_a16(struct pdq_hasher *h, const uint8_t *const *rows, int c)
{
	float tmp[GROUP][16];
	const float *src[GROUP];
	size_t at = 0; /* float offset of column c in src[k] */
	if (h->fmt == PDQ_IN_FLOAT) {
		for (int k = 0; k < GROUP; k++)
			src[k] = (const float *)rows[k];
		at = (size_t)c;
	} else {
		const struct luma_tables *t = h->lt;
		if (h->fmt == PDQ_IN_RGB) {
#ifdef PDQ_HAVE_SSSE3_PATH
			if (t->ssse3)
				luma16_ssse3(rows, c, tmp);
			else
#endif
				for (int k = 0; k < GROUP; k++) {
					const uint8_t *p = rows[k] + 3 * (size_t)c;
					for (int i = 0; i < 16; i++, p += 3)
						tmp[k][i] = (t->r[p[0]] + t->g[p[1]]) + t->b[p[2]];
				}
		} else {
			for (int k = 0; k < GROUP; k++) {
				const uint8_t *p = rows[k] + (size_t)c;
				for (int i = 0; i < 16; i++)
					tmp[k][i] = t->y[p[i]];
			}
		}
		for (int k = 0; k < GROUP; k++)
			src[k] = tmp[k];
	}
	for (int q = 0; q < 4; q++) {
		float *dst = (float *)(h->a_in + 4 * (size_t)((c + 4 * q) & h->ring_mask));
		size_t o = at + 4 * (size_t)q;
		for (int k = 0; k < GROUP; k += 4)
			transpose4(src[k] + o, src[k + 1] + o, src[k + 2] + o, src[k + 3] + o,
			           dst + k, dst + GROUP + k, dst + 2 * GROUP + k,
			           dst + 3 * GROUP + k);
	}
}

/* B over columns o..o+CHUNK-1: A's outputs there (from A's ring, unless a
 * tail sweep), the column sums advanced lane by lane as the plan says,
 * B's outputs transposed into C's ring. */
static inline __attribute__((always_inline)) void chunk_b(struct pdq_hasher *h,
                                                          const struct bplan *p, int o, int with_a)
{
	enum { Q = CHUNK / 4 };
	v4sf x[GROUP][Q], out[GROUP][Q];
	if (with_a) {
		for (int q = 0; q < Q; q++) {
			const float *src =
			    (const float *)(h->a_out + 4 * (size_t)((o + 4 * q) & h->ring_mask));
			for (int k = 0; k < GROUP; k += 4)
				transpose4(src + k, src + GROUP + k, src + 2 * GROUP + k,
				           src + 3 * GROUP + k, (float *)&x[k][q],
				           (float *)&x[k + 1][q], (float *)&x[k + 2][q],
				           (float *)&x[k + 3][q]);
		}
	}
	/* the rows B subtracts were written wc rows ago, hundreds of
	 * kilobytes back: fetch them ahead */
	for (int k = 0; k < p->na; k++)
		if (p->sub[k] && o + PREFETCH < h->stride)
			__builtin_prefetch(p->sub[k] + o + PREFETCH);
	v4sf *sum = (v4sf *)(h->sum_b + o);
	v4sf s0 = sum[0], s1 = sum[1], s2 = sum[2], s3 = sum[3];
	int e = 0;
	for (int k = 0; k < p->na; k++) {
		if (with_a && p->add_to[k]) {
			v4sf *dst = (v4sf *)(p->add_to[k] + o);
			s0 += x[k][0];
			s1 += x[k][1];
			s2 += x[k][2];
			s3 += x[k][3];
			dst[0] = x[k][0];
			dst[1] = x[k][1];
			dst[2] = x[k][2];
			dst[3] = x[k][3];
		}
		if (p->sub[k]) {
			const v4sf *y = (const v4sf *)(p->sub[k] + o);
			s0 -= y[0];
			s1 -= y[1];
			s2 -= y[2];
			s3 -= y[3];
		}
		if (p->emit[k] != 0.0f) {
			float cf = p->emit[k];
			v4sf d = {cf, cf, cf, cf};
			out[e][0] = s0 / d;
			out[e][1] = s1 / d;
			out[e][2] = s2 / d;
			out[e][3] = s3 / d;
			e++;
		}
	}
	sum[0] = s0;
	sum[1] = s1;
	sum[2] = s2;
	sum[3] = s3;
	for (; e < GROUP; e++)
		for (int q = 0; q < Q; q++)
			out[e][q] = (v4sf){0, 0, 0, 0};
	for (int q = 0; q < Q; q++) {
		float *dst = (float *)(h->c_in + 4 * (size_t)((o + 4 * q) & h->ring_mask));
		for (int k = 0; k < GROUP; k += 4)
			transpose4((const float *)&out[k][q], (const float *)&out[k + 1][q],
			           (const float *)&out[k + 2][q], (const float *)&out[k + 3][q],
			           dst + k, dst + GROUP + k, dst + 2 * GROUP + k,
			           dst + 3 * GROUP + k);
	}
}

static void stage_d_push(struct pdq_hasher *h);

/* One sweep across the columns: A on the group's input rows (when
 * with_a), B per the plan, C decimated, then C's output rows to D. */
static void sweep(struct pdq_hasher *h, const struct bplan *p, int with_a)
{
	const int n = h->cols, mask = h->ring_mask;
	const uint8_t *rows[GROUP];
	struct hbox a, c;
	for (int k = 0; k < GROUP; k++)
		rows[k] = with_a && k < h->grp_n ? h->grp + (size_t)k * h->row_bytes : h->zero_row;
	hbox_init(&a, n, h->wr, h->a_in, h->a_out, mask, NULL, NULL);
	hbox_init(&c, n, h->wr, h->c_in, NULL, mask, h->pos_c, h->dec);
	int loaded = 0, done = 0; /* A's input columns loaded; columns through B */
	while (done < n) {
		int avail; /* A's output columns complete */
		if (with_a) {
			int t_end = done + CHUNK + a.lag;
			if (t_end > a.total)
				t_end = a.total;
			while (loaded < t_end && loaded < n) {
				load_a16(h, rows, loaded);
				loaded += 16;
			}
			hbox_run(&a, t_end, 1);
			avail = t_end == a.total ? n : t_end - a.lag;
		} else {
			avail = n;
		}
		while (done < avail) {
			if (with_a && done + CHUNK > n) {
				/* the last chunk: A's ring has stale columns past n */
				for (int o = n; o < done + CHUNK; o++) {
					v4sf *z = h->a_out + 4 * (size_t)(o & mask);
					z[0] = z[1] = z[2] = z[3] = (v4sf){0, 0, 0, 0};
				}
			}
			chunk_b(h, p, done, with_a);
			done += CHUNK;
			hbox_run(&c, done < n ? done : c.total, 0);
		}
	}
	for (int k = 0; k < p->m; k++) {
		float *dst = h->ring_d + (size_t)(h->d_in % h->ring_d_n) * 64;
		for (int j = 0; j < 64; j++)
			dst[j] = h->dec[j * GROUP + k];
		stage_d_push(h);
	}
}

/* The group of input rows: plan B's work on each and sweep. */
static void group_flush(struct pdq_hasher *h)
{
	if (!h->grp_n)
		return;
	struct bplan p = {0};
	p.na = h->grp_n;
	for (int k = 0; k < h->grp_n; k++) {
		int r = h->b_in + k;
		p.add_to[k] = ring_b_row(h, r);
		p.sub[k] = r >= h->wc ? ring_b_row(h, r - h->wc) : NULL;
		p.emit[k] = r < h->hc - 1 ? 0.0f : (float)(r < h->wc ? r + 1 : h->wc);
		p.m += p.emit[k] != 0.0f;
	}
	sweep(h, &p, 1);
	h->b_in += h->grp_n;
	h->grp_n = 0;
}

/* B's last outputs (the reference's phase 4: subtract only, the window
 * shrinking), GROUP at a time. */
static void group_finish(struct pdq_hasher *h)
{
	int n = h->rows;
	for (int i0 = 0; i0 < h->hc - 1; i0 += GROUP) {
		struct bplan p = {0};
		for (int i = i0; i < h->hc - 1 && p.na < GROUP; i++) {
			p.sub[p.na] = ring_b_row(h, n - h->wc + i);
			p.emit[p.na] = (float)(h->wc - 1 - i);
			p.na++;
		}
		p.m = p.na;
		sweep(h, &p, 0);
	}
}

/* ---- D: down the 64 kept columns ---------------------------------------- */

static void stage_d_capture(struct pdq_hasher *h, const float *vals)
{
	int o = h->d_out++;
	while (h->next_i < 64 && h->pos_r[h->next_i] == o) {
		memcpy(h->out64 + h->next_i * 64, vals, 64 * sizeof(float));
		h->next_i++;
	}
}

/* The newest row of C's output is in its ring slot. */
static void stage_d_push(struct pdq_hasher *h)
{
	int r = h->d_in++;
	const float *x = h->ring_d + (size_t)(r % h->ring_d_n) * 64;
	float *s = h->sum_d, v[64];
	if (r < h->hc - 1) {
		for (int j = 0; j < 64; j++)
			s[j] += x[j];
		return;
	}
	float cnt;
	if (r < h->wc) {
		for (int j = 0; j < 64; j++)
			s[j] += x[j];
		cnt = (float)(r + 1);
	} else {
		const float *y = h->ring_d + (size_t)((r - h->wc) % h->ring_d_n) * 64;
		for (int j = 0; j < 64; j++) {
			s[j] += x[j];
			s[j] -= y[j];
		}
		cnt = (float)h->wc;
	}
	for (int j = 0; j < 64; j++)
		v[j] = s[j] / cnt;
	stage_d_capture(h, v);
}

static void stage_d_finish(struct pdq_hasher *h)
{
	float *s = h->sum_d, v[64];
	int n = h->rows;
	for (int i = 0; i < h->hc - 1; i++) {
		const float *y = h->ring_d + (size_t)((n - h->wc + i) % h->ring_d_n) * 64;
		float cnt = (float)(h->wc - 1 - i);
		for (int j = 0; j < 64; j++) {
			s[j] -= y[j];
			v[j] = s[j] / cnt;
		}
		stage_d_capture(h, v);
	}
}

/* ---- the hasher -------------------------------------------------------- */

/* 64-byte aligned memory (aligned_alloc wants a multiple of 64). */
static void *alloc64(size_t n)
{
	return aligned_alloc(64, (n + 63) & ~(size_t)63);
}

static int window(int old_dim)
{
	/* the reference's computeJaroszFilterWindowSize(old, 64) */
	return (old_dim + 2 * 64 - 1) / (2 * 64);
}

static int hasher_new(struct pdq_hasher **out, int rows, int cols, int fmt)
{
	*out = NULL;
	if (rows <= 0 || cols <= 0)
		return HL_EINVAL;
	struct pdq_hasher *h = calloc(1, sizeof *h);
	if (!h)
		return HL_ENOMEM;
	h->rows = rows;
	h->cols = cols;
	h->fmt = fmt;
	pthread_once(&luma_once, luma_init);
	h->lt = &luma_tab;
	if (rows < MIN_DIM || cols < MIN_DIM) {
		h->mode = 2;
		*out = h;
		return 0;
	}
	if (rows == 64 && cols == 64) { /* the reference skips the filter */
		h->mode = 1;
		h->row_bytes = 64 * sizeof(float);
		h->grp = malloc(h->row_bytes);
		if (!h->grp) {
			free(h);
			return HL_ENOMEM;
		}
		*out = h;
		return 0;
	}
	h->wr = window(cols);
	h->wc = window(rows);
	h->hc = (h->wc + 2) / 2;
	for (int j = 0; j < 64; j++) {
		h->pos_c[j] = (int)(((j + 0.5) * cols) / 64);
		h->pos_r[j] = (int)(((j + 0.5) * rows) / 64);
	}
	/* the rings hold the last wc+GROUP rows, or all of a shorter image:
	 * memory is a few rows' worth, and never more than about 7 bytes a
	 * pixel however thin and wide the image */
	h->ring_b_n = h->wc + GROUP < rows ? h->wc + GROUP : rows;
	h->ring_d_n = h->ring_b_n;
	int grp_rows = rows < GROUP ? rows : GROUP;
	int ring = 8;
	while (ring < h->wr + 2 * CHUNK + 8)
		ring *= 2;
	h->ring_mask = ring - 1;
	/* rows padded to CHUNK floats, 64-byte aligned, zeroed: the padding
	 * columns ride through every pass as zeros */
	h->stride = (cols + CHUNK - 1) / CHUNK * CHUNK;
	h->row_bytes = (size_t)h->stride * (fmt == PDQ_IN_FLOAT ? 4 : fmt == PDQ_IN_RGB ? 3 : 1);
	size_t row = (size_t)h->stride * sizeof(float),
	       lanes = (size_t)ring * GROUP * sizeof(float);
	h->grp = alloc64(h->row_bytes * grp_rows);
	h->zero_row = alloc64(row);
	h->a_in = alloc64(lanes);
	h->a_out = alloc64(lanes);
	h->c_in = alloc64(lanes);
	h->ring_b = alloc64(row * (size_t)h->ring_b_n);
	h->sum_b = alloc64(row);
	h->ring_d = malloc((size_t)64 * h->ring_d_n * sizeof(float));
	if (!h->grp || !h->zero_row || !h->a_in || !h->a_out || !h->c_in || !h->ring_b ||
	    !h->sum_b || !h->ring_d) {
		pdq_hasher_free(h);
		return HL_ENOMEM;
	}
	memset(h->grp, 0, h->row_bytes * grp_rows);
	memset(h->zero_row, 0, row);
	memset(h->a_in, 0, lanes);
	memset(h->a_out, 0, lanes);
	memset(h->c_in, 0, lanes);
	memset(h->ring_b, 0, row * (size_t)h->ring_b_n);
	memset(h->sum_b, 0, row);
	*out = h;
	return 0;
}

int pdq_hasher_new(struct pdq_hasher **out, int rows, int cols)
{
	return hasher_new(out, rows, cols, PDQ_IN_FLOAT);
}

void pdq_hasher_free(struct pdq_hasher *h)
{
	if (!h)
		return;
	free(h->grp);
	free(h->zero_row);
	free(h->a_in);
	free(h->a_out);
	free(h->c_in);
	free(h->ring_b);
	free(h->sum_b);
	free(h->ring_d);
	free(h);
}

/* Where the next row is to be written (cols pixels in the hasher's input
 * format; the padding after them must stay zero), or NULL when nothing
 * needs writing (a too-small image, or all rows already pushed). */
static uint8_t *hasher_slot(struct pdq_hasher *h)
{
	if (h->pushed >= h->rows || h->mode == 2)
		return NULL;
	if (h->mode == 1)
		return h->grp;
	return h->grp + (size_t)h->grp_n * h->row_bytes;
}

static void hasher_commit(struct pdq_hasher *h)
{
	if (h->pushed >= h->rows)
		return;
	if (h->mode == 1) {
		/* 64x64: the row goes straight to the 64x64 buffer */
		float *dst = h->out64 + (size_t)h->pushed * 64;
		const uint8_t *p = h->grp;
		for (int x = 0; x < 64; x++) {
			if (h->fmt == PDQ_IN_FLOAT)
				memcpy(dst + x, p + 4 * x, sizeof(float));
			else if (h->fmt == PDQ_IN_RGB)
				dst[x] = (h->lt->r[p[3 * x]] + h->lt->g[p[3 * x + 1]]) +
				         h->lt->b[p[3 * x + 2]];
			else
				dst[x] = h->lt->y[p[x]];
		}
	}
	h->pushed++;
	if (h->mode != 0)
		return;
	if (++h->grp_n == GROUP)
		group_flush(h);
}

void pdq_hasher_push(struct pdq_hasher *h, const float *row)
{
	uint8_t *slot = hasher_slot(h);
	if (slot)
		memcpy(slot, row, (size_t)h->cols * sizeof(float));
	hasher_commit(h);
}

static int quality_of(const float *b)
{
	int sum = 0;
	for (int i = 0; i < 63; i++) {
		for (int j = 0; j < 64; j++) {
			float u = b[i * 64 + j], v = b[(i + 1) * 64 + j];
			int d = (int)(((u - v) * 100) / 255);
			sum += abs(d);
		}
	}
	for (int i = 0; i < 64; i++) {
		for (int j = 0; j < 63; j++) {
			float u = b[i * 64 + j], v = b[i * 64 + j + 1];
			int d = (int)(((u - v) * 100) / 255);
			sum += abs(d);
		}
	}
	int q = sum / 90;
	return q > 100 ? 100 : q;
}

/* B = D A D^T, rows 1..16 and columns 1..16 of the 64x64 DCT, each sum in
 * the reference's order. */
static void dct64_to_16(const float *a, float *out)
{
	float t[16 * 64];
	pthread_once(&dct_once, dct_init);
	for (int i = 0; i < 16; i++) {
		float *ti = t + i * 64;
		for (int j = 0; j < 64; j++)
			ti[j] = 0.0f;
		for (int k = 0; k < 64; k++) {
			float d = dct_d[i * 64 + k];
			const float *ak = a + k * 64;
			for (int j = 0; j < 64; j++)
				ti[j] += d * ak[j];
		}
	}
	for (int i = 0; i < 16; i++) {
		float b[16] = {0};
		const float *ti = t + i * 64;
		for (int k = 0; k < 64; k++) {
			float tv = ti[k];
			const float *dk = dct_dt + k * 16;
			for (int j = 0; j < 16; j++)
				b[j] += tv * dk[j];
		}
		memcpy(out + i * 16, b, sizeof b);
	}
}

int pdq_hasher_finish(struct pdq_hasher *h, struct pdq_hash *hash, int *quality, float dct[256])
{
	if (h->pushed != h->rows)
		return HL_EINVAL;
	float local[256];
	float *d = dct ? dct : local;
	if (h->mode == 2) {
		memset(hash, 0, sizeof *hash);
		memset(d, 0, 256 * sizeof(float));
		*quality = 0;
		return 0;
	}
	if (h->mode == 0) {
		group_flush(h);
		group_finish(h);
		stage_d_finish(h);
	}
	*quality = quality_of(h->out64);
	dct64_to_16(h->out64, d);
	pdq_hash_from_dct(d, hash);
	return 0;
}

int pdq_hash_luma(const float *luma, int rows, int cols, struct pdq_hash *hash, int *quality,
                  float dct[256])
{
	struct pdq_hasher *h;
	int rc = pdq_hasher_new(&h, rows, cols);
	if (rc)
		return rc;
	for (int r = 0; r < rows; r++)
		pdq_hasher_push(h, luma + (size_t)r * cols);
	rc = pdq_hasher_finish(h, hash, quality, dct);
	pdq_hasher_free(h);
	return rc;
}

/* ---- the reference, literally (oracle and benchmark baseline) ---------- */

static void ref_box1d(const float *in, float *out, int n, int stride, int w)
{
	int half = (w + 2) / 2;
	int p1 = half - 1, p2 = w - half + 1, p3 = n - w, p4 = half - 1;
	int li = 0, ri = 0, oi = 0, cnt = 0;
	float sum = 0.0f;
	for (int i = 0; i < p1; i++) {
		sum += in[(size_t)ri * stride];
		cnt++;
		ri++;
	}
	for (int i = 0; i < p2; i++) {
		sum += in[(size_t)ri * stride];
		cnt++;
		out[(size_t)oi * stride] = sum / cnt;
		ri++;
		oi++;
	}
	for (int i = 0; i < p3; i++) {
		sum += in[(size_t)ri * stride];
		sum -= in[(size_t)li * stride];
		out[(size_t)oi * stride] = sum / cnt;
		li++;
		ri++;
		oi++;
	}
	for (int i = 0; i < p4; i++) {
		sum -= in[(size_t)li * stride];
		cnt--;
		out[(size_t)oi * stride] = sum / cnt;
		li++;
		oi++;
	}
}

int pdq_reference_hash_luma(float *luma, int rows, int cols, struct pdq_hash *hash, int *quality,
                            float dct[256])
{
	float local[256], *d = dct ? dct : local;
	if (rows <= 0 || cols <= 0)
		return HL_EINVAL;
	if (rows < MIN_DIM || cols < MIN_DIM) {
		memset(hash, 0, sizeof *hash);
		memset(d, 0, 256 * sizeof(float));
		*quality = 0;
		return 0;
	}
	float *out64 = malloc(64 * 64 * sizeof(float));
	if (!out64)
		return HL_ENOMEM;
	if (rows == 64 && cols == 64) {
		memcpy(out64, luma, 64 * 64 * sizeof(float));
	} else {
		float *buf2 = malloc((size_t)rows * cols * sizeof(float));
		if (!buf2) {
			free(out64);
			return HL_ENOMEM;
		}
		int wr = window(cols), wc = window(rows);
		for (int rep = 0; rep < 2; rep++) {
			for (int r = 0; r < rows; r++)
				ref_box1d(luma + (size_t)r * cols, buf2 + (size_t)r * cols, cols, 1,
				          wr);
			for (int c = 0; c < cols; c++)
				ref_box1d(buf2 + c, luma + c, rows, cols, wc);
		}
		for (int i = 0; i < 64; i++) {
			int ini = (int)(((i + 0.5) * rows) / 64);
			for (int j = 0; j < 64; j++) {
				int inj = (int)(((j + 0.5) * cols) / 64);
				out64[i * 64 + j] = luma[(size_t)ini * cols + inj];
			}
		}
		free(buf2);
	}
	*quality = quality_of(out64);
	dct64_to_16(out64, d);
	pdq_hash_from_dct(d, hash);
	free(out64);
	return 0;
}

/* ---- bits, dihedral variants, text ------------------------------------- */

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

void pdq_hash_from_dct(const float dct[256], struct pdq_hash *hash)
{
	/* the reference's Torben median of 256 values is the 128th smallest */
	float sorted[256];
	memcpy(sorted, dct, sizeof sorted);
	qsort(sorted, 256, sizeof(float), cmp_float);
	float median = sorted[127];
	memset(hash, 0, sizeof *hash);
	for (int k = 0; k < 256; k++)
		if (dct[k] > median)
			hash->b[31 - k / 8] |= (uint8_t)(1u << (k % 8));
}

void pdq_dihedral_from_dct(const float a[256], struct pdq_hash out[PDQ_NUM_DIHEDRAL])
{
	float b[256];
	pdq_hash_from_dct(a, &out[PDQ_ORIGINAL]);
	for (int v = PDQ_ROTATE90; v < PDQ_NUM_DIHEDRAL; v++) {
		for (int i = 0; i < 16; i++) {
			for (int j = 0; j < 16; j++) {
				float x = a[i * 16 + j];
				switch (v) {
				case PDQ_ROTATE90: b[j * 16 + i] = (j & 1) ? x : -x; break;
				case PDQ_ROTATE180: b[i * 16 + j] = ((i + j) & 1) ? -x : x; break;
				case PDQ_ROTATE270: b[j * 16 + i] = (i & 1) ? x : -x; break;
				case PDQ_FLIPX: b[i * 16 + j] = (i & 1) ? x : -x; break;
				case PDQ_FLIPY: b[i * 16 + j] = (j & 1) ? x : -x; break;
				case PDQ_FLIP_PLUS1: b[j * 16 + i] = x; break;
				default: b[j * 16 + i] = ((i + j) & 1) ? -x : x; break;
				}
			}
		}
		pdq_hash_from_dct(b, &out[v]);
	}
}

void pdq_hash_to_hex(const struct pdq_hash *h, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[h->b[i] >> 4];
		out[2 * i + 1] = hex[h->b[i] & 15];
	}
	out[64] = '\0';
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pdq_hash_from_hex(const char *hex, struct pdq_hash *h)
{
	if (!hex)
		return HL_EINVAL;
	for (int i = 0; i < 32; i++) {
		int hi = hex_val(hex[2 * i]);
		int lo = hi < 0 ? -1 : hex_val(hex[2 * i + 1]);
		if (lo < 0)
			return HL_EINVAL;
		h->b[i] = (uint8_t)(hi << 4 | lo);
	}
	return hex[64] == '\0' ? 0 : HL_EINVAL;
}

int pdq_distance(const struct pdq_hash *a, const struct pdq_hash *b)
{
	int d = 0;
	for (int i = 0; i < 32; i += 8) {
		uint64_t x, y;
		memcpy(&x, a->b + i, 8);
		memcpy(&y, b->b + i, 8);
		d += __builtin_popcountll(x ^ y);
	}
	return d;
}

/* ---- from an encoded image --------------------------------------------- */

/* The decoder's rows to float luma. A colour image all of whose pixels are
 * grey is hashed as grey (luma = the value, not 0.299v + 0.587v + 0.114v,
 * which differs in the last bit for some v): ImageMagick, through which
 * the reference reads files, writes such an image as a one-channel PGM.
 * Until the first non-grey pixel, a second hasher follows the grey
 * reading; it is dropped as soon as colour appears (on most photos in the
 * first row). */
struct pdq_job {
	const struct pdq_options *opt;
	struct pdq_hasher *main, *grey;
	int channels, grey_so_far;
	int in_w, in_h, out_w, out_h;
	int resize, next_out; /* reference_resize: next output row */
	int *xmap;            /* reference_resize: source column of each output column */
	uint8_t *resized;     /* reference_resize: one output row of pixels */
};

static int job_start(void *ctx, const struct image_info *info)
{
	struct pdq_job *j = ctx;
	j->channels = info->channels;
	j->in_w = info->width;
	j->in_h = info->height;
	j->out_w = j->in_w;
	j->out_h = j->in_h;
	j->resize = j->opt && j->opt->reference_resize && (j->in_w > 512 || j->in_h > 512);
	if (j->resize) {
		/* CImg's nearest-neighbour resize: source index floor(x*W/512)
		 * (exact in double, so exact in integers too) */
		j->out_w = j->out_h = 512;
		j->xmap = malloc(512 * sizeof(int));
		j->resized = malloc((size_t)512 * 3);
		if (!j->xmap || !j->resized)
			return HL_ENOMEM;
		for (int x = 0; x < 512; x++)
			j->xmap[x] = (int)((int64_t)x * j->in_w / 512);
	}
	int rc =
	    hasher_new(&j->main, j->out_h, j->out_w, j->channels == 1 ? PDQ_IN_GREY : PDQ_IN_RGB);
	if (rc)
		return rc;
	j->grey_so_far = j->channels == 3;
	if (j->grey_so_far && (rc = hasher_new(&j->grey, j->out_h, j->out_w, PDQ_IN_GREY)) != 0)
		return rc;
	return 0;
}

/* One row of the hashed image (out_w pixels) to the hasher(s). */
static void job_feed(struct pdq_job *j, const uint8_t *px, int w)
{
	uint8_t *dst = hasher_slot(j->main);
	if (dst)
		memcpy(dst, px, (size_t)w * j->channels);
	hasher_commit(j->main);
	if (j->grey) {
		uint8_t *g = hasher_slot(j->grey);
		if (g)
			for (int x = 0; x < w; x++)
				g[x] = px[3 * x];
		hasher_commit(j->grey);
	}
}

static int job_row(void *ctx, int y, const uint8_t *px)
{
	struct pdq_job *j = ctx;
	if (j->grey_so_far) {
		for (int x = 0; x < j->in_w; x++) {
			const uint8_t *p = px + 3 * x;
			if (p[0] != p[1] || p[1] != p[2]) {
				j->grey_so_far = 0;
				pdq_hasher_free(j->grey);
				j->grey = NULL;
				break;
			}
		}
	}
	if (!j->resize) {
		job_feed(j, px, j->in_w);
		return 0;
	}
	int nc = j->channels;
	while (j->next_out < 512 && (int)((int64_t)j->next_out * j->in_h / 512) == y) {
		for (int x = 0; x < 512; x++)
			memcpy(j->resized + x * nc, px + (size_t)j->xmap[x] * nc, (size_t)nc);
		job_feed(j, j->resized, 512);
		j->next_out++;
	}
	return 0;
}

int pdq_hash_image(const void *data, size_t len, const struct pdq_options *opt,
                   struct pdq_result *out)
{
	memset(out, 0, sizeof *out);
	struct pdq_job *j = calloc(1, sizeof *j);
	if (!j) {
		out->image.error = "image.no_memory";
		return HL_ENOMEM;
	}
	j->opt = opt;
	struct image_options io = {0};
	if (opt) {
		io.max_pixels = opt->max_pixels;
		if (opt->fast && !opt->reference_resize)
			io.jpeg_reduce_to = PDQ_FAST_MIN_SIDE;
	}
	struct image_sink sink = {job_start, job_row, j};
	int rc = image_decode(data, len, &io, &sink, &out->image);
	if (rc == HL_ENOMEM)
		out->image.error = "image.no_memory";
	if (!rc) {
		struct pdq_hasher *h = j->grey_so_far && j->grey ? j->grey : j->main;
		float dct[256];
		rc = pdq_hasher_finish(h, &out->hash, &out->quality, dct);
		if (!rc && opt && opt->dihedral)
			pdq_dihedral_from_dct(dct, out->dihedral);
		if (rc)
			out->image.error = "image.corrupt";
	}
	pdq_hasher_free(j->main);
	pdq_hasher_free(j->grey);
	free(j->xmap);
	free(j->resized);
	free(j);
	return rc;
}
