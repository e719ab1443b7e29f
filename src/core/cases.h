/* cases.h — cases: what groups the reports, calls and notes about one child
 * or one incident, with follow-up tasks (overdue ones stand out), referrals
 * to police, prosecutor, court or social services, and the court details
 * when the organisation joins proceedings as a civil party. Every read of a
 * case page by a person and every change is audited. */
#ifndef HL_CASES_H
#define HL_CASES_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "hotline.h"
#include "staff.h"

extern const char *const case_states[];     /* open, monitoring, closed */
extern const char *const referral_targets[]; /* police, prosecutor, court, social_services */

struct case_entry {
	int64_t id;
	const char *type; /* note, task, referral, hearing */
	const char *author, *text, *due_on, *done_at, *to_type, *recipient, *sent_on, *reference,
		*outcome, *outcome_on, *created_at;
	bool overdue; /* an open task whose due date has passed */
};

struct case_view {
	int64_t id;
	const char *title, *state, *owner, *court, *court_case_number, *created_at, *updated_at;
	bool civil_party;
	int64_t open_tasks, overdue_tasks;
	size_t nreports;
	const char **reports; /* report numbers */
	size_t nentries;
	struct case_entry *entries;
};

/* Opens a case owned by who, optionally linking a first report. */
int cases_create(struct hotline *hl, const struct staff_who *who, const char *title,
		 const char *report_number, int64_t *id, const char **code, const char **field,
		 struct arena *a);
/* Cases in state (NULL: all but closed), newest first. */
int cases_list(struct hotline *hl, const char *state, struct case_view **rows, size_t *n,
	       struct arena *a);
/* A case page; audits the read. 0, HL_ENOTFOUND, HL_EIO. */
int cases_read(struct hotline *hl, const struct staff_who *who, int64_t id,
	       struct case_view *out, struct arena *a);
/* Actions: link (report), note (text), task (text, due_on), task_done
 * (entry), referral (to_type, recipient, sent_on, reference), outcome
 * (entry, outcome, outcome_on), hearing (due_on, text), state (state),
 * owner (owner), civil_party (civil_party "1"/"0", court,
 * court_case_number). Dates are YYYY-MM-DD. Same contract as casework_act. */
int cases_act(struct hotline *hl, const struct staff_who *who, int64_t id, const char *action,
	      const char *(*get)(void *arg, const char *name), void *arg, const char **code,
	      const char **field, struct arena *a);
/* The cases a report belongs to (ids). */
int cases_of_report(struct hotline *hl, const char *number, int64_t **ids, size_t *n,
		    struct arena *a);

#endif
