/* mailin.h — reports that arrive by e-mail: one message (a mail server
 * pipes it to `hotline mail ingest`) or a Maildir's new/ folder, through
 * the same intake as every other channel.
 *
 * A message becomes a report with channel "email" and kind
 * "needs_triage": its text (the subject, then the body) as description,
 * the URLs found in it, its attachments hashed in memory (attachment_hash)
 * and then forgotten, the sender's address and name sealed like any
 * reporter's contact, and what could not be read as parse warnings
 * (codes, comma-separated: "base64,boundary"; message keys
 * "mail.warning.<code>"). Its idempotency key is a keyed hash of its
 * Message-ID and sender (or of the whole message when it has no
 * Message-ID), so the same message taken twice makes one report: the
 * second time answers with the first report's number. */
#ifndef HL_MAILIN_H
#define HL_MAILIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hotline.h"
#include "receipt.h"

enum mailin_outcome {
	MAILIN_NEW = 1,    /* a new report was committed */
	MAILIN_TAKEN,      /* taken before: number is that report's */
	MAILIN_REFUSED,    /* nothing usable (reason says why): no report */
};

struct mailin_result {
	enum mailin_outcome outcome;
	char number[RECEIPT_NUMBER_SIZE];
	const char *reason; /* MAILIN_REFUSED: "mail.empty", "mail.not_a_message", "mail.too_big" */
	size_t nwarnings, nurls, nattachments;
};

/* Takes one message (raw[0..len)): a report, committed before this
 * returns, and its acknowledgement queued when the profile asks for one.
 * hl must have its intake started. Returns 0 with *res (any outcome), or
 * HL_EIO/HL_ENOMEM when it could not be committed (nothing was). */
int mailin_message(struct hotline *hl, const void *raw, size_t len, struct mailin_result *res);

struct mailin_stats {
	uint64_t taken, duplicates, quarantined, failed;
};

/* Takes every message in dir/new: each moves to dir/cur once its report
 * is committed (or was already), to quarantine (dir/quarantine when NULL)
 * with a NAME.reason file and a log line when it holds nothing usable; on
 * a runtime failure it stays in new/ for the next run. Messages are
 * parsed while earlier ones are committed (the intake's group commit).
 * Returns 0 (st filled), HL_EIO when dir/new cannot be read or a folder
 * not made, or the first runtime failure (st->failed counts them). */
int mailin_maildir(struct hotline *hl, const char *dir, const char *quarantine,
		   struct mailin_stats *st);

#endif
