/* mail.h — the queries of the outgoing mail queue (mail_outbox, migration
 * 010). Nothing outside src/store/ holds SQL. */
#ifndef HL_STORE_MAIL_H
#define HL_STORE_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "db.h"

/* A new outgoing message, flattened for storage. All pointers borrowed. */
struct store_mail_new {
	const char *kind, *ref_type, *ref_id;
	const unsigned char *to_sealed; /* NULL: the reporter of report ref_id */
	size_t to_sealed_len;
	const char *reply_to, *subject, *body, *message_id, *created_by, *created_at;
	int64_t next_at;
};

/* One row of the queue. Strings and blob in the arena. */
struct store_mail_row {
	int64_t id;
	const char *kind, *ref_type, *ref_id, *reply_to, *subject, *body, *message_id;
	const unsigned char *to_sealed;
	size_t to_sealed_len;
	const char *state, *last_error, *created_by, *created_at, *sent_at;
	int64_t attempts, next_at;
};

/* Inserts a queued message (inside the caller's transaction). Returns 0
 * and *id, HL_EEXIST when an acknowledgement for that report is queued
 * already (nothing written), or HL_EIO. */
int store_mail_insert(struct db *db, const struct store_mail_new *m, int64_t *id);
/* Takes the oldest message due at now (state queued, next_at <= now):
 * marks it 'sending' until lease_until (its next_at while sending) and
 * counts the attempt. Call inside a transaction. Returns 0 and *out,
 * HL_ENOTFOUND when nothing is due, or HL_EIO. */
int store_mail_claim(struct db *db, int64_t now, int64_t lease_until, struct store_mail_row *out,
		     struct arena *a);
/* The earliest next_at of a queued message, or HL_ENOTFOUND. */
int store_mail_next_due(struct db *db, int64_t *next_at);
/* A 'sending' message was accepted by the relay: sent, at now. */
int store_mail_sent(struct db *db, int64_t id, const char *now);
/* A 'sending' message goes back to the queue until next_at, with the error. */
int store_mail_retry(struct db *db, int64_t id, int64_t next_at, const char *error);
/* A 'sending' message was refused for good: failed, with the error. */
int store_mail_failed(struct db *db, int64_t id, const char *error);
/* Messages left 'sending' past their lease (by a process that stopped
 * mid-send) go back to the queue (*n of them). */
int store_mail_unclaim(struct db *db, int64_t now, int64_t *n);
/* A failed message is queued again, due at now. 0, HL_ENOTFOUND. */
int store_mail_requeue(struct db *db, int64_t id, int64_t now);
/* One message by id. 0, HL_ENOTFOUND, HL_EIO. */
int store_mail_get(struct db *db, int64_t id, struct store_mail_row *out, struct arena *a);
/* Calls fn for up to limit messages, newest first, with an id below
 * before (0: from the newest), in state (NULL: any). */
int store_mail_list(struct db *db, const char *state, int64_t before, int64_t limit,
		    void (*fn)(void *arg, const struct store_mail_row *row), void *arg,
		    struct arena *a);
/* The number of messages in each state. */
int store_mail_counts(struct db *db, int64_t *queued, int64_t *sending, int64_t *sent,
		      int64_t *failed);

#endif
