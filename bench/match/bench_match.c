/* bench_match.c — the PDQ index (src/match/mih.c) on 10 million random
 * hashes: build time, queries per second on one core at distance 31 for
 * random queries and near-duplicates (a stored hash with 0 to 16 bits
 * flipped), resident memory, and a linear scan with hardware popcount
 * (8 queries per pass) beside it. A sample of queries, plus queries at
 * exactly d-1, d and d+1 bits from a stored hash, is answered by both and
 * the result sets must be identical. See README.md.
 *
 *   build/bench_match [--n N] [--queries Q] [--check C] [--distance D] [--sweep] [--seed S]
 *
 * Exit status: 0 when every checked query gives the same set as the scan,
 * 1 when one differs, 2 on a usage or system error. Targets are printed,
 * not enforced by the exit status. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "mih.h"

#if defined(__x86_64__) || defined(__i386__)
#define POPCNT_TARGET __attribute__((target("popcnt")))
#else
#define POPCNT_TARGET
#endif

static uint64_t rng_state;

static uint64_t rng(void) /* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* VmRSS and VmHWM from /proc/self/status, in bytes. */
static void mem_status(size_t *rss, size_t *hwm)
{
	*rss = *hwm = 0;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return;
	char line[256];
	while (fgets(line, sizeof line, f)) {
		unsigned long kb;
		if (sscanf(line, "VmRSS: %lu kB", &kb) == 1)
			*rss = (size_t)kb * 1024;
		else if (sscanf(line, "VmHWM: %lu kB", &kb) == 1)
			*hwm = (size_t)kb * 1024;
	}
	fclose(f);
}

static double gb(size_t b)
{
	return (double)b / (1024.0 * 1024.0 * 1024.0);
}

/* A copy of stored hash i with exactly k distinct bits flipped. */
static void flip_bits(uint64_t out[4], const uint64_t *in, unsigned k)
{
	memcpy(out, in, 32);
	uint64_t done[4] = {0};
	while (k > 0) {
		unsigned b = (unsigned)(rng() & 255);
		if (done[b >> 6] & (1ull << (b & 63)))
			continue;
		done[b >> 6] |= 1ull << (b & 63);
		out[b >> 6] ^= 1ull << (b & 63);
		k--;
	}
}

/* ---- the linear scan --------------------------------------------------- */

struct hit {
	uint32_t id, distance;
};

struct hits {
	struct hit *v;
	size_t n, cap;
};

static void hits_push(struct hits *h, uint32_t id, uint32_t d)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->v = realloc(h->v, h->cap * sizeof *h->v);
		if (!h->v) {
			perror("bench-match: realloc");
			exit(2);
		}
	}
	h->v[h->n].id = id;
	h->v[h->n].distance = d;
	h->n++;
}

/* One pass over every stored hash for up to 8 queries at once; hit i of
 * query k goes to out[k]. The hot loop compiles to popcnt. */
POPCNT_TARGET static void scan8(const uint64_t *db, size_t n, const uint64_t (*q)[4], unsigned nq,
                                unsigned d, struct hits *out)
{
	for (size_t i = 0; i < n; i++) {
		const uint64_t *x = db + 4 * i;
		for (unsigned k = 0; k < nq; k++) {
			unsigned dist = (unsigned)(__builtin_popcountll(x[0] ^ q[k][0]) +
			                           __builtin_popcountll(x[1] ^ q[k][1]) +
			                           __builtin_popcountll(x[2] ^ q[k][2]) +
			                           __builtin_popcountll(x[3] ^ q[k][3]));
			if (dist <= d)
				hits_push(&out[k], (uint32_t)i, dist);
		}
	}
}

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->distance != y->distance)
		return x->distance < y->distance ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* ---- timed queries --------------------------------------------------- */

/* Runs every query of qs through the index; returns queries per second
 * and adds the matches found to *matches. */
static double run_queries(struct mih *m, const uint64_t (*qs)[4], size_t nq, unsigned d,
                          size_t *matches)
{
	struct mih_results res = {0};
	size_t total = 0;
	double t0 = now();
	for (size_t i = 0; i < nq; i++) {
		int rc = mih_query(m, (const uint8_t *)qs[i], d, &res);
		if (rc) {
			fprintf(stderr, "bench-match: mih_query: %d\n", rc);
			exit(2);
		}
		total += res.n;
	}
	double t = now() - t0;
	mih_results_free(&res);
	*matches = total;
	return (double)nq / t;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_match [--n N] [--queries Q] [--check C] [--distance D] "
	                "[--sweep] [--seed S]\n");
	exit(2);
}

static unsigned long parse_num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	size_t n = 10000000, nq = 20000, ncheck = 256;
	unsigned d = 31;
	bool sweep = false;
	rng_state = 20261201;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--sweep"))
			sweep = true;
		else if (i + 1 < argc && !strcmp(argv[i], "--n"))
			n = parse_num(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "--queries"))
			nq = parse_num(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "--check"))
			ncheck = parse_num(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "--distance"))
			d = (unsigned)parse_num(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "--seed"))
			rng_state = parse_num(argv[++i]);
		else
			usage();
	}
	if (n == 0 || n > 100000000 || nq == 0 || d > 255)
		usage();
	if (ncheck > nq)
		ncheck = nq;

	printf("bench-match: %zu random PDQ hashes, distance %u, %zu queries of each kind, "
	       "%zu of each checked against a linear scan\n",
	       n, d, nq, ncheck);

	/* --- the data: n random hashes, ids 0..n-1 ----------------------- */
	uint64_t *db = malloc(n * 32);
	uint32_t *ids = malloc(n * sizeof *ids);
	uint64_t(*rq)[4] = malloc(nq * 32);
	uint64_t(*nd)[4] = malloc(nq * 32);
	if (!db || !ids || !rq || !nd) {
		perror("bench-match: malloc");
		return 2;
	}
	for (size_t i = 0; i < n * 4; i++)
		db[i] = rng();
	for (size_t i = 0; i < n; i++)
		ids[i] = (uint32_t)i;
	for (size_t i = 0; i < nq; i++) {
		for (int w = 0; w < 4; w++)
			rq[i][w] = rng();
		size_t src = rng() % n;
		flip_bits(nd[i], db + 4 * src, (unsigned)(rng() % 17));
	}
	size_t rss0, hwm0;
	mem_status(&rss0, &hwm0);

	/* --- build ------------------------------------------------------- */
	double t0 = now();
	struct mih *m = mih_new(0);
	if (!m) {
		perror("bench-match: mih_new");
		return 2;
	}
	int rc = mih_add_batch(m, (const uint8_t *)db, ids, n);
	double build_s = now() - t0;
	if (rc) {
		fprintf(stderr, "bench-match: mih_add_batch: %d\n", rc);
		return 2;
	}
	free(ids);
	struct mih_stats st;
	mih_get_stats(m, &st);
	size_t rss1, hwm1;
	mem_status(&rss1, &hwm1);
	printf(
	    "build: %.2f s; index %.3f GiB allocated, %.3f GiB resident (VmRSS %.3f GiB after the "
	    "build - %.3f GiB before: the benchmark's own data), %zu segment(s), %zu in tail; "
	    "VmHWM %.3f GiB\n",
	    build_s, gb(st.bytes), gb(rss1 - rss0), gb(rss1), gb(rss0), st.segments, st.tail,
	    gb(hwm1));

	/* --- timed queries ---------------------------------------------- */
	size_t mr, mn;
	double qps_r = run_queries(m, (const uint64_t(*)[4])rq, nq, d, &mr);
	double qps_n = run_queries(m, (const uint64_t(*)[4])nd, nq, d, &mn);
	printf("index: random %.0f queries/s (%zu matches), near-duplicate %.0f queries/s "
	       "(%zu matches), one thread\n",
	       qps_r, mr, qps_n, mn);

	if (sweep) {
		static const unsigned ds[] = {0, 4, 8, 16, 24, 31, 32, 40, 48, 64};
		size_t sq = nq < 5000 ? nq : 5000;
		for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
			double a = run_queries(m, (const uint64_t(*)[4])rq, sq, ds[i], &mr);
			double b = run_queries(m, (const uint64_t(*)[4])nd, sq, ds[i], &mn);
			printf("  sweep d=%-3u random %8.0f q/s, near-duplicate %8.0f q/s "
			       "(%zu matches)\n",
			       ds[i], a, b, mn);
		}
	}

	/* --- check: the same sets as a linear scan ----------------------- */
	/* ncheck random, ncheck near-duplicates, and ncheck stored hashes with
	 * exactly d-1, d or d+1 bits flipped (matches on the boundary) */
	size_t nc = 3 * ncheck;
	uint64_t(*cq)[4] = malloc(nc * 32);
	if (!cq) {
		perror("bench-match: malloc");
		return 2;
	}
	memcpy(cq, rq, ncheck * 32);
	memcpy(cq + ncheck, nd, ncheck * 32);
	for (size_t i = 0; i < ncheck; i++)
		flip_bits(cq[2 * ncheck + i], db + 4 * (rng() % n),
		          (d ? d - 1 : 0) + (unsigned)(i % 3));
	struct hits out[8] = {0};
	struct mih_results res = {0};
	size_t bad = 0, checked_matches = 0;
	double scan_s = 0;
	for (size_t i = 0; i < nc; i += 8) {
		unsigned k = nc - i < 8 ? (unsigned)(nc - i) : 8;
		for (unsigned j = 0; j < 8; j++)
			out[j].n = 0;
		double s0 = now();
		scan8(db, n, (const uint64_t(*)[4])(cq + i), k, d, out);
		scan_s += now() - s0;
		for (unsigned j = 0; j < k; j++) {
			rc = mih_query(m, (const uint8_t *)cq[i + j], d, &res);
			qsort(out[j].v, out[j].n, sizeof *out[j].v, hit_cmp);
			bool same = rc == 0 && res.n == out[j].n;
			for (size_t x = 0; same && x < res.n; x++)
				same = res.match[x].id == out[j].v[x].id &&
				       res.match[x].distance == out[j].v[x].distance;
			checked_matches += out[j].n;
			if (!same) {
				bad++;
				fprintf(stderr,
				        "bench-match: query %zu: index %zu matches (rc %d), "
				        "scan %zu\n",
				        i + j, res.n, rc, out[j].n);
			}
		}
	}
	double scan_qps = (double)nc / scan_s;
	printf("linear scan (popcnt, 8 queries per pass): %.1f queries/s\n", scan_qps);
	printf("check: %zu queries (%zu random, %zu near-duplicate, %zu at d-1/d/d+1 bits), "
	       "%zu matches: %s\n",
	       nc, ncheck, ncheck, ncheck, checked_matches,
	       bad ? "DIFFERENT from the linear scan" : "identical to the linear scan");

	size_t rss2, hwm2;
	mem_status(&rss2, &hwm2);
	printf("memory: VmRSS %.3f GiB, VmHWM %.3f GiB (whole process, with the benchmark's "
	       "%.3f GiB copy of the hashes)\n",
	       gb(rss2), gb(hwm2), gb(n * 32));
	printf("match: n=%zu d=%u build %.1f s, random %.0f q/s, near-dup %.0f q/s, "
	       "linear scan %.1f q/s, VmHWM %.2f GiB, checked %zu: %s\n",
	       n, d, build_s, qps_r, qps_n, scan_qps, gb(hwm2), nc, bad ? "DIFFERENT" : "same");
	bool met = qps_r >= 2000 && qps_n >= 2000 && build_s < 30 && hwm2 <= 1500000000;
	printf("targets (>= 2000 q/s both kinds, build < 30 s, VmHWM <= 1.5 GB = 1.40 GiB, same "
	       "sets): %s\n",
	       met && !bad ? "met" : "NOT met");

	mih_results_free(&res);
	for (int j = 0; j < 8; j++)
		free(out[j].v);
	mih_free(m);
	free(cq);
	free(rq);
	free(nd);
	free(db);
	return bad ? 1 : 0;
}
