/* ingest.h — one RFC 5322 message, parsed with GMime into plain values:
 * sender, subject, date, Message-ID, the text (HTML turned into text,
 * every charset converted to UTF-8), the URLs in it, forwarded messages
 * (message/rfc822) and the attachments, which are handed to a callback
 * and never kept.
 *
 * Hostile input is the normal case here. Every size has a limit: the
 * message, each header field, the number of header fields, of parts and
 * of attachments, the nesting depth, the text kept. What breaks a limit
 * or cannot be read is skipped and named in the warnings; the rest is
 * still returned. Archives are never opened: an attachment is bytes.
 * The work done is linear in the size of the message.
 *
 * Includes no application header but lib/. */
#ifndef HL_INGEST_H
#define HL_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

#define MAIL_MAX_BYTES (32u << 20)       /* a larger message is refused */
#define MAIL_MAX_HEADER_FIELD 16384      /* one header field, folded lines and all */
#define MAIL_MAX_HEADER_FIELDS 500       /* fields in one header block */
#define MAIL_MAX_PARTS 256               /* MIME parts looked at */
#define MAIL_MAX_DEPTH 8                 /* multipart and message nesting */
#define MAIL_MAX_TEXT (256u << 10)       /* bytes of UTF-8 text kept */
#define MAIL_MAX_ATTACHMENTS 20          /* attachments handed to the callback */
#define MAIL_MAX_URLS 50                 /* URLs kept */
#define MAIL_MAX_SUBJECT 998             /* bytes of subject kept */

/* Called for each attachment (and inline image) with its decoded bytes,
 * valid only during the call; name and type may be NULL. Returns 0, or
 * an error that stops nothing (the attachment is counted as unreadable). */
typedef int (*mail_attachment_fn)(void *arg, const void *data, size_t len, const char *name,
				  const char *type);

struct mail_parsed {
	const char *from_addr, *from_name; /* NULL when the message names no usable sender */
	const char *subject;               /* UTF-8, NULL when none */
	const char *date;                  /* "YYYY-MM-DDTHH:MM:SSZ", NULL when none or bad */
	const char *message_id;            /* without angle brackets, NULL when none */
	const char *language;              /* "en", "fr", "nl", "de" or NULL */
	const char *text;                  /* UTF-8, no controls but tab and LF; "" when none */
	const char **urls;                 /* http(s) URLs as found (refanged), at most MAIL_MAX_URLS */
	size_t nurls;
	size_t nattachments;               /* handed to the callback */
	size_t nparts;                     /* MIME leaf parts seen */
	size_t nforwarded;                 /* message/rfc822 parts */
	const char **warnings;             /* codes: "base64", "boundary" ... (message keys
					      "mail.warning.<code>") */
	size_t nwarnings;
	char digest[65];                   /* SHA-256 of the raw message, hex */
};

/* Parses raw[0..len). Everything in *out is in a. Returns 0 (look at
 * mail_usable: there may be nothing to report), HL_ETOOBIG for a message
 * over MAIL_MAX_BYTES, HL_EINVAL for input that is not a message at all
 * (no header field), HL_ENOMEM. Thread-safe. */
int mail_parse(const void *raw, size_t len, mail_attachment_fn fn, void *arg,
	       struct mail_parsed *out, struct arena *a);

/* True when the message holds something to report: text (or a subject),
 * a URL or an attachment. */
bool mail_usable(const struct mail_parsed *m);

/* HTML to plain text (exposed for tests): tags dropped, block ends as line
 * breaks, script and style skipped, entities decoded; each href is handed
 * to url (may be NULL). Appends to out (arena-free: a struct buf). */
struct buf;
int mail_html_to_text(const char *html, size_t len, struct buf *out,
		      void (*url)(void *arg, const char *href, size_t n), void *arg);

#endif
