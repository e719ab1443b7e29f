/* fuzz_headers.c — libFuzzer target: what a client controls in headers and
 * look-ups: Accept-Language, report numbers and receipt secrets, profiles. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "profile.h"
#include "receipt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	const char *lang = i18n_pick(s, s);
	if (!i18n_supported(lang, NULL))
		__builtin_trap();
	char num[RECEIPT_NUMBER_SIZE], sec[RECEIPT_SECRET_CHARS + 1];
	if (receipt_number_parse(s, num) && (strlen(num) != 11 || !receipt_number_parse(num, num)))
		__builtin_trap();
	if (receipt_secret_parse(s, sec) && strlen(sec) != RECEIPT_SECRET_CHARS)
		__builtin_trap();
	struct profile *p;
	if (profile_parse(s, size, &p, NULL) == 0) {
		(void)profile_get(p, "org_name", "fr");
		profile_free(p);
	}
	free(s);
	return 0;
}
