/* mih.c — the PDQ multi-index: store, segments, id map, queries.
 * mih.h explains the design; this file's comments say why the code is
 * shaped as it is.
 *
 * A query is a pipeline of four stages over batches, so that the cache
 * misses of one batch overlap instead of waiting one after another (the
 * index is ~1 GB: nearly every bucket and every candidate is a miss):
 *   1. enumerate the directory slots to visit, prefetching each slot;
 *   2. read each slot's [begin, end) and prefetch its entries;
 *   3. compare the entries' low chunk bits, keep candidates and prefetch
 *      their hashes;
 *   4. compute the full distance of each candidate and keep the matches. */
#include "mih.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "err.h"

#define NCHUNK 11
#define BLOCK_BITS 16
#define BLOCK_SIZE (1u << BLOCK_BITS)
#define BLOCK_MASK (BLOCK_SIZE - 1)
#define MAX_BLOCKS (1u << (32 - BLOCK_BITS))
/* Positions run from 0 to MAX_POS - 1; UINT32_MAX marks an empty id slot. */
#define MAX_POS (UINT32_MAX - 1u)
/* A directory slot holds about 2^SLOT_SHIFT entries on average: 3 keeps
 * the 11 directories at about 5 bytes an entry; each step lower doubles them for
 * a few per cent fewer cache lines per query. The three may be set with -D
 * for experiments (bench/match). */
#ifndef SLOT_SHIFT
#define SLOT_SHIFT 3
#endif
#ifndef SLOT_BATCH
#define SLOT_BATCH 256
#endif
#ifndef CAND_BATCH
#define CAND_BATCH 512
#endif
/* Reclaim removed entries once they are this many and outnumber the live. */
#define COMPACT_MIN 65536
/* Cost of one random memory access, in linearly scanned hashes. */
#define MISS_COST 30.0

/* The 11 chunks: 3 of 24 bits then 8 of 23 bits (3*24 + 8*23 = 256). */
static const uint8_t chunk_start[NCHUNK] = {0, 24, 48, 72, 95, 118, 141, 164, 187, 210, 233};
static const uint8_t chunk_bits[NCHUNK] = {24, 24, 24, 23, 23, 23, 23, 23, 23, 23, 23};

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_POPCNT_TARGET 1
#define POPCNT_TARGET __attribute__((target("popcnt")))
#else
#define POPCNT_TARGET
#endif
/* Everything a query runs is inlined into one of two entry points, one
 * compiled for the popcnt instruction and one without. */
#define HOT static inline __attribute__((always_inline))

#if defined(__SANITIZE_ADDRESS__)
#define HL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HL_ASAN 1
#endif
#endif

/* ---- large allocations ------------------------------------------------- */

/* Arrays of 1 MB and more come from mmap, aligned to 2 MB and marked for
 * transparent huge pages: a query's random accesses then rarely miss the
 * TLB. Under AddressSanitizer everything goes through calloc so that it is
 * checked. Both return zeroed memory. */
#define HUGE_MIN (1u << 20)
#define HUGE_ALIGN ((size_t)2 << 20)

#ifndef HL_ASAN
static size_t round_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}
#endif

static void *big_alloc(size_t size)
{
#ifndef HL_ASAN
	if (size >= HUGE_MIN) {
		size_t body = round_up(size, HUGE_ALIGN);
		size_t len = body + HUGE_ALIGN;
		uint8_t *p =
		    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		uintptr_t a = ((uintptr_t)p + HUGE_ALIGN - 1) & ~(uintptr_t)(HUGE_ALIGN - 1);
		size_t head = a - (uintptr_t)p;
		if (head)
			munmap(p, head);
		if (len - head - body)
			munmap((uint8_t *)a + body, len - head - body);
		madvise((void *)a, body, MADV_HUGEPAGE);
		return (void *)a;
	}
#endif
	return calloc(1, size ? size : 1);
}

static void big_free(void *p, size_t size)
{
	if (!p)
		return;
#ifndef HL_ASAN
	if (size >= HUGE_MIN) {
		munmap(p, round_up(size, HUGE_ALIGN));
		return;
	}
#endif
	(void)size;
	free(p);
}

/* ---- data ---------------------------------------------------------------- */

/* BLOCK_SIZE entries of the store. Never moves once allocated. */
struct blk {
	uint64_t (*hash)[4];
	uint32_t *id;
	_Atomic uint8_t *dead;
};

/* One chunk's table in a segment. ent holds the segment's live entries
 * grouped by the chunk's top p bits; dir[v] .. dir[v + 1] is the group of
 * top value v. Each word is (the chunk's low bits << rel_bits) | (the
 * position - seg->lo). */
struct table {
	uint32_t *dir;
	uint32_t *ent;
	uint8_t p, low_bits, rel_bits;
};

/* The index over store positions [lo, hi); immutable once built. */
struct seg {
	uint32_t lo, hi;
	uint32_t n; /* live entries at build, the length of each ent */
	struct table t[NCHUNK];
};

/* What queries read. Swapped whole by a compaction. */
struct state {
	struct blk *blk;        /* MAX_BLOCKS; the first nblk allocated */
	uint32_t nblk;          /* writer only */
	_Atomic uint32_t count; /* positions [0, count) are visible */
	uint32_t indexed;       /* positions [0, indexed) are in segments */
	struct seg **seg;       /* nseg segments, oldest (largest) first */
	uint32_t nseg;
};

/* id -> position, open addressing with linear probing; writer only. A
 * slot is (id << 32) | position, all ones when empty. */
struct idmap {
	uint64_t *slot;
	size_t mask; /* capacity - 1, capacity a power of two */
	size_t n;
};

struct mih {
	pthread_rwlock_t rw; /* read: queries; write: changing s or s's segments */
	pthread_mutex_t wr;  /* serialises writers */
	struct state *s;
	struct idmap ids;
	size_t max_entries;
	_Atomic size_t live, dead, idmap_bytes;
	_Atomic int strategy;
	bool popcnt;
};

/* ---- bit helpers ------------------------------------------------------- */

HOT unsigned pop64(uint64_t x)
{
	return (unsigned)__builtin_popcountll(x);
}

HOT unsigned dist4(const uint64_t *a, const uint64_t *b)
{
	return pop64(a[0] ^ b[0]) + pop64(a[1] ^ b[1]) + pop64(a[2] ^ b[2]) + pop64(a[3] ^ b[3]);
}

HOT uint32_t chunk_get(const uint64_t *w, unsigned t)
{
	unsigned s = chunk_start[t], b = chunk_bits[t];
	unsigned wi = s >> 6, off = s & 63;
	uint64_t v = w[wi] >> off;
	if (off + b > 64)
		v |= w[wi + 1] << (64 - off);
	return (uint32_t)(v & ((1u << b) - 1));
}

static void load_words(uint64_t w[4], const uint8_t *bytes)
{
	memcpy(w, bytes, MIH_HASH_BYTES);
}

unsigned mih_distance(const uint8_t *a, const uint8_t *b)
{
	uint64_t x[4], y[4];
	load_words(x, a);
	load_words(y, b);
	return dist4(x, y);
}

static unsigned floor_log2(uint64_t n)
{
	return n ? 63u - (unsigned)__builtin_clzll(n) : 0;
}

/* ---- id map -------------------------------------------------------------- */

#define ID_EMPTY UINT64_MAX

static size_t idmap_home(uint32_t id, size_t mask)
{
	uint32_t x = id; /* lowbias32: ids are often sequential */
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x & mask;
}

static bool slot_empty(uint64_t v)
{
	return (uint32_t)v == UINT32_MAX;
}

static void idmap_free(struct idmap *im)
{
	big_free(im->slot, (im->mask + 1) * sizeof(uint64_t));
	memset(im, 0, sizeof *im);
}

/* The slot holding id, or -1. */
static ptrdiff_t idmap_find(const struct idmap *im, uint32_t id)
{
	if (!im->slot)
		return -1;
	for (size_t i = idmap_home(id, im->mask);; i = (i + 1) & im->mask) {
		uint64_t v = im->slot[i];
		if (slot_empty(v))
			return -1;
		if ((uint32_t)(v >> 32) == id)
			return (ptrdiff_t)i;
	}
}

static void idmap_put(struct idmap *im, uint64_t v)
{
	size_t i = idmap_home((uint32_t)(v >> 32), im->mask);
	while (!slot_empty(im->slot[i]))
		i = (i + 1) & im->mask;
	im->slot[i] = v;
}

/* Makes room for want entries at most 70% full. */
static int idmap_reserve(struct mih *m, size_t want)
{
	struct idmap *im = &m->ids;
	size_t cap = im->slot ? im->mask + 1 : 0;
	if (want <= cap / 10 * 7)
		return 0;
	size_t ncap = cap ? cap : 1024;
	while (want > ncap / 10 * 7)
		ncap *= 2;
	uint64_t *ns = big_alloc(ncap * sizeof(uint64_t));
	if (!ns)
		return HL_ENOMEM;
	memset(ns, 0xff, ncap * sizeof(uint64_t));
	struct idmap n = {ns, ncap - 1, im->n};
	for (size_t i = 0; i < cap; i++)
		if (!slot_empty(im->slot[i]))
			idmap_put(&n, im->slot[i]);
	big_free(im->slot, cap * sizeof(uint64_t));
	*im = n;
	atomic_store(&m->idmap_bytes, ncap * sizeof(uint64_t));
	return 0;
}

/* Needs room (idmap_reserve). HL_EEXIST when id is present. */
static int idmap_insert(struct idmap *im, uint32_t id, uint32_t pos)
{
	size_t i = idmap_home(id, im->mask);
	for (;; i = (i + 1) & im->mask) {
		uint64_t v = im->slot[i];
		if (slot_empty(v))
			break;
		if ((uint32_t)(v >> 32) == id)
			return HL_EEXIST;
	}
	im->slot[i] = (uint64_t)id << 32 | pos;
	im->n++;
	return 0;
}

/* Deletes slot i, shifting back the entries after it (no tombstones). */
static void idmap_delete_at(struct idmap *im, size_t i)
{
	size_t j = i;
	for (;;) {
		j = (j + 1) & im->mask;
		uint64_t v = im->slot[j];
		if (slot_empty(v))
			break;
		size_t k = idmap_home((uint32_t)(v >> 32), im->mask);
		/* v stays at j if its home k lies cyclically in (i, j] */
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stays) {
			im->slot[i] = v;
			i = j;
		}
	}
	im->slot[i] = ID_EMPTY;
	im->n--;
}

static void idmap_delete(struct idmap *im, uint32_t id)
{
	ptrdiff_t i = idmap_find(im, id);
	if (i >= 0)
		idmap_delete_at(im, (size_t)i);
}

/* ---- store and segments -------------------------------------------------- */

static void seg_free(struct seg *g)
{
	if (!g)
		return;
	for (unsigned t = 0; t < NCHUNK; t++) {
		big_free(g->t[t].dir, (((size_t)1 << g->t[t].p) + 1) * sizeof(uint32_t));
		big_free(g->t[t].ent, (size_t)g->n * sizeof(uint32_t));
	}
	free(g);
}

static size_t seg_bytes(const struct seg *g)
{
	size_t b = sizeof *g;
	for (unsigned t = 0; t < NCHUNK; t++)
		b += (((size_t)1 << g->t[t].p) + 1 + g->n) * sizeof(uint32_t);
	return b;
}

static struct state *state_new(void)
{
	struct state *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->blk = calloc(MAX_BLOCKS, sizeof *s->blk);
	if (!s->blk) {
		free(s);
		return NULL;
	}
	return s;
}

static void state_free(struct state *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nblk; i++) {
		big_free(s->blk[i].hash, (size_t)BLOCK_SIZE * 32);
		free(s->blk[i].id);
		free((void *)s->blk[i].dead);
	}
	for (uint32_t i = 0; i < s->nseg; i++)
		seg_free(s->seg[i]);
	free(s->seg);
	free(s->blk);
	free(s);
}

static bool is_dead(const struct state *s, uint32_t pos)
{
	return atomic_load_explicit(&s->blk[pos >> BLOCK_BITS].dead[pos & BLOCK_MASK],
	                            memory_order_relaxed) != 0;
}

static const uint64_t *hash_at(const struct state *s, uint32_t pos)
{
	return s->blk[pos >> BLOCK_BITS].hash[pos & BLOCK_MASK];
}

/* Allocates blocks so that positions below upto exist. Writer only. */
static int store_reserve(struct state *s, uint64_t upto)
{
	while ((uint64_t)s->nblk * BLOCK_SIZE < upto) {
		struct blk b;
		b.hash = big_alloc((size_t)BLOCK_SIZE * 32);
		b.id = malloc((size_t)BLOCK_SIZE * sizeof(uint32_t));
		b.dead = calloc(BLOCK_SIZE, 1);
		if (!b.hash || !b.id || !b.dead) {
			big_free(b.hash, (size_t)BLOCK_SIZE * 32);
			free(b.id);
			free((void *)b.dead);
			return HL_ENOMEM;
		}
		s->blk[s->nblk++] = b;
	}
	return 0;
}

/* Writes one entry at pos (not yet visible; room reserved). */
static void store_put(struct state *s, uint32_t pos, const uint64_t w[4], uint32_t id)
{
	struct blk *b = &s->blk[pos >> BLOCK_BITS];
	memcpy(b->hash[pos & BLOCK_MASK], w, 32);
	b->id[pos & BLOCK_MASK] = id;
	atomic_store_explicit(&b->dead[pos & BLOCK_MASK], 0, memory_order_relaxed);
}

/* Calls the body once per live position in [lo, hi), with h its words. */
#define FOR_LIVE(s, lo, hi, pos, h, ...)                                                           \
	for (uint32_t pos = (lo); pos < (hi);) {                                                   \
		const struct blk *b_ = &(s)->blk[pos >> BLOCK_BITS];                               \
		uint32_t end_ = (pos | BLOCK_MASK) + 1u;                                           \
		if (end_ == 0 || end_ > (hi))                                                      \
			end_ = (hi);                                                               \
		for (; pos < end_; pos++) {                                                        \
			if (atomic_load_explicit(&b_->dead[pos & BLOCK_MASK],                      \
			                         memory_order_relaxed))                            \
				continue;                                                          \
			const uint64_t *h = b_->hash[pos & BLOCK_MASK];                            \
			__VA_ARGS__                                                                \
		}                                                                                  \
	}

/* Builds the segment over the live entries of positions [lo, hi). Reads
 * only what the writer owns; runs outside the reader-writer lock. NULL
 * when out of memory.
 *
 * Scattering 10 million entries straight into 2^20 directory slots would
 * miss the cache on every write, so each table is built in two steps that
 * stay in cache: entries are first partitioned by the top 8 bits of their
 * slot into at most 256 buckets (256 sequential write streams), then each
 * bucket (~40,000 entries at 10 million) is counted and placed into its
 * slots on its own. One pass over the store counts the buckets of all
 * eleven tables; one more per table partitions. */
static struct seg *seg_build(const struct state *s, uint32_t lo, uint32_t hi)
{
	struct seg *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->lo = lo;
	g->hi = hi;
	uint32_t n = 0;
	FOR_LIVE(s, lo, hi, pos, h, {
		(void)h;
		n++;
	});
	g->n = n;
	uint64_t span = (uint64_t)hi - lo;
	unsigned sb[NCHUNK]; /* slot bits below the bucket bits */
	for (unsigned t = 0; t < NCHUNK; t++) {
		struct table *tb = &g->t[t];
		unsigned b = chunk_bits[t];
		int p = (int)floor_log2(n) - SLOT_SHIFT;
		if (p < 0)
			p = 0;
		if (p > (int)b)
			p = (int)b;
		/* the position within the segment must fit beside the low bits */
		while (p < (int)b && span > ((uint64_t)1 << (32 - (b - (unsigned)p))))
			p++;
		tb->p = (uint8_t)p;
		tb->low_bits = (uint8_t)(b - (unsigned)p);
		tb->rel_bits = (uint8_t)(32 - tb->low_bits);
		sb[t] = p > 8 ? (unsigned)p - 8 : 0;
	}
	uint32_t(*hist)[257] = calloc(NCHUNK, sizeof *hist);
	uint16_t *sub = malloc((size_t)(n ? n : 1) * sizeof *sub);
	uint32_t *cursor = malloc(((size_t)1 << 16) * sizeof *cursor);
	uint32_t *scratch = NULL;
	if (!hist || !sub || !cursor)
		goto nomem;
	FOR_LIVE(s, lo, hi, pos, h, {
		for (unsigned t = 0; t < NCHUNK; t++)
			hist[t][(chunk_get(h, t) >> (g->t[t].low_bits + sb[t])) + 1]++;
	});
	uint32_t maxb = 0;
	for (unsigned t = 0; t < NCHUNK; t++)
		for (unsigned v = 1; v <= 256; v++) {
			if (hist[t][v] > maxb)
				maxb = hist[t][v];
			hist[t][v] += hist[t][v - 1];
		}
	scratch = malloc((size_t)(maxb ? maxb : 1) * sizeof *scratch);
	if (!scratch)
		goto nomem;
	for (unsigned t = 0; t < NCHUNK; t++) {
		struct table *tb = &g->t[t];
		size_t nslot = (size_t)1 << tb->p;
		tb->dir = big_alloc((nslot + 1) * sizeof(uint32_t));
		tb->ent = big_alloc((size_t)n * sizeof(uint32_t));
		if (!tb->dir || !tb->ent)
			goto nomem;
		unsigned lb = tb->low_bits, rb = tb->rel_bits, sbt = sb[t];
		uint32_t lmask = (uint32_t)(((uint64_t)1 << lb) - 1);
		uint32_t smask = ((uint32_t)1 << sbt) - 1;
		uint32_t *dir = tb->dir, *ent = tb->ent;
		unsigned nbucket = (unsigned)(nslot >> sbt);
		uint32_t bcur[256];
		memcpy(bcur, hist[t], nbucket * sizeof *bcur);
		FOR_LIVE(s, lo, hi, pos, h, {
			uint32_t c = chunk_get(h, t), v = c >> lb;
			uint32_t k = bcur[v >> sbt]++;
			ent[k] = (uint32_t)((uint64_t)(c & lmask) << rb | (pos - lo));
			sub[k] = (uint16_t)(v & smask);
		});
		for (unsigned bi = 0; bi < nbucket; bi++) {
			uint32_t from = hist[t][bi], to = hist[t][bi + 1];
			uint32_t *d = dir + ((size_t)bi << sbt);
			memcpy(scratch, ent + from, (size_t)(to - from) * sizeof *scratch);
			for (uint32_t i = from; i < to; i++)
				d[sub[i]]++;
			uint32_t acc = from;
			for (uint32_t j = 0; j <= smask; j++) {
				uint32_t c = d[j];
				d[j] = cursor[j] = acc;
				acc += c;
			}
			for (uint32_t i = from; i < to; i++)
				ent[cursor[sub[i]]++] = scratch[i - from];
		}
		dir[nslot] = n;
	}
	free(hist);
	free(sub);
	free(cursor);
	free(scratch);
	return g;
nomem:
	free(hist);
	free(sub);
	free(cursor);
	free(scratch);
	seg_free(g);
	return NULL;
}

/* ---- queries --------------------------------------------------------------- */

struct slotq {
	uint32_t v;          /* directory slot */
	uint32_t begin, end; /* its entries */
	uint8_t t, rr;       /* table; low bits that may still differ */
};

struct cand {
	uint32_t pos;
	uint32_t t;
};

struct qctx {
	const struct state *s;
	const struct seg *g;
	uint64_t q[4];
	uint32_t qc[NCHUNK];
	unsigned d, r;
	struct mih_results *res;
	bool full; /* res reached res->limit with more to come */
	int err;
	unsigned nslot, ncand;
	struct slotq slot[SLOT_BATCH];
	struct cand cand[CAND_BATCH];
};

static void res_push(struct qctx *c, uint32_t id, uint32_t dist)
{
	struct mih_results *res = c->res;
	if (res->limit && res->n >= res->limit) {
		c->full = true;
		return;
	}
	if (res->n == res->cap) {
		size_t ncap = res->cap ? res->cap * 2 : 16;
		struct mih_match *nm = realloc(res->match, ncap * sizeof *nm);
		if (!nm) {
			c->err = HL_ENOMEM;
			return;
		}
		res->match = nm;
		res->cap = ncap;
	}
	res->match[res->n].id = id;
	res->match[res->n].distance = dist;
	res->n++;
}

static bool ctx_stop(const struct qctx *c)
{
	return c->full || c->err;
}

HOT void scan_range(struct qctx *c, uint32_t lo, uint32_t hi)
{
	const struct state *s = c->s;
	const uint64_t *q = c->q;
	unsigned d = c->d;
	for (uint32_t pos = lo; pos < hi && !ctx_stop(c);) {
		const struct blk *b = &s->blk[pos >> BLOCK_BITS];
		uint32_t end = (pos | BLOCK_MASK) + 1u;
		if (end == 0 || end > hi)
			end = hi;
		uint64_t(*hb)[4] = b->hash;
		for (; pos < end; pos++) {
			unsigned dist = dist4(hb[pos & BLOCK_MASK], q);
			if (dist <= d &&
			    !atomic_load_explicit(&b->dead[pos & BLOCK_MASK], memory_order_relaxed))
				res_push(c, b->id[pos & BLOCK_MASK], dist);
		}
	}
}

/* Stage 4: full distances. A match is kept only from the first chunk in
 * which it lies within r bits of the query, so each is kept once. */
HOT void flush_cands(struct qctx *c)
{
	const struct state *s = c->s;
	for (unsigned i = 0; i < c->ncand; i++) {
		uint32_t pos = c->cand[i].pos;
		const uint64_t *h = hash_at(s, pos);
		unsigned dist = dist4(h, c->q);
		if (dist > c->d)
			continue;
		bool seen = false;
		for (unsigned j = 0; j < c->cand[i].t; j++)
			if (pop64(chunk_get(h, j) ^ c->qc[j]) <= c->r) {
				seen = true;
				break;
			}
		if (seen || is_dead(s, pos))
			continue;
		res_push(c, s->blk[pos >> BLOCK_BITS].id[pos & BLOCK_MASK], dist);
	}
	c->ncand = 0;
}

/* Stages 2 and 3 for the batch of slots. */
HOT void flush_slots(struct qctx *c)
{
	const struct seg *g = c->g;
	const struct state *s = c->s;
	for (unsigned i = 0; i < c->nslot; i++) {
		struct slotq *sl = &c->slot[i];
		const struct table *tb = &g->t[sl->t];
		sl->begin = tb->dir[sl->v];
		sl->end = tb->dir[sl->v + 1];
		/* every cache line of the slot's entries (usually one or two) */
		if (sl->begin < sl->end) {
			const char *a = (const char *)&tb->ent[sl->begin];
			const char *z = (const char *)&tb->ent[sl->end - 1];
			for (int k = 0; a < z && k < 8; a += 64, k++)
				__builtin_prefetch(a);
			__builtin_prefetch(z);
		}
	}
	for (unsigned i = 0; i < c->nslot; i++) {
		const struct slotq *sl = &c->slot[i];
		const struct table *tb = &g->t[sl->t];
		unsigned rb = tb->rel_bits, rr = sl->rr;
		uint64_t qlo = c->qc[sl->t] & (uint32_t)(((uint64_t)1 << tb->low_bits) - 1);
		uint32_t rmask = (uint32_t)(((uint64_t)1 << rb) - 1);
		const uint32_t *ent = tb->ent;
		for (uint32_t k = sl->begin; k < sl->end; k++) {
			uint32_t e = ent[k];
			if (pop64(((uint64_t)e >> rb) ^ qlo) > rr)
				continue;
			uint32_t pos = g->lo + (e & rmask);
			__builtin_prefetch(hash_at(s, pos));
			c->cand[c->ncand].pos = pos;
			c->cand[c->ncand].t = sl->t;
			if (++c->ncand == CAND_BATCH)
				flush_cands(c);
		}
	}
	c->nslot = 0;
}

/* Stage 1: one slot to visit. */
HOT void push_slot(struct qctx *c, unsigned t, uint32_t v, unsigned rr)
{
	__builtin_prefetch(&c->g->t[t].dir[v]);
	struct slotq *sl = &c->slot[c->nslot];
	sl->v = v;
	sl->t = (uint8_t)t;
	sl->rr = (uint8_t)rr;
	if (++c->nslot == SLOT_BATCH)
		flush_slots(c);
}

HOT void search_seg(struct qctx *c, const struct seg *g)
{
	c->g = g;
	for (unsigned t = 0; t < NCHUNK && !ctx_stop(c); t++) {
		const struct table *tb = &g->t[t];
		unsigned p = tb->p;
		uint32_t qv = c->qc[t] >> tb->low_bits;
		unsigned kmax = c->r < p ? c->r : p;
		push_slot(c, t, qv, c->r);
		/* every p-bit mask of k bits, in increasing order (Gosper) */
		for (unsigned k = 1; k <= kmax; k++) {
			uint32_t limit = (uint32_t)1 << p;
			for (uint32_t mask = ((uint32_t)1 << k) - 1; mask < limit;) {
				push_slot(c, t, qv ^ mask, c->r - k);
				uint32_t low = mask & (0u - mask), ripple = mask + low;
				mask = (((ripple ^ mask) >> 2) / low) | ripple;
			}
		}
	}
	flush_slots(c);
	flush_cands(c);
}

static double ball(unsigned b, unsigned r)
{
	double sum = 0, c = 1;
	for (unsigned k = 0; k <= r && k <= b; k++) {
		sum += c;
		c = c * (b - k) / (k + 1);
	}
	return sum;
}

/* Whether the index beats a scan of the segment's positions at radius r. */
static bool seg_use_index(const struct seg *g, unsigned r)
{
	double probes = 0, scanned = 0, cands = 0;
	for (unsigned t = 0; t < NCHUNK; t++) {
		double bp = ball(g->t[t].p, r);
		probes += bp;
		scanned += bp * g->n / (double)((uint64_t)1 << g->t[t].p);
		cands += ball(chunk_bits[t], r) * g->n / (double)((uint64_t)1 << chunk_bits[t]);
	}
	return MISS_COST * (probes + cands) + scanned < (double)(g->hi - g->lo);
}

HOT void query_body(struct qctx *c, uint32_t nseg, struct seg *const *segs, uint32_t indexed,
                    uint32_t count, int strategy)
{
	for (uint32_t i = 0; i < nseg && !ctx_stop(c); i++) {
		const struct seg *g = segs[i];
		bool idx = strategy == MIH_STRATEGY_INDEX ||
		           (strategy == MIH_STRATEGY_AUTO && seg_use_index(g, c->r));
		if (idx)
			search_seg(c, g);
		else
			scan_range(c, g->lo, g->hi);
	}
	if (!ctx_stop(c))
		scan_range(c, indexed, count);
}

#ifdef HAVE_POPCNT_TARGET
POPCNT_TARGET static void query_popcnt(struct qctx *c, uint32_t nseg, struct seg *const *segs,
                                       uint32_t indexed, uint32_t count, int strategy)
{
	query_body(c, nseg, segs, indexed, count, strategy);
}
#endif

static void query_plain(struct qctx *c, uint32_t nseg, struct seg *const *segs, uint32_t indexed,
                        uint32_t count, int strategy)
{
	query_body(c, nseg, segs, indexed, count, strategy);
}

static int match_cmp(const void *a, const void *b)
{
	const struct mih_match *x = a, *y = b;
	if (x->distance != y->distance)
		return x->distance < y->distance ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int mih_query(struct mih *m, const uint8_t *hash, unsigned max_distance, struct mih_results *res)
{
	if (!m || !hash || !res || max_distance > MIH_MAX_DISTANCE)
		return HL_EINVAL;
	res->n = 0;
	struct qctx *c = malloc(sizeof *c);
	if (!c)
		return HL_ENOMEM;
	c->res = res;
	c->full = false;
	c->err = 0;
	c->nslot = c->ncand = 0;
	c->g = NULL;
	load_words(c->q, hash);
	for (unsigned t = 0; t < NCHUNK; t++)
		c->qc[t] = chunk_get(c->q, t);
	c->d = max_distance;
	/* some chunk lies within r bits when 11 * (r + 1) > d */
	c->r = max_distance / NCHUNK;
	int strategy = atomic_load_explicit(&m->strategy, memory_order_relaxed);

	pthread_rwlock_rdlock(&m->rw);
	const struct state *s = m->s;
	c->s = s;
	uint32_t count = atomic_load_explicit(&s->count, memory_order_acquire);
#ifdef HAVE_POPCNT_TARGET
	if (m->popcnt)
		query_popcnt(c, s->nseg, s->seg, s->indexed, count, strategy);
	else
#endif
		query_plain(c, s->nseg, s->seg, s->indexed, count, strategy);
	pthread_rwlock_unlock(&m->rw);

	int rc = c->err ? c->err : c->full ? HL_ETOOBIG : 0;
	free(c);
	if (res->n > 1)
		qsort(res->match, res->n, sizeof *res->match, match_cmp);
	return rc;
}

void mih_results_free(struct mih_results *res)
{
	if (!res)
		return;
	free(res->match);
	res->match = NULL;
	res->n = res->cap = 0;
}

/* ---- writers --------------------------------------------------------------- */

struct mih *mih_new(size_t max_entries)
{
	struct mih *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->s = state_new();
	if (!m->s) {
		free(m);
		return NULL;
	}
	pthread_rwlockattr_t ra;
	pthread_rwlockattr_init(&ra);
	/* a steady stream of queries must not starve an import */
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&m->rw, &ra);
	pthread_rwlockattr_destroy(&ra);
	pthread_mutex_init(&m->wr, NULL);
	m->max_entries = max_entries && max_entries < MAX_POS ? max_entries : MAX_POS;
	atomic_init(&m->strategy, MIH_STRATEGY_AUTO);
#ifdef HAVE_POPCNT_TARGET
	__builtin_cpu_init();
	m->popcnt = __builtin_cpu_supports("popcnt");
#endif
	return m;
}

void mih_free(struct mih *m)
{
	if (!m)
		return;
	state_free(m->s);
	idmap_free(&m->ids);
	pthread_rwlock_destroy(&m->rw);
	pthread_mutex_destroy(&m->wr);
	free(m);
}

/* Makes positions [count, upto) of s visible, indexing them first when the
 * tail would reach MIH_TAIL_MAX: the new segment replaces every segment at
 * most twice its size, so sizes fall by more than half from one segment
 * to the next. Writer only. */
static int publish(struct mih *m, struct state *s, uint32_t upto)
{
	if (upto - s->indexed < MIH_TAIL_MAX) {
		atomic_store_explicit(&s->count, upto, memory_order_release);
		return 0;
	}
	uint64_t acc = upto - s->indexed;
	uint32_t k = s->nseg;
	while (k > 0 && s->seg[k - 1]->n <= 2 * acc) {
		acc += s->seg[k - 1]->n;
		k--;
	}
	uint32_t lo = k < s->nseg ? s->seg[k]->lo : s->indexed;
	struct seg *g = seg_build(s, lo, upto);
	struct seg **list = malloc((k + 1) * sizeof *list);
	if (!g || !list) {
		seg_free(g);
		free(list);
		return HL_ENOMEM;
	}
	if (k)
		memcpy(list, s->seg, k * sizeof *list);
	uint32_t nlist = k;
	if (g->n)
		list[nlist++] = g;
	else
		seg_free(g);

	struct seg **old = s->seg;
	uint32_t nold = s->nseg;
	pthread_rwlock_wrlock(&m->rw);
	s->seg = list;
	s->nseg = nlist;
	s->indexed = upto;
	atomic_store_explicit(&s->count, upto, memory_order_release);
	pthread_rwlock_unlock(&m->rw);
	for (uint32_t i = k; i < nold; i++)
		seg_free(old[i]);
	free(old);
	return 0;
}

/* Rebuilds everything without removed entries, as a new state swapped in
 * at once. Writer only. */
static int compact_locked(struct mih *m)
{
	struct state *old = m->s, *ns = state_new();
	if (!ns)
		return HL_ENOMEM;
	uint32_t count = atomic_load_explicit(&old->count, memory_order_relaxed);
	uint32_t n = 0;
	int rc = store_reserve(ns, atomic_load(&m->live));
	if (rc) {
		state_free(ns);
		return rc;
	}
	FOR_LIVE(old, 0, count, pos, h, {
		store_put(ns, n, h, old->blk[pos >> BLOCK_BITS].id[pos & BLOCK_MASK]);
		n++;
	});
	struct seg *g = NULL;
	if (n >= MIH_TAIL_MAX) {
		g = seg_build(ns, 0, n);
		ns->seg = malloc(sizeof *ns->seg);
		if (!g || !ns->seg) {
			seg_free(g);
			state_free(ns);
			return HL_ENOMEM;
		}
		ns->seg[0] = g;
		ns->nseg = 1;
		ns->indexed = n;
	}
	atomic_store_explicit(&ns->count, n, memory_order_relaxed);

	pthread_rwlock_wrlock(&m->rw);
	m->s = ns;
	pthread_rwlock_unlock(&m->rw);
	/* the new positions, in the same order as the old live ones */
	for (uint32_t i = 0; i < n; i++) {
		ptrdiff_t at = idmap_find(&m->ids, ns->blk[i >> BLOCK_BITS].id[i & BLOCK_MASK]);
		m->ids.slot[at] = (m->ids.slot[at] & ~(uint64_t)UINT32_MAX) | i;
	}
	state_free(old);
	atomic_store(&m->dead, 0);
	return 0;
}

static int add_locked(struct mih *m, const uint8_t *hashes, const uint32_t *ids, size_t n)
{
	if (atomic_load(&m->live) + n > m->max_entries)
		return HL_ETOOBIG;
	struct state *s = m->s;
	uint32_t count = atomic_load_explicit(&s->count, memory_order_relaxed);
	if ((uint64_t)count + n > MAX_POS && atomic_load(&m->dead)) {
		int rc = compact_locked(m);
		if (rc)
			return rc;
		s = m->s;
		count = atomic_load_explicit(&s->count, memory_order_relaxed);
	}
	if ((uint64_t)count + n > MAX_POS)
		return HL_ETOOBIG;
	int rc = idmap_reserve(m, m->ids.n + n);
	if (rc)
		return rc;
	size_t i = 0;
	for (; i < n; i++) {
		rc = idmap_insert(&m->ids, ids[i], (uint32_t)(count + i));
		if (rc)
			goto undo;
	}
	rc = store_reserve(s, (uint64_t)count + n);
	if (rc)
		goto undo;
	for (size_t j = 0; j < n; j++) {
		uint64_t w[4];
		load_words(w, hashes + j * MIH_HASH_BYTES);
		store_put(s, (uint32_t)(count + j), w, ids[j]);
	}
	rc = publish(m, s, (uint32_t)(count + n));
	if (rc)
		goto undo;
	atomic_fetch_add(&m->live, n);
	return 0;
undo:
	while (i > 0)
		idmap_delete(&m->ids, ids[--i]);
	return rc;
}

int mih_add_batch(struct mih *m, const uint8_t *hashes, const uint32_t *ids, size_t n)
{
	if (!m || (n && (!hashes || !ids)))
		return HL_EINVAL;
	if (n == 0)
		return 0;
	if (n > MAX_POS)
		return HL_ETOOBIG;
	pthread_mutex_lock(&m->wr);
	int rc = add_locked(m, hashes, ids, n);
	pthread_mutex_unlock(&m->wr);
	return rc;
}

int mih_add(struct mih *m, const uint8_t *hash, uint32_t id)
{
	return mih_add_batch(m, hash, &id, 1);
}

int mih_remove(struct mih *m, uint32_t id)
{
	if (!m)
		return HL_EINVAL;
	pthread_mutex_lock(&m->wr);
	ptrdiff_t at = idmap_find(&m->ids, id);
	if (at < 0) {
		pthread_mutex_unlock(&m->wr);
		return HL_ENOTFOUND;
	}
	uint32_t pos = (uint32_t)m->ids.slot[at];
	idmap_delete_at(&m->ids, (size_t)at);
	struct state *s = m->s;
	atomic_store_explicit(&s->blk[pos >> BLOCK_BITS].dead[pos & BLOCK_MASK], 1,
	                      memory_order_relaxed);
	size_t live = atomic_fetch_sub(&m->live, 1) - 1;
	size_t dead = atomic_fetch_add(&m->dead, 1) + 1;
	/* reclaim the space when most of the store is removed entries; on
	 * failure the garbage stays until a later try */
	if (dead >= COMPACT_MIN && dead > live)
		(void)compact_locked(m);
	pthread_mutex_unlock(&m->wr);
	return 0;
}

int mih_compact(struct mih *m)
{
	if (!m)
		return HL_EINVAL;
	pthread_mutex_lock(&m->wr);
	int rc = compact_locked(m);
	pthread_mutex_unlock(&m->wr);
	return rc;
}

void mih_get_stats(struct mih *m, struct mih_stats *st)
{
	memset(st, 0, sizeof *st);
	if (!m)
		return;
	pthread_rwlock_rdlock(&m->rw);
	const struct state *s = m->s;
	uint32_t count = atomic_load_explicit(&s->count, memory_order_acquire);
	st->entries = atomic_load(&m->live);
	st->removed = atomic_load(&m->dead);
	st->segments = s->nseg;
	st->tail = count - s->indexed;
	size_t bytes = sizeof *m + sizeof *s + (size_t)MAX_BLOCKS * sizeof(struct blk);
	/* blocks are only read here, never freed outside the write lock */
	bytes += (size_t)((count + BLOCK_MASK) >> BLOCK_BITS) *
	         ((size_t)BLOCK_SIZE * (32 + sizeof(uint32_t) + 1));
	for (uint32_t i = 0; i < s->nseg; i++)
		bytes += seg_bytes(s->seg[i]);
	pthread_rwlock_unlock(&m->rw);
	st->bytes = bytes + atomic_load(&m->idmap_bytes);
}

void mih_set_strategy(struct mih *m, enum mih_strategy s)
{
	if (m)
		atomic_store(&m->strategy, (int)s);
}
