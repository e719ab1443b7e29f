/* report.h — a report as every channel hands it to intake, and the one
 * validator and normaliser all channels share.
 *
 * Strings in a struct report belong to the arena the caller passed to
 * report_validate (usually the request's); nothing here is freed alone. */
#ifndef HL_REPORT_H
#define HL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "evidence.h"

#define REPORT_MAX_URLS 50
#define REPORT_MAX_URL_BYTES 2048
#define REPORT_MAX_TEXT 10000 /* characters, for description and location */
#define REPORT_MAX_NAME 200
#define REPORT_MAX_EMAIL 254
#define REPORT_MAX_PHONE 40
#define REPORT_MAX_ATTACHMENTS 20 /* files hashed per report */
#define REPORT_MAX_HASHES 100     /* hashes submitted without a file */
#define REPORT_MAX_SUBJECT 1000   /* characters of an e-mail subject */

/* One problem with one field: a field path ("urls[2]", "contact.email",
 * or "" for the whole input) and a message key suffix ("required",
 * "url.invalid") that each channel renders in the reporter's language. */
struct field_error {
	char field[40];
	const char *code;
};

struct field_errors {
	struct field_error e[24];
	int n;
};

/* Records one error (silently keeps the first 24). */
void field_errors_add(struct field_errors *errs, const char *field, const char *code);
/* The code recorded for field, or NULL. */
const char *field_errors_get(const struct field_errors *errs, const char *field);

struct report {
	const char *kind;    /* "abuse_material", "exploitation", "immediate_danger", "needs_triage" */
	const char *channel; /* "web", "api", "email", "phone" */
	const char **urls;   /* as given, trimmed */
	const char **urls_norm; /* set by report_validate */
	size_t nurls;
	const char *where_seen;
	const char *exploitation_type;
	const char *description;
	const char *location;
	const char *language; /* "en", "fr", "nl", "de" or NULL */
	const char *contact_name;
	const char *contact_email;
	const char *contact_phone;
	bool may_contact;
	bool contact_given; /* the channel had a contact section filled in */
	/* phone sheets (channel "phone"): times "YYYY-MM-DDTHH:MM" (UTC) or
	 * "HH:MM" today, caller, urgency, and the operator's account */
	const char *call_started_at, *call_ended_at, *caller, *urgency, *operator;
	/* files and hashes (API uploads, e-mail); matched at intake */
	struct report_attachment *attachments;
	size_t nattachments;
	struct report_hash *hashes;
	size_t nhashes;
	const char *subject;        /* e-mail subject (channel "email"), or NULL */
	const char *source_key;     /* idempotency key ("mail:<Message-ID>"), or NULL */
	const char *parse_warnings; /* shown to staff on the report page, or NULL */
};

/* Parses a hash written in hex (either case) for algo ("pdq", "md5",
 * "sha1", "sha256") into h (algo points at the static name). Returns 0, or
 * HL_EINVAL for an unknown algorithm or a wrong length or digit. */
int report_hash_parse(const char *algo, const char *hex, struct report_hash *h);

/* The value lists, NULL-terminated, in the order forms show them. */
extern const char *const report_kinds[];
extern const char *const report_where_values[];
extern const char *const report_exploitation_types[];
extern const char *const report_languages[];
extern const char *const report_states[];
extern const char *const report_callers[];
extern const char *const report_urgencies[];
extern const char *const report_phone_kinds[]; /* what a call is about */

/* True when s is one of list (NULL-terminated). */
bool report_in_list(const char *const *list, const char *s);

/* Trims every text field, turns empty strings into NULL, turns CR LF and
 * lone CR in free text into LF, checks each field
 * against its rules and normalises the URLs (urls_norm). Records every
 * problem in errs (it does not stop at the first). Returns 0 when the
 * report may be stored, HL_EINVAL when errs holds problems, HL_ENOMEM. */
int report_validate(struct report *r, struct field_errors *errs, struct arena *a);

/* Checks and normalises one URL: http or https only, must parse, no
 * controls, at most REPORT_MAX_URL_BYTES. Returns NULL and sets *code on
 * failure, else the normalised URL allocated in a. */
const char *report_url_normalise(const char *url, const char **code, struct arena *a);

/* Splits text into its non-empty lines, trimmed (for URL text areas).
 * Returns 0 and *out (arena memory), or HL_ETOOBIG past max lines. */
int report_split_lines(const char *text, size_t max, const char ***out, size_t *n, struct arena *a);

/* Rewrites, in place, CR LF and lone CR as LF in s (arena memory made by
 * report_trim; NULL is allowed). */
void report_newlines_normalise(const char *s);

/* Trims ASCII white space around s into the arena; NULL when nothing is left. */
const char *report_trim(const char *s, struct arena *a);

#endif
