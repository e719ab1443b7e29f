/* smtp.h — sending one message through an SMTP relay with libcurl, and
 * writing that message (RFC 5322, UTF-8 text, quoted-printable).
 *
 * Includes no application header but lib/: core/mailout.c decides what to
 * send and when; this file only talks to the relay. */
#ifndef HL_SMTP_H
#define HL_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct smtp_config {
	const char *url;      /* "smtp://host:port" or "smtps://host:port" (implicit TLS) */
	bool starttls;        /* smtp:// only: refuse to send unless STARTTLS succeeds */
	const char *ca_file;  /* CA bundle to check the relay's certificate; NULL: system's */
	const char *user;     /* NULL: no AUTH */
	const char *password;
	const char *from;     /* envelope sender and From: address */
	long timeout_s;       /* for the whole exchange (connect: a third of it) */
};

/* Reads a credentials file: the user name on the first line, the password
 * on the second. Refuses (HL_EPERM) a file group or others may read or
 * write, HL_EINVAL a file without two lines, HL_EIO one that cannot be
 * read. *user and *password are malloc'd: free them (the password after
 * sodium_memzero). */
int smtp_credentials_load(const char *path, char **user, char **password);

/* What a message says; every string UTF-8, none with CR or LF but body. */
struct smtp_message {
	const char *from, *from_name; /* from_name may be NULL */
	const char *to, *reply_to;    /* reply_to may be NULL */
	const char *subject, *body;
	const char *message_id;       /* without the angle brackets */
	const char *date;             /* RFC 5322 date; NULL: now */
	bool auto_submitted;          /* RFC 3834 "Auto-Submitted: auto-generated" */
};

/* True when s looks like one plain address (local@domain, printable ASCII
 * or UTF-8, no spaces, angle brackets, commas or controls, at most 254
 * bytes): enough to refuse header injection and lists. */
bool smtp_address_ok(const char *s);

/* Writes m as a whole message with CRLF line ends onto out. Returns 0,
 * HL_EINVAL (an address or a header with a line break), HL_ETOOBIG. */
int smtp_message_write(const struct smtp_message *m, struct buf *out);

/* Sends msg[0..len) from c->from to one recipient. Returns 0 when the
 * relay accepted it (250 after DATA), HL_EBUSY when it may work later
 * (cannot connect, timeout, 4xx), HL_EINVAL when the relay refused it for
 * good (5xx), HL_ENOMEM. *code is the relay's last reply code (0 when
 * none) and err (errlen bytes) says what happened, for the queue's
 * last_error: never a message body or a password. */
int smtp_send(const struct smtp_config *c, const char *to, const char *msg, size_t len, int *code,
	      char *err, size_t errlen);

#endif
