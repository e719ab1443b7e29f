/* fuzz_urlnorm.c — libFuzzer target: URL normalisation (src/core/urlnorm.c).
 * Whatever comes in, the result is bounded, is accepted again unchanged
 * (normalising is idempotent) and names a host. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "urlnorm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > URLNORM_MAX_IN + 16)
		return 0;
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct arena a;
	arena_init(&a, 1 << 20);
	const char *code = NULL;
	const char *n = urlnorm(s, &code, &a);
	if (n) {
		if (strlen(n) >= URLNORM_MAX_OUT || !urlnorm_host(n, &a))
			__builtin_trap();
		const char *code2 = NULL;
		const char *again = strlen(n) <= URLNORM_MAX_IN ? urlnorm(n, &code2, &a) : n;
		if (!again || strcmp(again, n) != 0)
			__builtin_trap();
	} else if (!code) {
		__builtin_trap();
	}
	arena_free(&a);
	free(s);
	return 0;
}
