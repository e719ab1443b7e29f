/* audit.h — the audit chain: every access by a person to a report or a
 * case, every change, every unsealing, every login and failed login.
 *
 * Rows are only ever appended. Row n holds the SHA-256 of row n-1 and its
 * own hash covers its id, time, actor, action, object and detail and that
 * previous hash, so changing, removing or inserting a row breaks the chain
 * from that row on. Ids are consecutive. */
#ifndef HL_AUDIT_H
#define HL_AUDIT_H

#include <stdint.h>

#include "hotline.h"

/* Appends one row in its own transaction. object_type, object_id and
 * detail may be NULL. Returns 0 or HL_EIO. */
int audit_append(struct hotline *hl, const char *actor, const char *action,
		 const char *object_type, const char *object_id, const char *detail);
/* Appends within the caller's open write transaction on db. */
int audit_append_db(struct db *db, const char *actor, const char *action,
		    const char *object_type, const char *object_id, const char *detail);
/* Walks the whole chain. Returns 0 when it holds (*rows set to the number of
 * rows), HL_EINVAL with *bad_id the first row that does not, or HL_EIO. */
int audit_verify(struct hotline *hl, int64_t *rows, int64_t *bad_id);

#endif
