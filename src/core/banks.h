/* banks.h — hash lists ("banks") as the hotline manages them: import from
 * a file (streaming, any size), export, settings, removal, disabling a
 * single entry (a false positive), and the local list analysts feed with
 * one action. Used by `hotline hashlist` and the console alike; every
 * change is audited under the actor given and reaches running servers
 * through the store's change log (matcher_follow). */
#ifndef HL_BANKS_H
#define HL_BANKS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "db.h"
#include "hashlist.h"
#include "hashlists.h"

#define BANKS_NAME_MAX 100
#define BANKS_LOCAL_NAME "local"

/* Settings to apply; NULL / -1 leave a setting as it is (or default it on
 * a new list: action raise_priority, threshold 31). */
struct banks_settings {
	const char *source, *action, *classification;
	int pdq_threshold; /* -1: keep */
};

struct banks_import_result {
	uint64_t lines, added, present, bad;
	int64_t list_id;
	bool created;
};

/* Called for each bad line: its number (1-based) and a message key. */
typedef void (*banks_bad_line_fn)(void *arg, uint64_t line, const char *code);

/* Checks a list name (1..BANKS_NAME_MAX bytes of letters, digits, '-',
 * '_', '.'), an action and a threshold. 0 or HL_EINVAL with *code. */
int banks_check(const char *name, const struct banks_settings *s, const char **code);

/* Imports every line of in into the list name (created when missing, with
 * s applied either way). Streams: memory stays bounded whatever the size.
 * Commits every 20,000 lines; entries already in the list are counted as
 * present and left alone, so importing the same file again changes
 * nothing. Bad lines go to bad(arg, line, code) and are skipped. Returns 0,
 * HL_EINVAL (bad name or settings; *code), HL_EIO or HL_ENOMEM. */
int banks_import(struct db *db, const char *actor, const char *name,
		 const struct banks_settings *s, FILE *in, enum hashlist_format format,
		 const char *default_algo, banks_bad_line_fn bad, void *arg,
		 struct banks_import_result *res, const char **code);

/* Writes the list's entries to out: as one hex hash a line (format pdq,
 * md5, sha1, sha256: only that algorithm's entries) or as CSV with the
 * columns algo,hash,disabled,added_at,meta. disabled entries are written
 * only in CSV. Returns 0, HL_ENOTFOUND or HL_EIO. *count gets the rows. */
int banks_export(struct db *db, const char *actor, const char *name, enum hashlist_format format,
		 FILE *out, uint64_t *count);

/* Changes a list's settings. 0, HL_ENOTFOUND, HL_EINVAL (*code), HL_EIO. */
int banks_set(struct db *db, const char *actor, const char *name, const struct banks_settings *s,
	      const char **code);

/* Removes a list and its entries. 0, HL_ENOTFOUND or HL_EIO. */
int banks_remove(struct db *db, const char *actor, const char *name, int64_t *removed);

/* Disables (or enables) the entry of list name with this hash (hex). 0,
 * HL_ENOTFOUND (no such list or entry), HL_EINVAL (bad hash; *code), HL_EIO. */
int banks_disable(struct db *db, const char *actor, const char *name, const char *algo,
		  const char *hex, bool disabled, const char *reason, const char **code);
/* The same by entry id. */
int banks_disable_id(struct db *db, const char *actor, int64_t entry_id, bool disabled,
		     const char *reason);

/* Adds every hash of a report (its attachments' MD5, SHA-1, SHA-256 and
 * PDQ, and hashes submitted alone) to the local list, created on first use
 * (action previously_assessed). *added gets the new entries. 0, HL_ENOTFOUND
 * (report has no hashes), HL_EIO. */
int banks_add_report(struct db *db, const char *actor, int64_t report_id, uint64_t *added);

#endif
