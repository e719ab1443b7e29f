/* attachment.c — hashing a file in memory (see attachment.h). */
#include "attachment.h"

#include <string.h>

#include "err.h"
#include "exacthash.h"
#include "hotline.h"
#include "image.h"
#include "pdq.h"
#include "utf8.h"

/* A copy of s cut to max bytes at a character boundary, controls turned
 * into spaces and invalid UTF-8 into '?'; NULL for NULL or empty. */
static const char *clean_copy(const char *s, size_t max, struct arena *a, int *nomem)
{
	if (!s || !*s)
		return NULL;
	size_t len = strlen(s);
	if (len > max)
		len = max;
	char *out = arena_alloc(a, len + 1);
	if (!out) {
		*nomem = 1;
		return NULL;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	/* drop a cut multi-byte tail, then repair what is still invalid */
	while (len && !utf8_valid(out, len) && ((unsigned char)out[len - 1] & 0x80))
		out[--len] = '\0';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)out[i];
		if (c < 0x20 || c == 0x7f)
			out[i] = ' ';
	}
	if (!utf8_valid(out, len))
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)out[i] & 0x80)
				out[i] = '?';
	return out;
}

int attachment_hash(struct hotline *hl, const void *data, size_t len, const char *name,
		    const char *type, struct report_attachment *out, struct arena *a)
{
	memset(out, 0, sizeof *out);
	int nomem = 0;
	out->name = clean_copy(name, ATTACHMENT_MAX_NAME, a, &nomem);
	out->type = clean_copy(type, ATTACHMENT_MAX_TYPE, a, &nomem);
	if (nomem)
		return HL_ENOMEM;
	out->size = len;
	struct exacthash h;
	if (exacthash_all(len ? data : NULL, len, &h))
		return HL_ECRYPTO;
	memcpy(out->md5, h.md5, sizeof out->md5);
	memcpy(out->sha1, h.sha1, sizeof out->sha1);
	memcpy(out->sha256, h.sha256, sizeof out->sha256);

	if (!len || image_sniff(data, len) == IMAGE_UNKNOWN)
		return 0;
	struct pdq_options opt = {0};
	opt.max_pixels = hl && hl->image_max_pixels ? hl->image_max_pixels : 0;
	struct pdq_result res;
	memset(&res, 0, sizeof res);
	int rc = pdq_hash_image(data, len, &opt, &res);
	if (rc == HL_ENOMEM)
		return HL_ENOMEM;
	if (rc == HL_ETOOBIG || (rc && res.image.error &&
				 strcmp(res.image.error, "image.too_many_pixels") == 0)) {
		out->problem = "image.too_large";
		return 0;
	}
	if (rc) {
		out->problem = "image.undecodable";
		return 0;
	}
	out->has_pdq = true;
	memcpy(out->pdq, res.hash.b, sizeof out->pdq);
	out->pdq_quality = res.quality;
	return 0;
}
