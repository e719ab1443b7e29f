/* items.h — online material: one item per normalised URL, however many
 * reports name it.
 *
 * Intake links each report to the items of its URLs on the committer
 * thread (items_linker: an in-memory map from URL to item id, so a report
 * costs one link row, and counts are written once per item per batch).
 * Staff assess an item once and every linked report takes the outcome;
 * the item keeps its timeline (first reported, assessed, notified,
 * confirmed removed, re-appeared) and reminders come due 24 h, 72 h and 7
 * days after the first notice while removal is not confirmed.
 *
 * Item states: new, illegal (assessed, not yet notified), not_illegal,
 * notified, removed. A report of an item assessed illegal and not known to
 * be gone re-opens it for the analyst (no second item is made). */
#ifndef HL_ITEMS_H
#define HL_ITEMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "hotline.h"
#include "staff.h"

struct db;

/* ---- the clock ----
 * Item times come from items_now(): the system clock, unless a test has
 * set it (items_clock_set, reachable only when the server runs with
 * HOTLINE_TEST_CLOCK=1 in its environment; never in production). */
int64_t items_now(void);
void items_clock_set(int64_t t); /* 0: the system clock again */
bool items_clock_settable(void);

/* ---- intake: the committer's linker ---- */
struct items_linker;
/* A linker loaded with every item of db (the committer's connection). */
int items_linker_new(struct db *db, struct items_linker **out);
void items_linker_free(struct items_linker *l);
/* Starts a batch (a transaction attempt); forgets what an earlier attempt did. */
void items_batch_begin(struct items_linker *l, struct db *db);
/* A job's start, and undoing a job that failed (its savepoint rolled back). */
size_t items_job_mark(struct items_linker *l);
void items_job_undo(struct items_linker *l, size_t mark);
/* Links report_id to the items of its normalised URLs, making items for
 * new URLs. new_report: counts it in the day's reports of channel. */
int items_link(struct items_linker *l, struct db *db, int64_t report_id, const char *channel,
	       const char *const *urls_norm, size_t n, bool new_report, int64_t now);
/* Before COMMIT: writes the counts, re-opens items, gives reports of
 * assessed items their outcome. */
int items_batch_flush(struct items_linker *l, struct db *db, int64_t now, const char *now_iso);
/* After COMMIT (keeps the new items) or after ROLLBACK (forgets them). */
void items_batch_end(struct items_linker *l, bool committed);
/* Reports linked but not yet counted in item_id's stored count: a known
 * URL's new report is linked in memory, its batch's range of report ids in
 * item_link_ranges; every ITEMS_COUNT_EVERY_MS the links waiting are taken,
 * sorted by item, and the next batches move ITEMS_MOVE_STEP of them each
 * (twice the batch's links when more) into item_reports and the items'
 * counts (all of them when the committer stops); once a generation is in,
 * its ranges go, ITEMS_RANGE_STEP per batch.
 * Twice the incoming links keeps up with any rate; the small minimum keeps
 * a batch at a moderate rate quick (512 made the 99th percentile at
 * 5,000 reports/s jump while a backlog was moved). Readers add this to
 * the stored count. Any thread. */
#define ITEMS_COUNT_EVERY_MS 3000
#define ITEMS_MOVE_STEP 128
#define ITEMS_RANGE_STEP 64
int64_t items_pending(struct items_linker *l, int64_t item_id);
/* Moves every link waiting, with its count (the committer stopping). */
int items_linker_flush(struct items_linker *l, struct db *db);
/* The state a report of this batch took from its item, or NULL. */
const char *items_report_state(struct items_linker *l, int64_t report_id);

/* ---- staff ---- */
struct item_view {
	int64_t id;
	const char *url, *host, *state, *channel, *classification, *assessed_by;
	bool reopened;
	int64_t report_count;
	int64_t first_reported_at, last_reported_at, assessed_at, notified_at, removed_at,
		reappeared_at, reopened_at, reminders_sent;
	int reminder_due; /* 0 none, else 1 (24 h), 2 (72 h), 3 (7 days) */
	const char *resolve_state, *addresses, *country, *as_name, *hosting_note;
	int64_t asn;
};

/* The reminder that is due for an item at now (0: none). */
int items_reminder_due(int64_t notified_at, int64_t reminders_sent, const char *state,
		       int64_t now);

struct items_filter {
	const char *state;  /* NULL: any */
	bool open;          /* new or re-opened */
	bool reminders_due;
	int64_t after;      /* ids below this; 0 from the newest */
};
int items_list(struct hotline *hl, const struct items_filter *f, int64_t limit,
	       struct item_view **rows, size_t *n, struct arena *a);
int items_get(struct hotline *hl, int64_t id, struct item_view *out, struct arena *a);
/* Report numbers linked to an item (newest first, at most limit). */
int items_report_numbers(struct hotline *hl, int64_t id, int64_t limit, const char ***numbers,
			 size_t *n, struct arena *a);
/* The items a report names: ids (arena array). */
int items_of_report(struct hotline *hl, int64_t report_id, int64_t **ids, const char ***urls,
		    size_t *n, struct arena *a);

/* The actions on an item. Parameters come from get (a form or a JSON body):
 *  assess    "outcome" ("illegal" or "not_illegal") and the classification
 *            scheme's fields (required for illegal); every linked report
 *            takes the classification and a state (under_analysis for
 *            illegal, closed for not illegal)
 *  removed   "at" (optional: "YYYY-MM-DDTHH:MM[:SS]Z", when the analyst
 *            saw it gone; not in the future) — confirmed removal; linked
 *            reports are closed
 *  reappeared "at" (optional) — back online after removal: illegal again
 *  hosting   "country" (two letters or ""), "asn" (digits or ""),
 *            "as_name", "addresses", "note" — the analyst's correction, kept
 *            over later look-ups
 * Each is audited in its transaction. Returns 0, HL_ENOTFOUND, HL_EPERM,
 * or HL_EINVAL with *code and *field. */
int items_act(struct hotline *hl, const struct staff_who *who, int64_t id, const char *action,
	      const char *(*get)(void *arg, const char *name), void *arg, const char **code,
	      const char **field, struct arena *a);

/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "YYYY-MM-DDTHH:MM:SS" with an
 * optional "Z" as UTC seconds. false when it does not parse. */
bool items_parse_time(const char *s, int64_t *out);
/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" (out: at least 21 bytes); "" for 0. */
void items_format_time(int64_t t, char out[21]);

#endif
