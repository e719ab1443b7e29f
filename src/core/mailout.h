/* mailout.h — outgoing mail: the queue in the database, the templates,
 * and the sender thread that delivers through the configured relay.
 *
 * A message is queued in a database transaction (with whatever caused it,
 * when the caller holds one: mailout_enqueue_db) and delivered later by
 * the sender, which `hotline serve` starts when the profile names a relay
 * (mail.relay; docs/OPERATIONS.md). Nothing queued is dropped: while the
 * relay is down the message waits, retried with exponential backoff; a
 * relay's refusal for good (5xx) marks it failed, shown in the console,
 * where a supervisor may queue it again.
 *
 * Delivery is at least once. The sender marks a message 'sending' (with a
 * lease) before it talks to the relay and 'sent' in the same transaction
 * as the audit row of its sending, right after the relay's 250. A crash
 * (or a failed disk write) between that 250 and the commit leaves the
 * message 'sending'; when its lease ends it is queued and sent again, with
 * the same Message-ID, so the duplicate can be recognised. Losing a notice
 * is worse than sending it twice; nothing else can send it twice.
 *
 * Mail to a reporter never holds their address: it names the report
 * (to NULL, ref_type "report", ref_id its number), and the sender unseals
 * the report's contact e-mail at the moment it sends. */
#ifndef HL_MAILOUT_H
#define HL_MAILOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "hotline.h"

struct db;
struct staff_who;

struct mail_out {
	const char *to;       /* an address, or NULL: the reporter of report ref_id */
	const char *subject, *body;
	const char *kind;     /* "ack", "staff", "notice" ("test": `hotline mail send-test`) */
	const char *ref_type; /* "report", "item", ... or NULL */
	const char *ref_id;   /* a report number for "report" */
	const char *reply_to; /* NULL: the profile's mail.reply_to, if any */
};

/* Queues m in its own transaction and wakes the sender. Returns 0 and
 * *id_out (may be NULL), HL_EEXIST for a second acknowledgement of the
 * same report (nothing queued), HL_EINVAL (unknown kind, bad address,
 * empty subject or body, a line break in the subject, to NULL without a
 * report), HL_EIO. */
int mailout_enqueue(struct hotline *hl, const struct mail_out *m, int64_t *id_out);
/* The same inside the caller's open write transaction on db; actor is who
 * caused it ("system", "user:NAME"), kept with the message. Call
 * mailout_wake after the commit. */
int mailout_enqueue_db(struct hotline *hl, struct db *db, const struct mail_out *m,
		       const char *actor, int64_t *id_out);
/* Tells the sender of this process that something was queued. */
void mailout_wake(void);

/* Renders template_name in lang (falling back to "en"): the file
 * DATA/mail/<lang>/<name>.txt when the hotline has one, else the shipped
 * data/mail/<lang>/<name>.txt. Its first line is "Subject: ...", then a
 * blank line, then the body; {{name}} is replaced by the value given in
 * vars (name, value, ..., NULL) or, for org_name, org_email, org_website
 * and org_phone, by the profile's; anything else by "". Line breaks in the
 * subject become spaces. Returns 0 with *subject and *body in a,
 * HL_ENOTFOUND (no such template), HL_EINVAL (no Subject line), HL_ETOOBIG. */
int mailout_render(struct hotline *hl, const char *template_name, const char *lang,
		   const char *const *vars, const char **subject, const char **body,
		   struct arena *a);

/* Queues the acknowledgement of report number (the "ack" template, in
 * lang) when the profile says mail.ack = yes. At most one per report:
 * 0 when queued, HL_EEXIST when it was already, HL_ENOTFOUND when
 * acknowledgements are off (nothing queued); HL_EIO. */
int mailout_ack(struct hotline *hl, struct db *db, const char *number, const char *lang);

/* A staff member writes to the reporter of report number (an e-mail
 * report): the "staff" template with their text, queued and audited
 * ("report.mail") in one transaction. The address stays sealed: only the
 * sender opens it. Returns 0, HL_ENOTFOUND (no such report), HL_EINVAL
 * with *code ("required", "too_long", "control_chars", "utf8.invalid",
 * "mail.no_address": not an e-mail report), HL_EIO. */
int mailout_staff_write(struct hotline *hl, const struct staff_who *who, const char *number,
			const char *text, const char **code, struct arena *a);

/* A failed message queued again (a supervisor's retry), audited. 0,
 * HL_ENOTFOUND (no such failed message), HL_EIO. */
int mailout_requeue(struct hotline *hl, const char *actor, int64_t id);

/* True when the profile names a relay (mail.relay). */
bool mailout_configured(struct hotline *hl);
/* Delivers up to max messages that are due now, one after another, in
 * this thread. Counts what happened (pointers may be NULL). Returns 0, or
 * HL_EIO when the database could not be used. */
int mailout_deliver_due(struct hotline *hl, int max, int *sent, int *deferred, int *failed);
/* Starts the sender thread when a relay is configured (0 and nothing
 * started otherwise; HL_EINVAL for an unusable mail configuration, with a
 * log line: a credentials file others can read, a bad URL). One per
 * process; mailout_stop ends it. */
int mailout_start(struct hotline *hl);
void mailout_stop(void);

#endif
