/* fuzz_form.c — libFuzzer target: URL-encoded form bodies (src/web/form.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a;
	arena_init(&a, 1u << 24);
	struct form f;
	if (form_parse((const char *)data, size, &f, &a) == 0) {
		for (int i = 0; i < f.n; i++)
			if (strlen(f.f[i].value) > size || strlen(f.f[i].name) > size)
				__builtin_trap();
		(void)form_get(&f, "urls");
	}
	arena_free(&a);
	return 0;
}
