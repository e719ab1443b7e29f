/* attachment.h — what Hotline keeps of a file that reaches it (an API
 * upload, an e-mail attachment): its name, type, size and hashes. The
 * bytes are hashed in memory and never stored; the caller discards them. */
#ifndef HL_ATTACHMENT_H
#define HL_ATTACHMENT_H

#include <stddef.h>

#include "arena.h"
#include "report.h"

struct hotline;

#define ATTACHMENT_MAX_NAME 255 /* bytes of a file name kept */
#define ATTACHMENT_MAX_TYPE 127 /* bytes of a media type kept */

/* Hashes data (len bytes, left untouched) into *out: MD5, SHA-1 and
 * SHA-256 always; PDQ and its quality when the bytes decode as an image
 * (JPEG, PNG, WebP, GIF, BMP) within the pixel limit of hl (NULL: the
 * default limit). out->problem says why there is no PDQ for an image:
 * "image.too_large" (the pixel limit refused it before decoding) or
 * "image.undecodable" (it looked like an image and did not decode); it is
 * NULL for files that are not images. name and type (either may be NULL)
 * are copied into a, cut to their maximum at a UTF-8 boundary, with
 * control characters replaced. Returns 0, HL_ENOMEM or HL_ECRYPTO. */
int attachment_hash(struct hotline *hl, const void *data, size_t len, const char *name,
		    const char *type, struct report_attachment *out, struct arena *a);

#endif
