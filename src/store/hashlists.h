/* hashlists.h — the queries on known-hash lists ("banks"), their entries
 * and the change log a running server follows. */
#ifndef HL_STORE_HASHLISTS_H
#define HL_STORE_HASHLISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "db.h"

struct store_hashlist {
	int64_t id;
	const char *name, *source, *action, *classification; /* arena memory */
	int pdq_threshold;
	bool local;
	int64_t entries, disabled; /* counts (only from store_hashlist_all/get) */
	const char *created_at, *updated_at;
};

struct store_hash_entry {
	int64_t id, list_id;
	const char *algo; /* static: "pdq", "md5", "sha1", "sha256" */
	uint8_t hash[32];
	size_t len;
	const char *meta; /* JSON text or NULL (arena memory; NULL when a is NULL) */
	bool disabled;
	const char *disabled_reason, *added_at;
};

/* Creates a list. 0 with *id, HL_EEXIST (name taken) or HL_EIO. */
int store_hashlist_create(struct db *db, const struct store_hashlist *l, const char *now,
			  int64_t *id);
/* Changes a list's settings (source, action, classification, threshold). */
int store_hashlist_update(struct db *db, const struct store_hashlist *l, const char *now);
/* One list by name (name != NULL) or id, with its counts. 0, HL_ENOTFOUND, HL_EIO. */
int store_hashlist_get(struct db *db, const char *name, int64_t id, struct store_hashlist *out,
		       struct arena *a);
/* Every list, by name, with counts. */
int store_hashlist_all(struct db *db, struct store_hashlist **out, size_t *n, struct arena *a);
/* Removes a list and all its entries; *removed gets the entry count. */
int store_hashlist_remove(struct db *db, int64_t id, const char *now, int64_t *removed);

/* Prepares this connection for a bulk import (a 256 MiB page cache,
 * fewer checkpoints). */
void store_hashlist_bulk(struct db *db);
/* Reads this connection's pages through a memory map (loading lists), or
 * stops (on false). */
void store_hashlist_map(struct db *db, bool on);
/* Adds an entry unless the list has it already: *added is 1 or 0. */
int store_hashlist_entry_add(struct db *db, int64_t list_id, const char *algo,
			     const uint8_t *hash, size_t len, const char *meta, const char *now,
			     int *added);
/* Finds a list's entry by its hash. 0, HL_ENOTFOUND or HL_EIO. */
int store_hashlist_entry_find(struct db *db, int64_t list_id, const char *algo,
			      const uint8_t *hash, size_t len, struct store_hash_entry *out,
			      struct arena *a);
/* One entry by id (a may be NULL: no meta). */
int store_hashlist_entry_get(struct db *db, int64_t id, struct store_hash_entry *out,
			     struct arena *a);
/* Disables (a false positive) or enables an entry; records the change. */
int store_hashlist_entry_set_disabled(struct db *db, int64_t id, bool disabled,
				      const char *reason, const char *now);
/* Calls fn for each entry with id > after_id, in id order, at most limit
 * (list_id 0: every list; enabled_only skips disabled ones). *last gets
 * the last id seen (after_id when none). fn returning non-zero stops. */
typedef int (*store_hash_entry_fn)(void *arg, const struct store_hash_entry *e);
int store_hashlist_entries(struct db *db, int64_t list_id, bool enabled_only, bool with_meta,
			   int64_t after_id, size_t limit, store_hash_entry_fn fn, void *arg,
			   int64_t *last);

/* Records a change for servers to follow (kind: "entries_added",
 * "entry_disabled", "entry_enabled", "list_changed", "list_removed"). */
int store_hashlist_change(struct db *db, const char *kind, int64_t list_id, int64_t entry_id,
			  const char *now);
struct store_hash_change {
	int64_t seq, list_id, entry_id;
	char kind[24];
};
/* Up to max changes with seq > after; *n their number. */
int store_hashlist_changes(struct db *db, int64_t after, struct store_hash_change *out,
			   size_t max, size_t *n);
/* The highest change seq and entry id now stored (0 when none). */
int store_hashlist_marks(struct db *db, int64_t *seq, int64_t *entry_id);

/* The matches recorded on a report, with their lists' names. */
struct store_report_match {
	int64_t entry_id, list_id;
	const char *list_name, *action, *classification, *algo; /* arena */
	int distance;
	int attachment, hash; /* positions, or -1 */
	bool entry_disabled;
};
int store_report_matches(struct db *db, int64_t report_id, struct store_report_match **out,
			 size_t *n, struct arena *a);
struct store_attachment_row {
	const char *name, *type, *problem; /* arena */
	int64_t size;
	uint8_t md5[16], sha1[20], sha256[32], pdq[32];
	bool has_pdq;
	int pdq_quality;
};
int store_report_attachments(struct db *db, int64_t report_id, struct store_attachment_row **out,
			     size_t *n, struct arena *a);
struct store_hash_row {
	const char *algo; /* static */
	uint8_t hash[32];
	size_t len;
};
int store_report_hashes(struct db *db, int64_t report_id, struct store_hash_row **out, size_t *n,
			struct arena *a);

#endif
