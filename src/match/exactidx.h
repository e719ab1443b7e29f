/* exactidx.h — the in-memory index of exact hashes (MD5, SHA-1, SHA-256, or
 * any byte string of 1 to EXACTIDX_MAX_KEY bytes): which entries carry
 * exactly these bytes.
 *
 * Each entry is a key and a 32-bit id (the caller maps ids to hash-list
 * entries). Ids are unique in the index; a key may carry several ids (the
 * same hash in several lists). Keys of different lengths never match each
 * other: an MD5 and a SHA-256 share one index without mixing.
 *
 * Layout: per key length, a dense array of keys and one of ids, and an
 * open-addressing table (linear probing, at most 70% full) of 8-byte slots
 * holding 32 bits of the key's seeded hash and the entry's index, so most
 * probes never touch a key; plus one id table (12-byte slots) to refuse a
 * reused id and remove by id. For 10 million SHA-256 keys, about 600 MB.
 * Memory grows by doubling up to max_entries, never past it; removing
 * entries keeps the arrays dense (the last entry fills the hole).
 *
 * Concurrency: a reader-writer lock (preferring writers). Any number of
 * threads may look up at once; inserts and removals take the lock for
 * writing, for a few hundred nanoseconds each (a growth rehashes under it:
 * call exactidx_reserve before a large import to avoid that).
 *
 * Key hashing is seeded from getrandom at creation. */
#ifndef HL_EXACTIDX_H
#define HL_EXACTIDX_H

#include <stddef.h>
#include <stdint.h>

#define EXACTIDX_MAX_KEY 64

struct exactidx;

/* A new empty index holding at most max_entries entries (0: the most
 * possible, 2^32 - 2). NULL when out of memory. Free with exactidx_free. */
struct exactidx *exactidx_new(size_t max_entries);

/* Frees the index; NULL is allowed. No call may be running on it. */
void exactidx_free(struct exactidx *x);

/* Adds key (len bytes, 1..EXACTIDX_MAX_KEY, copied) under id. Returns 0;
 * HL_EINVAL for a NULL index or key or a bad length; HL_EEXIST when id is
 * already in the index (with any key); HL_ETOOBIG past max_entries;
 * HL_ENOMEM. Nothing changes on an error. */
int exactidx_insert(struct exactidx *x, const uint8_t *key, size_t len, uint32_t id);

/* Makes room for n more entries of keys of len bytes, so that inserting
 * them does not grow the tables. Returns 0, HL_EINVAL, HL_ETOOBIG (n more
 * would pass max_entries) or HL_ENOMEM. */
int exactidx_reserve(struct exactidx *x, size_t len, size_t n);

/* Removes the entry with this id. Returns 0, HL_EINVAL for a NULL index or
 * HL_ENOTFOUND. */
int exactidx_remove(struct exactidx *x, uint32_t id);

/* Finds the ids of every entry whose key is these len bytes. Writes at most
 * max_ids of them to ids (ascending when all fit) and their total number
 * to *n_found, which may be more than max_ids. ids may be NULL when
 * max_ids is 0 (just counting). Returns 0 (also when none match) or
 * HL_EINVAL for a NULL argument or a bad length. Safe from several threads
 * at once and during an update. */
int exactidx_lookup(struct exactidx *x, const uint8_t *key, size_t len, uint32_t *ids,
                    size_t max_ids, size_t *n_found);

/* The number of entries. */
size_t exactidx_count(struct exactidx *x);

/* Bytes of memory the index holds. */
size_t exactidx_bytes(struct exactidx *x);

#endif
