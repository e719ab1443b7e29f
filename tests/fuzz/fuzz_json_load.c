/* fuzz_json_load.c — libFuzzer target: request bodies (src/web/json_load.c)
 * against jansson. Whatever comes in, json_load_body refuses what
 * json_loadb refuses and otherwise gives the same values, keys in the same
 * order; its fast path, when it reads the input at all, agrees too. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "json_load.h"
#include "json_same.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	const char *s = (const char *)data;
	json_error_t e1, e2;
	json_t *ref = json_loadb(s, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e1);
	json_t *got = json_load_body(s, size, &e2);
	json_t *fast = json_load_body_fast(s, size);
	if (!json_same(ref, got))
		__builtin_trap();
	if (fast && !json_same(ref, fast))
		__builtin_trap();
	json_decref(ref);
	json_decref(got);
	json_decref(fast);
	return 0;
}
