/* items.h — queries on items (one per normalised URL), their links to
 * reports, hosting, the directory, notices and the figures for statistics.
 * Times of items are seconds since 1970 (UTC); 0 reads as "not yet". */
#ifndef HL_STORE_ITEMS_H
#define HL_STORE_ITEMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "db.h"

struct store_item {
	int64_t id;
	const char *url, *host, *state, *channel, *classification, *class_key, *assessed_by;
	bool reopened;
	int64_t report_count;
	int64_t first_reported_at, last_reported_at, assessed_at, notified_at, removed_at,
		reappeared_at, reopened_at;
	int64_t reminders_sent;
	const char *resolve_state, *addresses, *country, *as_name, *hosting_note;
	int64_t asn, resolved_at;
};

/* ---- intake (the committer's connection, inside its transaction) ---- */

/* Calls fn for every item (id and URL), to fill the committer's map. */
int store_item_each_url(struct db *db, void (*fn)(void *arg, int64_t id, const char *url),
			void *arg);
/* Inserts a new item. 0 and *id, HL_EEXIST when the URL has one, HL_EIO. */
int store_item_insert(struct db *db, const char *url, const char *host, const char *channel,
		      int64_t now, int64_t *id);
/* The item of a normalised URL. 0, HL_ENOTFOUND, HL_EIO. */
int store_item_find(struct db *db, const char *url, int64_t *id);
/* Links a report to an item: 0 when linked now, HL_EEXIST when it was. */
int store_item_link(struct db *db, int64_t item_id, int64_t report_id);
/* Adds n to an item's count; an item assessed illegal and not known to be
 * gone (illegal, notified, removed) is re-opened. Sets *state and
 * *classification (arena memory) to what the item holds. */
int store_item_bump(struct db *db, int64_t item_id, int64_t n, int64_t now, const char **state,
		    const char **classification, struct arena *a);
/* The channel of a report into out. 0, HL_ENOTFOUND, HL_EIO. */
int store_report_channel(struct db *db, int64_t report_id, char *out, size_t size);
/* Adds n reports to day (YYYY-MM-DD) and channel. */
int store_report_daily_add(struct db *db, const char *day, const char *channel, int64_t n);
/* Adds n reports to an item's count (no state read, no re-opening). */
int store_item_count_add(struct db *db, int64_t item_id, int64_t n, int64_t last_at);
/* Records that the reports first..last (ids) have links to known items
 * not yet in item_reports (013): they follow from the reports' URLs. */
int store_item_range_add(struct db *db, int64_t first, int64_t last);
/* Deletes the range starting at report first, its links all moved (no-op
 * when gone). */
int store_item_range_drop(struct db *db, int64_t first);
/* In its own transaction: moves every link of the reports in the ranges
 * left, and counts the items they name again from their links (a start
 * after a stop or a crash). */
int store_item_links_recover(struct db *db, int64_t *moved);
/* SQLite's data_version: changes when another connection commits. */
int store_data_version(struct db *db, int64_t *version);
/* An item's state and classification (arena copies). */
int store_item_state(struct db *db, int64_t item_id, const char **state,
		     const char **classification, struct arena *a);

/* ---- staff ---- */

int store_item_get(struct db *db, int64_t id, struct store_item *out, struct arena *a);
struct store_item_filter {
	const char *state;  /* NULL: any */
	bool open;          /* new or re-opened */
	bool reminders_due; /* notified, not removed, a reminder due at now */
	int64_t now;
	int64_t after;      /* ids below this (newest first); 0 from the top */
};
/* Up to limit items, newest first. */
int store_item_list(struct db *db, const struct store_item_filter *f, int64_t limit,
		    void (*fn)(void *arg, const struct store_item *it), void *arg,
		    struct arena *a);
/* The reports of an item (newest first, at most limit), as report ids. */
int store_item_report_ids(struct db *db, int64_t item_id, int64_t limit,
			  void (*fn)(void *arg, int64_t report_id), void *arg);
/* The items a report names (through its normalised URLs). */
int store_item_of_report(struct db *db, int64_t report_id,
			 void (*fn)(void *arg, int64_t item_id, const char *url), void *arg,
			 struct arena *a);
/* Records an assessment: state "illegal" or "not_illegal", the
 * classification, and clears re-opened. */
int store_item_assess(struct db *db, int64_t id, const char *state, const char *classification,
		      const char *class_key, const char *by, int64_t now);
/* Gives every linked report the state and classification (and logs the
 * state change for the in-memory queue). *n set to the reports changed. */
int store_item_apply_reports(struct db *db, int64_t id, const char *state,
			     const char *classification, const char *now_iso, int64_t *n);
/* Timeline steps: "notified" (the first notice: notified_at kept when set),
 * "removed", "reappeared" (back to illegal, removal cleared), "reminder". */
int store_item_step(struct db *db, int64_t id, const char *step, int64_t at);
/* Hosting from the look-up (skipped when an analyst corrected it), or the
 * analyst's correction (corrected true). */
int store_item_set_hosting(struct db *db, int64_t id, const char *resolve_state,
			   const char *addresses, const char *country, int64_t asn,
			   const char *as_name, const char *note, bool corrected, int64_t now);
/* Items waiting for a look-up (oldest first). */
int store_item_pending(struct db *db, int64_t limit,
		       void (*fn)(void *arg, int64_t id, const char *host), void *arg);

/* ---- directory ---- */
struct store_dir_entry {
	int64_t id;
	const char *type, *name, *country, *scope, *domain, *email, *language;
	int64_t asn;
	bool sample;
};
int store_dir_list(struct db *db, void (*fn)(void *arg, const struct store_dir_entry *e),
		   void *arg, struct arena *a);
int store_dir_get(struct db *db, int64_t id, struct store_dir_entry *out, struct arena *a);
/* Inserts (id 0) or replaces entry e; *id set. */
int store_dir_put(struct db *db, const struct store_dir_entry *e, const char *now, int64_t *id);
int store_dir_delete(struct db *db, int64_t id);
int store_dir_count(struct db *db, int64_t *n);
/* The first entry of type for a country (police: with scope), or for an
 * AS number or a domain (providers). 0, HL_ENOTFOUND. */
int store_dir_find(struct db *db, const char *type, const char *country, const char *scope,
		   int64_t asn, const char *domain, struct store_dir_entry *out, struct arena *a);

/* ---- notices ---- */
struct store_notice {
	int64_t id, item_id, directory_id, mail_id, sent_at;
	const char *kind, *rule, *recipient, *email, *language, *reference, *subject, *body,
		*confirmed_by;
};
int store_notice_insert(struct db *db, const struct store_notice *n, int64_t *id);
int store_notice_set_mail(struct db *db, int64_t id, int64_t mail_id);
int store_notice_list(struct db *db, int64_t item_id,
		      void (*fn)(void *arg, const struct store_notice *n), void *arg,
		      struct arena *a);

/* ---- statistics ---- */
struct store_stat_item {
	int64_t first_reported_at, assessed_at, notified_at, removed_at, report_count;
	const char *state, *channel, *class_key, *country, *as_name;
	int64_t asn;
};
/* Calls fn for every item first reported in [from, to). Strings last until
 * the next row only. */
int store_stat_items(struct db *db, int64_t from, int64_t to,
		     void (*fn)(void *arg, const struct store_stat_item *s), void *arg);
/* Calls fn for every (day, channel, n) with day in [from_day, to_day]. */
int store_stat_daily(struct db *db, const char *from_day, const char *to_day,
		     void (*fn)(void *arg, const char *day, const char *channel, int64_t n),
		     void *arg);

#endif
