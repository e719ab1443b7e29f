/* test_json_load.c — request bodies (src/web/json_load.c): the fast path
 * reads the usual report bodies, gives exactly jansson's values (keys in
 * order), and leaves everything it cannot vouch for to jansson, whose
 * verdict then stands: escapes, odd white space, bad UTF-8, duplicates,
 * deep nesting, non-object bodies, numbers it does not read, malformed and
 * oversized input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_load.h"
#include "../fuzz/json_same.h"

static json_t *reference(const char *s, size_t n)
{
	json_error_t e;
	return json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
}

/* json_load_body gives jansson's answer; returns whether the fast path
 * read s itself (and then it agrees too). */
static bool agrees(const char *s, size_t n)
{
	json_error_t e;
	json_t *ref = reference(s, n), *got = json_load_body(s, n, &e);
	json_t *fast = json_load_body_fast(s, n);
	if (!json_same(ref, got)) {
		fail_msg("json_load_body differs from jansson on: %.*s", (int)(n > 200 ? 200 : n), s);
	}
	if (fast && !json_same(ref, fast))
		fail_msg("the fast path differs from jansson on: %.*s", (int)(n > 200 ? 200 : n), s);
	bool took = fast != NULL;
	json_decref(ref);
	json_decref(got);
	json_decref(fast);
	return took;
}

static bool agrees_s(const char *s)
{
	return agrees(s, strlen(s));
}

static void test_report_bodies_take_the_fast_path(void **state)
{
	(void)state;
	static const char *const bodies[] = {
		"{\"kind\":\"abuse_material\",\"urls\":[\"https://example.org/a\"],"
		"\"where\":\"website\",\"description\":\"Synthetic report 1.\",\"language\":\"en\"}",
		"{\"kind\":\"exploitation\",\"description\":\"line one\\nline two \\\"quoted\\\" "
		"\\\\ \\/ \\t \\r \\b \\f\",\"contact\":{\"name\":\"A. Test\",\"email\":"
		"\"a@example.org\",\"phone\":null,\"may_contact\":true},\"location\":\"Gent\"}",
		"{\"kind\":\"needs_triage\",\"urls\":[],\"hashes\":[{\"algo\":\"sha256\",\"hash\":"
		"\"00ff\"}],\"attachments\":[{\"name\":\"a.png\",\"type\":\"image/png\",\"data\":"
		"\"iVBORw0KGgo=\"}]}",
		"{\"description\":\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xE4\xBD\xA0\"}",
		"{}",
		" \t\r\n{ \"a\" : [ true , false , null , 0 , -0 , 42 , -17 , 123456789012345678 ] }\n",
		"{\"\":\"empty key\",\"nested\":{\"a\":{\"b\":[[{\"c\":[]}]]}}}",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++)
		assert_true(agrees_s(bodies[i]));
}

static void test_keys_keep_their_order(void **state)
{
	(void)state;
	const char *s = "{\"z\":1,\"a\":2,\"m\":{\"y\":true,\"b\":false},\"c\":\"x\"}";
	json_t *v = json_load_body_fast(s, strlen(s));
	assert_non_null(v);
	const char *order[] = {"z", "a", "m", "c"};
	size_t k = 0;
	const char *key;
	json_t *val;
	json_object_foreach(v, key, val)
	{
		(void)val;
		assert_true(k < 4);
		assert_string_equal(key, order[k++]);
	}
	assert_int_equal(k, 4);
	assert_int_equal(json_integer_value(json_object_get(v, "a")), 2);
	assert_true(json_is_false(json_object_get(json_object_get(v, "m"), "b")));
	json_decref(v);
}

/* Inputs jansson reads but the fast path leaves to it: the answer is
 * still jansson's. */
static void test_left_to_jansson_and_read_alike(void **state)
{
	(void)state;
	static const char *const inputs[] = {
		"{\"a\":\"\\u00e9\"}",             /* \u escapes: yajl's differ at the edges */
		"{\"a\":\"\\ud83d\\ude00\"}",      /* a surrogate pair */
		"{\"a\\u0062\":1}",                /* in a key */
		"{\"a\":1.5}",                     /* reals */
		"{\"a\":-2e3}",
		"{\"a\":1E+2}",
		"{\"a\":1234567890123456789}",     /* 19 digits */
		"{\"a\":-9223372036854775808}",    /* yajl refuses the smallest integer */
		"[1,2,3]",                         /* not an object */
		"\"text\"",
		"42",
		"null",
	};
	for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
		assert_false(agrees_s(inputs[i]));
		json_error_t e;
		json_t *v = json_load_body(inputs[i], strlen(inputs[i]), &e);
		assert_non_null(v); /* jansson read it */
		json_decref(v);
	}
}

/* What jansson refuses is refused, whatever yajl would have said. */
static void test_refused_as_jansson_refuses(void **state)
{
	(void)state;
	static const char *const inputs[] = {
		"",
		"   ",
		"{",
		"{\"a\":}",
		"{\"a\" 1}",
		"{\"a\":1,}",
		"{\"a\":[1,]}",
		"{a:1}",
		"{'a':1}",
		"{\"a\":1}{}",                     /* two values */
		"{\"a\":1} x",                     /* trailing text */
		"{\"a\":1}\"",                    /* an unfinished string after: yajl waits */
		"{}\"}",
		"{\"a\":\"caf\xC3\xA9\"} \"abc",
		"{\"a\":1,\"a\":2}",               /* duplicate key */
		"{\"a\":{\"b\":1,\"b\":1}}",
		"{\"a\":01}",                      /* leading zero */
		"{\"a\":-}",
		"{\"a\":+1}",
		"{\"a\":.5}",
		"{\"a\":1e}",
		"{\"a\":99999999999999999999999}", /* too big */
		"{\"a\":1e999}",
		"{\"a\":tru}",
		"{\"a\":nul}",
		"{\"a\":NaN}",
		"{\"a\":\"\\x41\"}",               /* unknown escape */
		"{\"a\":\"\\u12\"}",               /* short \u */
		"{\"a\":\"\\ud800\"}",             /* a lone surrogate: yajl made it '?' */
		"{\"a\":\"\\udc00\"}",
		"{\"a\":\"\\u0000\"}",             /* NUL: jansson refuses it here */
		"{\"a\\u0000b\":1}",
		"{\"a\":\"tab\there\"}",           /* a raw control character */
		"\v{\"a\":1}",                     /* VT and FF: white space to yajl only */
		"{\"a\":1}\f",
		"/* c */{\"a\":1}",                /* comments */
		"{\"a\":1 // c\n}",
		"{\"a\":\"\xC3\x28\"}",            /* bad UTF-8 */
		"{\"a\":\"\xC0\xAF\"}",            /* overlong */
		"{\"a\":\"\xED\xA0\x80\"}",        /* a surrogate as UTF-8 */
		"{\"a\":\"\xF4\x90\x80\x80\"}",    /* above U+10FFFF */
		"{\"a\":\"\xE2\x82\"}",            /* truncated */
		"{\"\xFF\":1}",
	};
	for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
		agrees_s(inputs[i]);
		json_error_t e;
		json_t *v = json_load_body(inputs[i], strlen(inputs[i]), &e);
		if (v)
			fail_msg("accepted: %s", inputs[i]);
		assert_null(json_load_body_fast(inputs[i], strlen(inputs[i])));
	}
	/* a NUL byte in the middle of the buffer */
	static const char nul[] = "{\"a\":\"x\0y\"}";
	agrees(nul, sizeof nul - 1);
	json_error_t e;
	assert_null(json_load_body(nul, sizeof nul - 1, &e));
	assert_null(json_load_body(NULL, 0, &e));
}

static char *repeat(const char *open, const char *mid, const char *close, size_t n)
{
	size_t lo = strlen(open), lm = strlen(mid), lc = strlen(close);
	char *s = malloc(n * (lo + lc) + lm + 1), *p = s;
	assert_non_null(s);
	for (size_t i = 0; i < n; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, mid, lm);
	p += lm;
	for (size_t i = 0; i < n; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return s;
}

static void test_depth(void **state)
{
	(void)state;
	/* shallow nesting is read fast, deeper is jansson's, and deeper than
	 * jansson allows is refused */
	char *s = repeat("{\"a\":", "1", "}", 31);
	assert_true(agrees_s(s));
	free(s);
	s = repeat("{\"a\":", "1", "}", 100);
	assert_false(agrees_s(s));
	json_error_t e;
	json_t *v = json_load_body(s, strlen(s), &e);
	assert_non_null(v);
	json_decref(v);
	free(s);
	s = repeat("{\"a\":[", "1", "]}", 3000);
	agrees_s(s);
	assert_null(json_load_body(s, strlen(s), &e));
	free(s);
}

static void test_large_bodies(void **state)
{
	(void)state;
	/* a long string, a long key (beyond the key buffer's first size), and
	 * many members */
	size_t n = 1 << 20;
	char *s = malloc(n + 64);
	assert_non_null(s);
	int k = sprintf(s, "{\"");
	memset(s + k, 'k', 5000);
	k += 5000;
	k += sprintf(s + k, "\":\"");
	memset(s + k, 'v', n - 5000);
	k += (int)(n - 5000);
	sprintf(s + k, "\"}");
	assert_true(agrees_s(s));
	free(s);

	size_t members = 20000, cap = members * 24 + 8, len = 0;
	s = malloc(cap);
	assert_non_null(s);
	s[len++] = '{';
	for (size_t i = 0; i < members; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s\"m%zu\":[%zu]", i ? "," : "", i, i);
	s[len++] = '}';
	s[len] = '\0';
	assert_true(agrees(s, len));
	/* the same with the last key repeated: refused */
	len = len - 1 + (size_t)snprintf(s + len - 1, cap - len + 1, ",\"m0\":1}");
	agrees(s, len);
	json_error_t e;
	assert_null(json_load_body(s, len, &e));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_bodies_take_the_fast_path),
		cmocka_unit_test(test_keys_keep_their_order),
		cmocka_unit_test(test_left_to_jansson_and_read_alike),
		cmocka_unit_test(test_refused_as_jansson_refuses),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_large_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
