/* api_json.h — reading the public API's JSON bodies, apart from HTTP so
 * the fuzzer and the tests can drive it. */
#ifndef HL_API_JSON_H
#define HL_API_JSON_H

#include <jansson.h>

#include "arena.h"
#include "report.h"

struct hotline;

/* Parses body[0..len) as one JSON object. Returns it (json_decref it), or
 * NULL with *code "utf8.invalid", "json.malformed" or "json.not_object". */
json_t *api_json_object(const char *body, size_t len, const char **code);
/* Fills rep from a POST /api/v1/reports body: field types and unknown
 * fields are checked here, everything else by report_validate. Returns 0,
 * HL_EINVAL with errs filled, or HL_ENOMEM. rep's strings live in a. */
int api_report_from_json(struct hotline *hl, json_t *body, struct report *rep,
			 struct field_errors *errs, struct arena *a);
/* Reads "attachments" ([{name, type, data: base64}], each hashed in memory
 * with hl's limits (hl may be NULL) and its bytes wiped) and "hashes"
 * ([{algo, hash}]) from body into rep. 0 or HL_ENOMEM; problems in errs. */
int api_evidence_from_json(struct hotline *hl, json_t *body, struct report *rep,
			   struct field_errors *errs, struct arena *a);
/* Reads an array of {algo, hash} at field (at most max) into *out. */
int api_hashes_from_json(json_t *v, const char *field, struct report_hash **out, size_t *n,
			 size_t max, struct field_errors *errs, struct arena *a);

#endif
