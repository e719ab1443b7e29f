/* form.h — application/x-www-form-urlencoded bodies. */
#ifndef HL_FORM_H
#define HL_FORM_H

#include <stddef.h>

#include "arena.h"

#define FORM_MAX_FIELDS 64

struct form {
	int n;
	struct {
		const char *name, *value;
	} f[FORM_MAX_FIELDS];
};

/* Decodes body[0..len) into f ('+' is a space, %XX a byte). Values are
 * arena memory and may hold any bytes but NUL; the caller checks UTF-8.
 * Returns 0, HL_EINVAL for a bad escape or a NUL byte, HL_ETOOBIG past
 * FORM_MAX_FIELDS fields, HL_ENOMEM. */
int form_parse(const char *body, size_t len, struct form *f, struct arena *a);
/* Decodes a multipart/form-data body (a file upload) of the request on
 * conn, with libmicrohttpd's post processor, into f: each part's name and
 * its whole content (file parts too: the content of the file). Same
 * returns as form_parse; HL_EINVAL also for a body that is not multipart
 * or is cut short. */
struct MHD_Connection;
int form_parse_multipart(struct MHD_Connection *conn, const char *body, size_t len, struct form *f,
			 struct arena *a);
/* The first value of name, or NULL. */
const char *form_get(const struct form *f, const char *name);

#endif
