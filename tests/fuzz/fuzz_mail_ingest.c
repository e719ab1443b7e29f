/* fuzz_mail_ingest.c — libFuzzer target: the e-mail ingest path
 * (src/mail/ingest.c: GMime, own base64/QP decoding, charsets, HTML to
 * text, URLs) with attachments hashed by the core's attachment_hash, as
 * `hotline mail ingest` does. Checks what the parser promises: clean
 * UTF-8 text without controls, bounded URLs, attachments and warnings. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "attachment.h"
#include "ingest.h"
#include "utf8.h"

static int on_attachment(void *arg, const void *data, size_t len, const char *name,
			 const char *type)
{
	struct arena *a = arg;
	struct report_attachment att;
	return attachment_hash(NULL, data, len, name, type, &att, a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	arena_init(&a, 1u << 28);
	struct mail_parsed p;
	if (mail_parse(data, size, on_attachment, &a, &p, &a) == 0) {
		size_t tl = strlen(p.text);
		if (!utf8_valid(p.text, tl) || utf8_has_controls(p.text, true) || tl > MAIL_MAX_TEXT)
			__builtin_trap();
		if (p.nurls > MAIL_MAX_URLS || p.nattachments > MAIL_MAX_ATTACHMENTS)
			__builtin_trap();
		for (size_t i = 0; i < p.nurls; i++)
			if (!utf8_valid(p.urls[i], strlen(p.urls[i])) || strlen(p.urls[i]) > 2048)
				__builtin_trap();
		if (p.subject && (!utf8_valid(p.subject, strlen(p.subject)) ||
				  utf8_has_controls(p.subject, false)))
			__builtin_trap();
		(void)mail_usable(&p);
	}
	arena_free(&a);
	return 0;
}
