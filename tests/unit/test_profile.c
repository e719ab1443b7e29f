/* test_profile.c — the organisation profile: key = value lines, comments,
 * per-language overrides ("key.fr"), white space, the line of a bad line,
 * loading from a file, and the shipped example. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "err.h"
#include "profile.h"
#include "unit_util.h"

static int parse(const char *text, struct profile **p, int *bad)
{
	*bad = 0;
	*p = NULL;
	return profile_parse(text, strlen(text), p, bad);
}

static void expect_bad(const char *text, int want_line)
{
	struct profile *p;
	int bad;
	int rc = parse(text, &p, &bad);
	if (rc != HL_EINVAL)
		fail_msg("accepted (%d): %s", rc, text);
	if (bad != want_line)
		fail_msg("bad line %d, wanted %d: %s", bad, want_line, text);
}

static const char *const SAMPLE = "# Example profile\n"
				  "   # an indented comment\n"
				  "\n"
				  "org_name = Example Hotline\n"
				  "org_phone=116 000\n"
				  "\temergency_number\t=\t112\t\n"
				  "child_helpline_name = Awel\n"
				  "child_helpline_name.fr = \xC3\x89" "coute-Enfants\n"
				  "child_helpline_name.de = Nummer gegen Kummer\n"
				  "org_website = https://www.example.org/?a=b&c=d\n"
				  "example =\n"
				  "crlf = yes\r\n"
				  "last = no newline";

static void test_parse_and_get(void **state)
{
	(void)state;
	struct profile *p;
	int bad;
	assert_int_equal(parse(SAMPLE, &p, &bad), 0);
	assert_string_equal(profile_get(p, "org_name", NULL), "Example Hotline");
	assert_string_equal(profile_get(p, "org_phone", NULL), "116 000");
	assert_string_equal(profile_get(p, "emergency_number", NULL), "112");
	/* a value may hold '=' */
	assert_string_equal(profile_get(p, "org_website", NULL), "https://www.example.org/?a=b&c=d");
	assert_string_equal(profile_get(p, "example", NULL), "");
	assert_string_equal(profile_get(p, "crlf", NULL), "yes");
	assert_string_equal(profile_get(p, "last", NULL), "no newline");
	/* unset keys read as "" */
	assert_string_equal(profile_get(p, "no_such_key", NULL), "");
	assert_string_equal(profile_get(p, "org", NULL), "");
	assert_string_equal(profile_get(p, "org_name_x", "fr"), "");
	/* comments are not keys */
	assert_string_equal(profile_get(p, "# Example profile", NULL), "");
	profile_free(p);
	profile_free(NULL);
}

static void test_language_override(void **state)
{
	(void)state;
	struct profile *p;
	int bad;
	assert_int_equal(parse(SAMPLE, &p, &bad), 0);
	assert_string_equal(profile_get(p, "child_helpline_name", NULL), "Awel");
	assert_string_equal(profile_get(p, "child_helpline_name", "en"), "Awel");
	assert_string_equal(profile_get(p, "child_helpline_name", "nl"), "Awel");
	assert_string_equal(profile_get(p, "child_helpline_name", "fr"), "\xC3\x89" "coute-Enfants");
	assert_string_equal(profile_get(p, "child_helpline_name", "de"), "Nummer gegen Kummer");
	/* the suffixed key is not itself the plain key of something else */
	assert_string_equal(profile_get(p, "child_helpline", "name"), "");
	assert_string_equal(profile_get(p, "child_helpline_name", "f"), "Awel");
	assert_string_equal(profile_get(p, "child_helpline_name", "fr.x"), "Awel");
	/* a key with no override for the language falls back */
	assert_string_equal(profile_get(p, "org_name", "fr"), "Example Hotline");
	profile_free(p);

	/* an override given before the plain key still wins */
	assert_int_equal(parse("k.nl = NL\nk = plain\n", &p, &bad), 0);
	assert_string_equal(profile_get(p, "k", "nl"), "NL");
	assert_string_equal(profile_get(p, "k", "fr"), "plain");
	profile_free(p);

	/* an override alone: other languages get "" */
	assert_int_equal(parse("only.fr = seul\n", &p, &bad), 0);
	assert_string_equal(profile_get(p, "only", "fr"), "seul");
	assert_string_equal(profile_get(p, "only", "en"), "");
	assert_string_equal(profile_get(p, "only", NULL), "");
	profile_free(p);
}

static void test_bad_lines(void **state)
{
	(void)state;
	expect_bad("not a pair\n", 1);
	expect_bad("a = 1\nb = 2\njust words\nc = 3\n", 3);
	expect_bad("# comment\n\n   \n# another\nbroken\n", 5);
	expect_bad("= value without a key\n", 1);
	expect_bad("a = 1\n   = 2\n", 2);
	expect_bad("a = 1\r\nb\r\n", 2);
	expect_bad("a = 1\nlast line without equals", 2);
	/* bad_line may be NULL */
	struct profile *p = NULL;
	assert_int_equal(profile_parse("x", 1, &p, NULL), HL_EINVAL);
}

static void test_empty(void **state)
{
	(void)state;
	struct profile *p;
	int bad;
	assert_int_equal(parse("", &p, &bad), 0);
	assert_non_null(p);
	assert_string_equal(profile_get(p, "org_name", "fr"), "");
	profile_free(p);
	assert_int_equal(parse("# only comments\n\n\t\n", &p, &bad), 0);
	profile_free(p);
}

static void test_length_is_respected(void **state)
{
	(void)state;
	struct profile *p = NULL;
	int bad = 0;
	const char *text = "a = 1\nb = 2\n";
	assert_int_equal(profile_parse(text, 6, &p, &bad), 0);
	assert_string_equal(profile_get(p, "a", NULL), "1");
	assert_string_equal(profile_get(p, "b", NULL), "");
	profile_free(p);
	assert_int_equal(profile_parse("a = 12345", 6, &p, &bad), 0);
	assert_string_equal(profile_get(p, "a", NULL), "12");
	profile_free(p);
}

static void test_many_keys(void **state)
{
	(void)state;
	size_t cap = 200000, len = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	for (int i = 0; i < 3000; i++)
		len += (size_t)snprintf(text + len, cap - len, "key%d = value %d\n", i, i);
	struct profile *p;
	int bad = 0;
	assert_int_equal(profile_parse(text, len, &p, &bad), 0);
	assert_string_equal(profile_get(p, "key0", NULL), "value 0");
	assert_string_equal(profile_get(p, "key2999", "fr"), "value 2999");
	profile_free(p);
	free(text);
}

static void test_load_file(void **state)
{
	(void)state;
	char dir[64], path[128];
	assert_int_equal(ut_tmpdir(dir, sizeof dir), 0);
	snprintf(path, sizeof path, "%s/profile.conf", dir);
	struct profile *p = NULL;
	int bad = 0;
	assert_int_equal(profile_load(path, &p, &bad), HL_EIO); /* missing */
	assert_int_equal(ut_write_file(path, SAMPLE, strlen(SAMPLE), 0640), 0);
	assert_int_equal(profile_load(path, &p, &bad), 0);
	assert_string_equal(profile_get(p, "org_name", "fr"), "Example Hotline");
	profile_free(p);
	const char *broken = "a = 1\n\nnope\n";
	assert_int_equal(ut_write_file(path, broken, strlen(broken), 0640), 0);
	assert_int_equal(profile_load(path, &p, &bad), HL_EINVAL);
	assert_int_equal(bad, 3);
	/* a folder is not a profile */
	assert_int_not_equal(profile_load(dir, &p, &bad), 0);
	ut_rmtree(dir);
}

static void test_shipped_example(void **state)
{
	(void)state;
	const struct embedded_file *f = NULL;
	for (const struct embedded_file *e = embedded_files; e->name; e++)
		if (strcmp(e->name, "data/profiles/example-be.conf") == 0)
			f = e;
	assert_non_null(f);
	struct profile *p = NULL;
	int bad = 0;
	assert_int_equal(profile_parse((const char *)f->data, f->len, &p, &bad), 0);
	assert_true(strlen(profile_get(p, "org_name", NULL)) > 0);
	assert_true(strlen(profile_get(p, "emergency_number", "fr")) > 0);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_get),
		cmocka_unit_test(test_language_override),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_length_is_respected),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_shipped_example),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
