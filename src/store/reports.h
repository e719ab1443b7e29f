/* reports.h — the queries on reports that the core needs, written once for
 * every backend. Nothing outside src/store/ holds SQL. */
#ifndef HL_STORE_REPORTS_H
#define HL_STORE_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "db.h"
#include "evidence.h"

/* A new report, flattened for storage. All pointers are borrowed. */
struct store_new_report {
	int64_t id; /* chosen by the caller: see store_report_next_id */
	const char *number;
	const unsigned char *secret_hash; /* 32 bytes */
	const char *kind, *channel, *where_seen, *exploitation_type;
	const char *description, *location, *language;
	const unsigned char *contact_sealed; /* NULL when no contact was given */
	size_t contact_sealed_len;
	bool may_contact;
	const char *received_at;
	int priority; /* 2 immediate danger, 1 known-hash match, 0 the rest */
	const char *const *urls, *const *urls_norm;
	size_t nurls;
	/* phone sheets only (channel "phone"): NULL otherwise */
	const char *call_started_at, *call_ended_at, *caller, *urgency, *operator;
	/* what else the report carries (NULL/0 when nothing) */
	const char *subject, *parse_warnings;
	const struct report_attachment *attachments;
	size_t nattachments;
	const struct report_hash *hashes;
	size_t nhashes;
	const struct report_match *matches;
	size_t nmatches;
	const char *source_key; /* recorded in report_sources when not NULL */
};

/* What a reporter may see of their report, and what checks their secret. */
struct store_report_status {
	int64_t id;
	char number[12];
	unsigned char secret_hash[32];
	char state[20];
	const char *message; /* arena memory, NULL when the hotline wrote none */
};

/* The id the next report should take (one past the highest). */
int store_report_next_id(struct db *db, int64_t *out);
/* Inserts a report and its URLs. Returns 0, HL_EEXIST when the id or number
 * is taken (nothing was written), or HL_EIO. Call inside a transaction. */
int store_report_insert(struct db *db, const struct store_new_report *r);
/* The report already stored under an idempotency key: 0 with *id, or
 * HL_ENOTFOUND, or HL_EIO. */
int store_report_by_source(struct db *db, const char *source_key, int64_t *id);
/* Finds a report by id. 0, HL_ENOTFOUND or HL_EIO. */
int store_report_status(struct db *db, int64_t id, struct store_report_status *out,
			struct arena *a);
/* Records information a reporter added (text may be NULL; URLs may be none).
 * 0, HL_ENOTFOUND when there is no such report, or a database error. */
int store_report_add(struct db *db, int64_t report_id, const char *text,
		     const char *const *urls, const char *const *urls_norm, size_t nurls,
		     const char *now);
/* Changes the state and/or the public message (NULL leaves it as it is).
 * Returns 0, HL_ENOTFOUND or HL_EIO. */
int store_report_set(struct db *db, int64_t id, const char *state, const char *message,
		     const char *now);
/* One row of the triage queue, and the whole report for its page. */
struct store_report_row {
	int64_t id;
	const char *number, *kind, *channel, *state, *received_at, *updated_at, *assignee;
	int priority;
	const char *where_seen, *exploitation_type, *description, *location, *language;
	const char *public_message;
	const unsigned char *contact_sealed;
	size_t contact_sealed_len;
	bool may_contact;
	const char *subject, *parse_warnings; /* e-mail; NULL otherwise */
	int64_t queue_key; /* the queue's order: pass it as "after" for the next page */
};

/* Calls fn for every report with an id above after (id order) with what
 * the queue sorts and filters on; the server loads its in-memory queue
 * with it. */
int store_report_queue_rows(struct db *db, int64_t after,
			    void (*fn)(void *arg, int64_t id, int priority, const char *kind,
				       const char *channel, const char *state),
			    void *arg);
/* State changes recorded by store_report_set, after event id after (at
 * most 10,000 a call), and the last event's id. */
int store_queue_events(struct db *db, int64_t after,
		       void (*fn)(void *arg, int64_t event, int64_t report_id, const char *state),
		       void *arg);
int store_queue_event_last(struct db *db, int64_t *out);

/* The queue of one assignee (a partial index serves it), with the same
 * filters and order as the in-memory queue. */
int store_report_assigned(struct db *db, const char *assignee, const char *kind,
			  const char *channel, const char *state, int64_t after, int64_t offset,
			  int64_t limit, void (*fn)(void *arg, const struct store_report_row *row),
			  void *arg, struct arena *a);

/* The report with this id. 0, HL_ENOTFOUND, HL_EIO. */
int store_report_get(struct db *db, int64_t id, struct store_report_row *out, struct arena *a);
/* Calls fn for each URL of a report (addition_id 0 for the report's own). */
int store_report_urls(struct db *db, int64_t id,
		      void (*fn)(void *arg, int64_t addition_id, const char *url, const char *norm),
		      void *arg, struct arena *a);
/* Calls fn for each addition, oldest first. */
int store_report_additions(struct db *db, int64_t id,
			   void (*fn)(void *arg, int64_t addition_id, const char *text,
				      const char *at),
			   void *arg, struct arena *a);

/* Staff changes to one report (inside the caller's transaction). A NULL
 * assignee or duplicate_of 0 clears it. 0, HL_ENOTFOUND, HL_EIO. */
int store_report_set_assignee(struct db *db, int64_t id, const char *assignee, const char *now);
int store_report_set_classification(struct db *db, int64_t id, const char *json, const char *now);
int store_report_set_duplicate(struct db *db, int64_t id, int64_t duplicate_of, const char *now);
/* Sets the kind of a report (triage) and its queue priority again: 2 for
 * immediate danger (or a call marked immediate), 1 when it matched a
 * known-hash list, else 0; *priority gets it. 0, HL_ENOTFOUND, HL_EIO. */
int store_report_set_kind(struct db *db, int64_t id, const char *kind, const char *now,
			  int *priority);
int store_report_note_add(struct db *db, int64_t id, const char *author, const char *text,
			  const char *now);
/* Calls fn for each note, oldest first. */
int store_report_notes(struct db *db, int64_t id,
		       void (*fn)(void *arg, const char *author, const char *text, const char *at),
		       void *arg);
/* The classification JSON and duplicate_of of a report. */
int store_report_extra(struct db *db, int64_t id, const char **classification,
		       int64_t *duplicate_of, struct arena *a);

/* The phone call behind a report, when there is one. 0 or HL_ENOTFOUND. */
struct store_phone_call {
	const char *started_at, *ended_at, *caller, *urgency, *operator;
};
int store_report_phone(struct db *db, int64_t id, struct store_phone_call *out, struct arena *a);
/* Calls fn with the numbers of the calls an operator took, newest first. */
int store_phone_by_operator(struct db *db, const char *operator, int64_t limit,
			    void (*fn)(void *arg, int64_t report_id), void *arg);

/* Number of reports stored. */
int store_report_count(struct db *db, int64_t *out);

#endif
