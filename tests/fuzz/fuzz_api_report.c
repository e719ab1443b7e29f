/* fuzz_api_report.c — libFuzzer target: a POST /api/v1/reports body through
 * the JSON reader, the field checks and the shared validator. */
#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "api_json.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *code = NULL;
	json_t *body = api_json_object((const char *)data, size, &code);
	if (!body)
		return 0;
	struct arena a;
	arena_init(&a, 1u << 24);
	struct report rep;
	struct field_errors errs = {0};
	int rc = api_report_from_json(NULL, body, &rep, &errs, &a);
	json_decref(body);
	if (rc == 0) {
		/* what may be stored: valid, bounded, no stray controls */
		if (rep.description && (utf8_length(rep.description) > REPORT_MAX_TEXT ||
					utf8_has_controls(rep.description, true)))
			__builtin_trap();
		if (rep.nurls > REPORT_MAX_URLS)
			__builtin_trap();
		for (size_t i = 0; i < rep.nurls; i++)
			if (!rep.urls_norm[i])
				__builtin_trap();
	}
	arena_free(&a);
	return 0;
}
