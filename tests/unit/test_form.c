/* test_form.c — application/x-www-form-urlencoded decoding: '+' and %XX,
 * bad and truncated escapes, NUL bytes, the field limit, empty values,
 * names without '=' and the body length. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "form.h"

struct fx {
	struct arena a;
	struct form f;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof *x);
	if (!x)
		return -1;
	arena_init(&x->a, 1 << 20);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	arena_free(&x->a);
	free(x);
	return 0;
}

static int parse(struct fx *x, const char *body)
{
	return form_parse(body, strlen(body), &x->f, &x->a);
}

static void test_fields(void **state)
{
	struct fx *x = *state;
	assert_int_equal(parse(x, "kind=abuse_material&where=website&lang=fr"), 0);
	assert_int_equal(x->f.n, 3);
	assert_string_equal(x->f.f[0].name, "kind");
	assert_string_equal(x->f.f[0].value, "abuse_material");
	assert_string_equal(form_get(&x->f, "where"), "website");
	assert_string_equal(form_get(&x->f, "lang"), "fr");
	assert_null(form_get(&x->f, "missing"));
	assert_null(form_get(&x->f, "Kind"));
}

static void test_decoding(void **state)
{
	struct fx *x = *state;
	assert_int_equal(parse(x, "d=hello+world%21&u=http%3A%2F%2Fexample.org%2F%3Fa%3D1%26b%3D2"
				  "&e=%e2%82%AC&p=%2B&n%3Dame=v%26&sp=a%20b+c"),
			 0);
	assert_string_equal(form_get(&x->f, "d"), "hello world!");
	assert_string_equal(form_get(&x->f, "u"), "http://example.org/?a=1&b=2");
	assert_string_equal(form_get(&x->f, "e"), "\xE2\x82\xAC");
	assert_string_equal(form_get(&x->f, "p"), "+");
	assert_string_equal(form_get(&x->f, "n=ame"), "v&");
	assert_string_equal(form_get(&x->f, "sp"), "a b c");

	/* any byte but NUL may come through; UTF-8 is the caller's check */
	assert_int_equal(parse(x, "b=%FF%fe%01%0A"), 0);
	assert_string_equal(form_get(&x->f, "b"), "\xFF\xFE\x01\n");

	/* a value with '=' in it keeps it */
	assert_int_equal(parse(x, "a=1=2"), 0);
	assert_string_equal(form_get(&x->f, "a"), "1=2");

	/* %25 decodes to a literal '%' and is not decoded again */
	assert_int_equal(parse(x, "a=%2541"), 0);
	assert_string_equal(form_get(&x->f, "a"), "%41");
}

static void test_bad_escapes(void **state)
{
	struct fx *x = *state;
	const char *bad[] = {"a=%zz", "a=%", "a=%4", "a=x%", "a=%4g", "a=%g4", "%zz=1", "a=1&b=%",
			     "a=%%41", "a=%-1", "a=% 1", "a=%+1", "a=%0x41"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = parse(x, bad[i]);
		if (rc != HL_EINVAL)
			fail_msg("\"%s\" gave %d", bad[i], rc);
	}
	/* an escape cut off by the length given */
	assert_int_equal(form_parse("a=%41", 4, &x->f, &x->a), HL_EINVAL);
	assert_int_equal(form_parse("a=%41", 5, &x->f, &x->a), 0);
	assert_string_equal(form_get(&x->f, "a"), "A");
}

static void test_nul_refused(void **state)
{
	struct fx *x = *state;
	assert_int_equal(parse(x, "a=%00"), HL_EINVAL);
	assert_int_equal(parse(x, "a=x%00y"), HL_EINVAL);
	assert_int_equal(parse(x, "%00=1"), HL_EINVAL);
	/* a raw NUL byte inside the body */
	assert_int_equal(form_parse("a=x\0y", 5, &x->f, &x->a), HL_EINVAL);
	assert_int_equal(form_parse("a\0=1", 4, &x->f, &x->a), HL_EINVAL);
}

static void test_field_limit(void **state)
{
	struct fx *x = *state;
	char body[2048];
	size_t len = 0;
	for (int i = 0; i < FORM_MAX_FIELDS; i++)
		len += (size_t)snprintf(body + len, sizeof body - len, "%sf%d=%d", i ? "&" : "", i, i);
	assert_int_equal(form_parse(body, len, &x->f, &x->a), 0);
	assert_int_equal(x->f.n, FORM_MAX_FIELDS);
	assert_string_equal(form_get(&x->f, "f63"), "63");
	len += (size_t)snprintf(body + len, sizeof body - len, "&one=more");
	assert_int_equal(form_parse(body, len, &x->f, &x->a), HL_ETOOBIG);

	/* many fields of the same name count too */
	char *many = malloc(10000);
	assert_non_null(many);
	len = 0;
	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(many + len, 10000 - len, "u=x&");
	assert_int_equal(form_parse(many, len, &x->f, &x->a), HL_ETOOBIG);
	free(many);

	/* empty segments are not fields */
	char amps[512];
	memset(amps, '&', sizeof amps);
	assert_int_equal(form_parse(amps, sizeof amps, &x->f, &x->a), 0);
	assert_int_equal(x->f.n, 0);
}

static void test_empty_values_and_names(void **state)
{
	struct fx *x = *state;
	assert_int_equal(parse(x, "a=&b=&&c"), 0);
	assert_int_equal(x->f.n, 3);
	assert_string_equal(form_get(&x->f, "a"), "");
	assert_string_equal(form_get(&x->f, "b"), "");
	/* a name without '=' has an empty value */
	assert_non_null(form_get(&x->f, "c"));
	assert_string_equal(form_get(&x->f, "c"), "");

	assert_int_equal(parse(x, "may_contact"), 0);
	assert_int_equal(x->f.n, 1);
	assert_string_equal(form_get(&x->f, "may_contact"), "");

	assert_int_equal(parse(x, "=v"), 0);
	assert_int_equal(x->f.n, 1);
	assert_string_equal(x->f.f[0].name, "");
	assert_string_equal(x->f.f[0].value, "v");

	assert_int_equal(parse(x, "="), 0);
	assert_int_equal(x->f.n, 1);

	assert_int_equal(parse(x, ""), 0);
	assert_int_equal(x->f.n, 0);
	assert_int_equal(form_parse(NULL, 0, &x->f, &x->a), 0);
	assert_int_equal(x->f.n, 0);
}

static void test_repeated_and_length(void **state)
{
	struct fx *x = *state;
	assert_int_equal(parse(x, "u=1&u=2&u=3"), 0);
	assert_int_equal(x->f.n, 3);
	assert_string_equal(form_get(&x->f, "u"), "1"); /* the first */
	assert_string_equal(x->f.f[2].value, "3");

	/* only len bytes are read, and n starts again at each parse */
	assert_int_equal(form_parse("a=1&b=2", 3, &x->f, &x->a), 0);
	assert_int_equal(x->f.n, 1);
	assert_string_equal(form_get(&x->f, "a"), "1");
	assert_null(form_get(&x->f, "b"));
	assert_int_equal(form_parse("a=12345", 4, &x->f, &x->a), 0);
	assert_string_equal(form_get(&x->f, "a"), "12");
}

static void test_arena_limit(void **state)
{
	(void)state;
	struct arena small;
	arena_init(&small, 64);
	struct form f;
	char body[300];
	memset(body, 'x', sizeof body);
	body[0] = 'a';
	body[1] = '=';
	assert_int_equal(form_parse(body, sizeof body, &f, &small), HL_ENOMEM);
	arena_free(&small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_values_and_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeated_and_length, setup, teardown),
		cmocka_unit_test(test_arena_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
