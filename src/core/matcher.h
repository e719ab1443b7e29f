/* matcher.h — the known-hash lists held in memory for matching: PDQ
 * hashes in the multi-index (src/match/mih.c), exact hashes (MD5, SHA-1,
 * SHA-256) in a hash table (src/match/exactidx.c), and each entry's list
 * with the list's action and PDQ threshold.
 *
 * Loaded from the store at start; matcher_follow applies what other
 * processes (an import on the command line) or the console changed since:
 * new entries, disabled and enabled entries, changed and removed lists,
 * so lists change without a restart. Lookups may run on any number of
 * threads at once, also while matcher_follow runs. */
#ifndef HL_MATCHER_H
#define HL_MATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "db.h"
#include "report.h"

struct matcher;

#define MATCHER_MAX_PER_HASH 100   /* matches kept per hash looked up */
#define MATCHER_MAX_PER_REPORT 200 /* matches kept per report */

/* A new, empty matcher, or NULL. */
struct matcher *matcher_new(void);
void matcher_free(struct matcher *m);
/* Loads every enabled entry of every list (call once, before lookups).
 * Returns 0, HL_EIO or HL_ENOMEM. */
int matcher_load(struct matcher *m, struct db *db);
/* Applies the changes stored since the last load or follow. Serialised
 * internally; returns 0, HL_EIO or HL_ENOMEM. */
int matcher_follow(struct matcher *m, struct db *db);

/* Every enabled entry matching one hash: exact for MD5/SHA-1/SHA-256; for
 * PDQ every entry within its list's threshold, or within max_distance when
 * max_distance >= 0 (then capped by nothing else). *out (arena memory) is
 * sorted by distance; attachment and hash are -1. Returns 0, HL_EINVAL
 * (bad algorithm or length) or HL_ENOMEM. */
int matcher_lookup(struct matcher *m, const char *algo, const uint8_t *hash, size_t len,
		   int max_distance, struct report_match **out, size_t *n, struct arena *a);
/* Matches a report's attachments and submitted hashes, at most
 * MATCHER_MAX_PER_REPORT. Returns 0 or HL_ENOMEM. */
int matcher_match_report(struct matcher *m, const struct report *r, struct arena *a,
			 struct report_match **out, size_t *n);

/* A list's name, action and suggested classification, copied into a;
 * HL_ENOTFOUND when the list is not loaded. */
int matcher_list_info(struct matcher *m, int64_t list_id, const char **name, const char **action,
		      const char **classification, struct arena *a);

struct matcher_stats {
	size_t lists, pdq_entries, exact_entries, bytes;
};
void matcher_get_stats(struct matcher *m, struct matcher_stats *st);

#endif
