/* routing.h — who is told about an item, and telling them.
 *
 * The directory (partner hotlines by country, police contacts, hosting
 * providers' abuse addresses by AS number or domain) is data staff edit;
 * an empty directory is seeded from data/directory/sample.csv, each entry
 * marked "sample" until someone edits it.
 *
 * Rules, from where the item is hosted (the profile's "country" is the
 * hotline's own):
 *   own_country.provider  hosted at home: a notice to the hosting provider
 *   own_country.police    hosted at home: a referral to the national police
 *   partner_hotline       hosted where a partner hotline works: forward to it
 *   international         elsewhere (or unknown): the police, for
 *                         international cooperation
 * Nothing is sent until the analyst confirms; then each notice is written
 * from data/mail/<lang>/item_<kind>.txt with the hotline's reference and
 * recorded with its time (and queued for sending when the outgoing mail
 * queue is present). */
#ifndef HL_ROUTING_H
#define HL_ROUTING_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "hotline.h"
#include "staff.h"
#include "store/items.h"

/* Loads the sample directory when the directory is empty. */
int routing_seed(struct hotline *hl);

struct routing_proposal {
	const char *rule;              /* one of the rules above */
	const char *kind;              /* "notice", "forward", "referral" */
	bool found;                    /* a directory entry matched */
	struct store_dir_entry entry;  /* when found */
};
/* The proposals for an item (at most 2). */
int routing_propose(struct hotline *hl, int64_t item_id, struct routing_proposal *out, int *n,
		    struct arena *a);

/* Sends the proposals whose rules are listed in rules (comma-separated),
 * after the analyst confirmed them: records each notice, marks the item
 * notified (its first notice time is kept), linked reports become
 * "forwarded"; audited. Returns 0, HL_ENOTFOUND, or HL_EINVAL with *code
 * ("transition": not assessed illegal; "required": no rule; "invalid": a
 * rule not proposed or without a directory entry). */
int routing_send(struct hotline *hl, const struct staff_who *who, int64_t item_id,
		 const char *rules, const char **code, struct arena *a);
/* Sends the due reminder to the recipients of the item's notices. */
int routing_remind(struct hotline *hl, const struct staff_who *who, int64_t item_id,
		   const char **code, struct arena *a);

/* Directory edits (admins and supervisors), audited. A field problem is
 * HL_EINVAL with *field. */
int routing_dir_put(struct hotline *hl, const struct staff_who *who,
		    const struct store_dir_entry *e, int64_t *id, const char **field);
int routing_dir_delete(struct hotline *hl, const struct staff_who *who, int64_t id);

#endif
