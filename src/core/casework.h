/* casework.h — what staff read and do with reports: the triage queue and
 * the report page. Every read of a report by a person is audited, and so
 * is every unsealing of contact details. */
#ifndef HL_CASEWORK_H
#define HL_CASEWORK_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "hashlists.h"
#include "hotline.h"
#include "staff.h"

struct casework_report {
	int64_t id;
	const char *number, *kind, *channel, *state, *received_at, *updated_at, *assignee;
	int priority;
	const char *where_seen, *exploitation_type, *description, *location, *language;
	const char *public_message;
	bool has_contact, may_contact;
	/* set only when unsealed for a role that may see them */
	const char *contact_name, *contact_email, *contact_phone;
	/* URLs and additions, in order (arena arrays) */
	size_t nurls;
	const char **urls;
	int64_t *url_addition; /* 0: given with the report */
	size_t nadditions;
	const char **addition_text, **addition_at;
	/* staff notes, classification (JSON) and duplicate */
	size_t nnotes;
	const char **note_author, **note_text, **note_at;
	const char *classification;
	const char *duplicate_of; /* a report number, or NULL */
	/* the phone call behind it, when it came by phone */
	const char *call_started_at, *call_ended_at, *caller, *urgency, *operator;
	int64_t queue_key;
	/* e-mail subject and what could not be read; files, hashes, matches */
	const char *subject, *parse_warnings;
	struct store_attachment_row *attachments;
	size_t nattachments;
	struct store_hash_row *hashes;
	size_t nhashes;
	struct store_report_match *matches;
	size_t nmatches;
};

struct casework_filter {
	const char *kind, *channel, *state, *assignee; /* NULL: any; no state: open reports */
	int64_t after; /* a row's queue_key: the page after it (0: from the start) */
};

/* True when a role may see reporters' contact details. */
bool casework_may_unseal(const char *role);
/* Up to limit queue rows after offset (*n set; arena array). */
int casework_queue(struct hotline *hl, const struct casework_filter *f, int64_t offset,
		   int64_t limit, struct casework_report **rows, size_t *n, struct arena *a);
/* The report named by number, as its page shows it; audits the read (and
 * the unsealing, when unseal and the role may). 0, HL_ENOTFOUND, HL_EIO. */
int casework_report_read(struct hotline *hl, const struct staff_who *who, const char *number,
			 bool unseal, struct casework_report *out, struct arena *a);

/* The calls an operator took, newest first (their own intake). */
int casework_my_calls(struct hotline *hl, const struct staff_who *who, int64_t limit,
		      struct casework_report **rows, size_t *n, struct arena *a);

/* Like casework_report_read, but writes no audit row: the caller must
 * audit ("report.read", and "contact.unseal" when *unsealed) before it
 * shows anything, e.g. through intake_submit_audit. */
int casework_report_load(struct hotline *hl, const struct staff_who *who, const char *number,
			 bool unseal, struct casework_report *out, bool *unsealed,
			 struct arena *a);

/* The actions on a report page. Parameters come from get (a form or a
 * JSON body): assign "assignee" (an account name, "" to unassign; only a
 * supervisor assigns to others), state "state" (along the allowed
 * transitions), classify (the scheme's fields), note "text", message
 * "text" (what the reporter reads on their status page), duplicate "of" (a
 * report number, "" to clear). Each change is audited in its transaction.
 * Returns 0, HL_ENOTFOUND, HL_EPERM, or HL_EINVAL with *code a message key
 * suffix ("transition", "invalid", "required", "too_long" ...) and *field. */
int casework_act(struct hotline *hl, const struct staff_who *who, const char *number,
		 const char *action, const char *(*get)(void *arg, const char *name), void *arg,
		 const char **code, const char **field, struct arena *a);
/* True when a report may go from state from to state to. */
bool casework_transition_ok(const char *from, const char *to);
/* The states a report in state from may move to (NULL-terminated, static). */
const char *const *casework_next_states(const char *from);

#endif
