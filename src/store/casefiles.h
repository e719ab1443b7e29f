/* casefiles.h — queries on cases, their reports and their entries (notes,
 * tasks, referrals, hearings). Strings returned live in the arena. */
#ifndef HL_STORE_CASEFILES_H
#define HL_STORE_CASEFILES_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "db.h"

struct store_case {
	int64_t id;
	const char *title, *state, *owner, *court, *court_case_number, *created_at, *updated_at;
	bool civil_party;
	int64_t open_tasks, overdue_tasks; /* filled by the list query */
};

struct store_case_entry {
	int64_t id;
	const char *type, *author, *text, *due_on, *done_at, *to_type, *recipient, *sent_on,
		*reference, *outcome, *outcome_on, *created_at;
};

int store_case_insert(struct db *db, const char *title, const char *owner, const char *now,
		      int64_t *id);
int store_case_get(struct db *db, int64_t id, struct store_case *out, struct arena *a);
/* Cases by state (NULL: not closed), newest first, with task counts as of today. */
int store_case_list(struct db *db, const char *state, const char *today, int64_t limit,
		    void (*fn)(void *arg, const struct store_case *c), void *arg, struct arena *a);
/* Sets one column: "title", "state", "owner", "court", "court_case_number"
 * or "civil_party" ("0"/"1"). */
int store_case_set(struct db *db, int64_t id, const char *column, const char *value,
		   const char *now);
/* Links a report; HL_EEXIST when it is linked already. */
int store_case_link(struct db *db, int64_t case_id, int64_t report_id, const char *now);
int store_case_reports(struct db *db, int64_t case_id,
		       void (*fn)(void *arg, int64_t report_id), void *arg);
/* The cases a report is linked to. */
int store_report_cases(struct db *db, int64_t report_id,
		       void (*fn)(void *arg, int64_t case_id), void *arg);
int store_case_entry_add(struct db *db, int64_t case_id, const struct store_case_entry *e,
			 const char *now, int64_t *id);
/* Marks a task done, or records a referral's outcome (outcome non-NULL).
 * HL_ENOTFOUND when the entry is not of that case and type. */
int store_case_entry_close(struct db *db, int64_t case_id, int64_t entry_id, const char *type,
			   const char *outcome, const char *on, const char *now);
int store_case_entries(struct db *db, int64_t case_id,
		       void (*fn)(void *arg, const struct store_case_entry *e), void *arg,
		       struct arena *a);

#endif
