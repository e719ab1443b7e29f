/* fuzz_po.c — libFuzzer target: gettext catalogues (src/lib/po.c). */
#include <stddef.h>
#include <stdint.h>

#include "po.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct po_catalog cat;
	int line = 0;
	if (po_parse((const char *)data, size, &cat, &line) == 0) {
		for (size_t i = 0; i < cat.n; i++)
			if (po_get(&cat, cat.entries[i].key) != cat.entries[i].text)
				__builtin_trap();
		po_free(&cat);
	}
	return 0;
}
