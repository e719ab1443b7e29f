/* json_load.h — request bodies parsed into jansson values, quickly.
 *
 * json_load_body(buf, len, err) gives what
 * json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, err) gives:
 * the same values, keys in the same order, and NULL for every input
 * jansson refuses. jansson's lexer copies each byte of a token on its own
 * and was about a tenth of a request thread's time on the report path
 * (docs/PERFORMANCE.md); this reads the common body (an object of strings,
 * arrays, booleans, nulls and small integers, in valid UTF-8 with no \u
 * escape) with yajl's event parser and builds the jansson values itself.
 * Anything else, or anything yajl refuses, is handed to json_loadb, whose
 * answer (and error) is then the answer: the fast path never refuses on
 * its own. tests/fuzz/fuzz_json_load.c compares the two on any input. */
#ifndef HL_JSON_LOAD_H
#define HL_JSON_LOAD_H

#include <jansson.h>
#include <stddef.h>

json_t *json_load_body(const char *buf, size_t len, json_error_t *err);

/* As json_load_body, but never takes the slow path: NULL when the fast
 * path cannot read buf. For the tests and the fuzzer only. */
json_t *json_load_body_fast(const char *buf, size_t len);

#endif
