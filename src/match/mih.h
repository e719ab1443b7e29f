/* mih.h — the in-memory index of 256-bit PDQ hashes: "every entry within
 * Hamming distance d of this hash", for tens of millions of entries.
 *
 * Multi-index hashing. The 256 bits are cut into 11 chunks (3 of 24 bits,
 * 8 of 23). By the pigeonhole principle a hash within distance d of the
 * query agrees within r = d / 11 bits with it on at least one chunk, so a
 * query visits, per chunk, every bucket within r bits of the query's chunk
 * (r = 2 at d = 31: 1 + b + b(b-1)/2 buckets), checks the full 256 bits of
 * each entry found there, and reports an entry only from the first chunk
 * where it lies within r bits, so no set is needed to drop duplicates.
 * Where that would cost more than reading every hash (large d, small
 * segments), the query scans instead. Either way the answer is exactly the
 * set a linear scan gives.
 *
 * Layout, about 100 bytes an entry (0.93 GiB for 10 million):
 *  - the hashes (32 bytes), ids (4) and a removed flag (1) live in an
 *    append-only store of fixed blocks of 65,536 entries that never move;
 *    the store's position of an entry is its 32-bit internal number;
 *  - the store's positions are indexed by segments; each holds, per chunk,
 *    one array of 32-bit words sorted by chunk value (the chunk's low bits
 *    over the position within the segment) and a directory of offsets on
 *    the chunk's top bits, about 8 entries per directory slot (44 bytes per
 *    entry for the 11 chunks);
 *  - an id -> position table (8-byte slots, at most 70% full) lets the
 *    writer refuse a reused id and remove an entry by its id.
 *
 * Updates and concurrency. Entries added after the first build land in a
 * tail of at most MIH_TAIL_MAX entries that queries scan; when it fills, it
 * becomes a segment, and a new segment is merged with the ones before it
 * that are at most twice its size, so there are O(log n) segments and each
 * entry is re-indexed O(log n) times. Segments are built outside any lock
 * that queries take; a reader-writer lock (preferring writers) is held for
 * writing only for the moment the new segment list is swapped in, so
 * queries run on while an import is indexed. New entries become visible to
 * queries all at once when mih_add_batch returns (not before). Removing an
 * entry sets its flag (an atomic store, no lock); queries skip flagged
 * entries at once; the space is reclaimed when removed entries outnumber
 * the live ones (the whole index is rebuilt then, outside the lock) or on
 * mih_compact. Any number of threads may call mih_query at the same time,
 * each with its own struct mih_results; calls that change the index are
 * serialised by an internal mutex and may come from any thread.
 *
 * Memory is allocated with malloc or mmap (transparent huge pages are
 * requested for the large arrays). The hot loops use the popcnt
 * instruction where the CPU has it (checked at run time). */
#ifndef HL_MIH_H
#define HL_MIH_H

#include <stddef.h>
#include <stdint.h>

#define MIH_HASH_BYTES 32    /* a PDQ hash, as its 64 hex digits' bytes */
#define MIH_MAX_DISTANCE 256 /* the largest meaningful distance */
#define MIH_TAIL_MAX 4096    /* unindexed entries a query may have to scan */

struct mih;

/* One entry found: its id and its distance to the query (0..256). */
struct mih_match {
	uint32_t id;
	uint32_t distance;
};

/* The answer of a query. Owned by the caller, who zero-initialises it
 * (struct mih_results r = {0};), may set limit, reuses it for any number
 * of queries (one at a time: one per thread) and frees it with
 * mih_results_free. */
struct mih_results {
	struct mih_match *match; /* n matches, by distance then id; owned */
	size_t n;
	size_t limit; /* 0: no limit; else the most matches a query keeps */
	size_t cap;   /* private: room in match */
};

/* Tells queries how to search; for tests and benchmarks (default AUTO). */
enum mih_strategy {
	MIH_STRATEGY_AUTO,  /* per segment: the index, or a scan where cheaper */
	MIH_STRATEGY_INDEX, /* always the index (however large d is) */
	MIH_STRATEGY_SCAN,  /* always a linear scan */
};

/* Sizes, for monitoring and the benchmark. */
struct mih_stats {
	size_t entries;  /* live entries */
	size_t removed;  /* removed entries still holding store space */
	size_t segments; /* indexed segments */
	size_t tail;     /* entries not yet in a segment (scanned) */
	size_t bytes;    /* memory held by the index (store, tables, id map) */
};

/* A new empty index that will hold at most max_entries live entries
 * (0: the most possible, 2^32 - 2). NULL when out of memory. Free it with
 * mih_free. */
struct mih *mih_new(size_t max_entries);

/* Frees the index and everything it holds; NULL is allowed. No query may
 * be running on it. */
void mih_free(struct mih *m);

/* Adds one hash (MIH_HASH_BYTES bytes, copied) under id. Returns 0;
 * HL_EINVAL for a NULL argument; HL_EEXIST when id is already in the index
 * (ids are unique; a removed id may be added again); HL_ETOOBIG past
 * max_entries; HL_ENOMEM. On an error nothing changes. */
int mih_add(struct mih *m, const uint8_t *hash, uint32_t id);

/* Adds n entries: hashes holds n * MIH_HASH_BYTES bytes (copied), ids
 * their n ids. All or nothing: returns 0 with every entry added, or an
 * error (as mih_add; HL_EEXIST also when ids repeats an id) with none
 * added. n == 0 does nothing and returns 0. An import should add in
 * batches of thousands: each call makes its entries visible at once and,
 * past MIH_TAIL_MAX, indexes them before returning. */
int mih_add_batch(struct mih *m, const uint8_t *hashes, const uint32_t *ids, size_t n);

/* Removes the entry with this id (a false positive, a list removed): no
 * query that starts after this returns it. Returns 0, HL_EINVAL for a NULL
 * index, or HL_ENOTFOUND when no live entry has this id. When removed
 * entries come to outnumber the live ones (and are at least 65,536), this
 * call also rebuilds the index without them, which takes a while (about as
 * long as building it); if memory runs short then, the space is simply
 * reclaimed later. */
int mih_remove(struct mih *m, uint32_t id);

/* Rebuilds the whole index as one segment without the removed entries
 * (after a large import or removal; queries run on meanwhile; peak memory
 * is about twice the index's). Returns 0 or HL_ENOMEM (nothing changed). */
int mih_compact(struct mih *m);

/* Finds every live entry within max_distance (0..256) of hash
 * (MIH_HASH_BYTES bytes). res->match receives them, sorted by distance then
 * id; res->n their number. Returns 0; HL_EINVAL for a NULL argument or a
 * distance over 256; HL_ENOMEM; HL_ETOOBIG when more than res->limit
 * entries match (res then holds res->limit of them, not necessarily the
 * nearest). Safe to call from several threads at once, and while another
 * thread adds or removes entries. */
int mih_query(struct mih *m, const uint8_t *hash, unsigned max_distance, struct mih_results *res);

/* Frees res->match; res may then be reused or dropped. NULL is allowed. */
void mih_results_free(struct mih_results *res);

/* Fills *st. Safe at any time. */
void mih_get_stats(struct mih *m, struct mih_stats *st);

/* Sets how queries search (see enum mih_strategy). Safe at any time. */
void mih_set_strategy(struct mih *m, enum mih_strategy s);

/* The Hamming distance between two hashes of MIH_HASH_BYTES bytes. */
unsigned mih_distance(const uint8_t *a, const uint8_t *b);

#endif
