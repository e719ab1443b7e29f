/* test_po.c — the .po reader: entries, multi-line strings, escapes,
 * comments, fuzzy entries, duplicate keys, and every kind of broken file
 * (syntax errors with their line, unterminated strings, truncation). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "po.h"

/* Runs fn(arg) in a child process and returns its exit status (or 128 +
 * the signal), so undefined behaviour caught by the sanitizers fails one
 * test instead of ending the whole run. */
static int in_child(int (*fn)(const void *), const void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	int status = 0;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int parse(const char *src, struct po_catalog *cat, int *bad)
{
	*bad = 0;
	return po_parse(src, strlen(src), cat, bad);
}

/* Expects src to fail with a syntax error on line want_line. */
static void expect_bad(const char *src, int want_line)
{
	struct po_catalog cat;
	int bad = -1;
	int rc = parse(src, &cat, &bad);
	if (rc != HL_EINVAL)
		fail_msg("accepted (rc %d): %s", rc, src);
	if (bad != want_line)
		fail_msg("bad line %d, wanted %d: %s", bad, want_line, src);
	assert_int_equal(cat.n, 0);
	assert_null(cat.entries);
}

static const char *const BASIC =
	"# A comment\n"
	"msgid \"\"\n"
	"msgstr \"\"\n"
	"\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
	"\n"
	"msgid \"form.title\"\n"
	"msgstr \"Make a report\"\n"
	"\n"
	"#. extracted comment\n"
	"#: src/web/page.c:12\n"
	"msgid \"b.key\"\n"
	"msgstr \"Caf\xC3\xA9 {name}\"\n";

static void test_basic_entries(void **state)
{
	(void)state;
	struct po_catalog cat;
	int bad;
	assert_int_equal(parse(BASIC, &cat, &bad), 0);
	assert_int_equal(cat.n, 2); /* the header is skipped */
	assert_string_equal(po_get(&cat, "form.title"), "Make a report");
	assert_string_equal(po_get(&cat, "b.key"), "Caf\xC3\xA9 {name}");
	assert_null(po_get(&cat, ""));
	/* sorted by key */
	assert_true(strcmp(cat.entries[0].key, cat.entries[1].key) < 0);
	po_free(&cat);
	assert_int_equal(cat.n, 0);
	po_free(&cat); /* twice is harmless */
}

static void test_missing_key(void **state)
{
	(void)state;
	struct po_catalog cat;
	int bad;
	assert_int_equal(parse(BASIC, &cat, &bad), 0);
	assert_null(po_get(&cat, "no.such.key"));
	assert_null(po_get(&cat, "form.titl"));
	assert_null(po_get(&cat, "form.title "));
	assert_null(po_get(&cat, "Form.title"));
	po_free(&cat);
}

/* Parses src and looks a key up; 0 when both behave. */
static int parse_empty_child(const void *arg)
{
	const char *src = arg;
	struct po_catalog cat;
	int bad = 0;
	if (po_parse(src, strlen(src), &cat, &bad) != 0 || cat.n != 0)
		return 10;
	if (po_get(&cat, "form.title") != NULL)
		return 11;
	po_free(&cat);
	return 0;
}

static void test_empty_catalogue(void **state)
{
	(void)state;
	/* an empty file, or one with only a header (a new translation) */
	const char *srcs[] = {"", "\n\n", "# only a comment\n",
			      "msgid \"\"\nmsgstr \"\"\n\"Language: fr\\n\"\n"};
	for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
		int rc = in_child(parse_empty_child, srcs[i]);
		if (rc != 0)
			fail_msg("parsing a catalogue with no entries (\"%s\") failed: child status %d",
				 srcs[i], rc);
	}
}

static void test_multiline_strings(void **state)
{
	(void)state;
	const char *src = "msgid \"\"\n"
			  "\"multi.\"\n"
			  "\"key\"\n"
			  "msgstr \"\"\n"
			  "\"line one\\n\"\n"
			  "   \"line two\"  \n"
			  "\"\"\n"
			  "\" end\"\n";
	struct po_catalog cat;
	int bad;
	assert_int_equal(parse(src, &cat, &bad), 0);
	assert_int_equal(cat.n, 1);
	assert_string_equal(po_get(&cat, "multi.key"), "line one\nline two end");
	po_free(&cat);
}

static void test_escapes(void **state)
{
	(void)state;
	const char *src = "msgid \"esc\"\n"
			  "msgstr \"a\\nb\\tc\\rd\\\"e\\\\f\"\n"
			  "msgid \"quote\\\"key\"\n"
			  "msgstr \"\\\\\"\n";
	struct po_catalog cat;
	int bad;
	assert_int_equal(parse(src, &cat, &bad), 0);
	assert_string_equal(po_get(&cat, "esc"), "a\nb\tc\rd\"e\\f");
	assert_string_equal(po_get(&cat, "quote\"key"), "\\");
	po_free(&cat);

	/* unknown escapes are errors */
	expect_bad("msgid \"a\"\nmsgstr \"x\\qy\"\n", 2);
	expect_bad("msgid \"a\\x41\"\nmsgstr \"y\"\n", 1);
	expect_bad("msgid \"a\"\nmsgstr \"\\0\"\n", 2);
}

static void test_crlf_and_no_final_newline(void **state)
{
	(void)state;
	const char *src = "msgid \"a\"\r\nmsgstr \"A\"\r\n\r\nmsgid \"b\"\r\nmsgstr \"B\"";
	struct po_catalog cat;
	int bad;
	assert_int_equal(parse(src, &cat, &bad), 0);
	assert_int_equal(cat.n, 2);
	assert_string_equal(po_get(&cat, "a"), "A");
	assert_string_equal(po_get(&cat, "b"), "B");
	po_free(&cat);
}

static void test_fuzzy_skipped(void **state)
{
	(void)state;
	const char *src = "#, fuzzy\n"
			  "msgid \"f\"\n"
			  "msgstr \"fuzzy text\"\n"
			  "\n"
			  "#, c-format\n"
			  "msgid \"c\"\n"
			  "msgstr \"kept\"\n"
			  "\n"
			  "#, fuzzy, c-format\n"
			  "#| msgid \"old\"\n"
			  "msgid \"g\"\n"
			  "msgstr \"also fuzzy\"\n"
			  "\n"
			  "msgid \"h\"\n"
			  "msgstr \"after fuzzy\"\n"
			  "msgid \"empty\"\n"
			  "msgstr \"\"\n";
	struct po_catalog cat;
	int bad;
	assert_int_equal(parse(src, &cat, &bad), 0);
	assert_null(po_get(&cat, "f"));
	assert_null(po_get(&cat, "g"));
	assert_string_equal(po_get(&cat, "c"), "kept");
	assert_string_equal(po_get(&cat, "h"), "after fuzzy"); /* fuzzy does not stick */
	assert_null(po_get(&cat, "empty"));                    /* untranslated */
	assert_int_equal(cat.n, 2);
	po_free(&cat);
}

static void test_duplicate_keeps_last(void **state)
{
	(void)state;
	const char *src = "msgid \"k\"\nmsgstr \"first\"\n"
			  "msgid \"other\"\nmsgstr \"o\"\n"
			  "msgid \"k\"\nmsgstr \"second\"\n"
			  "msgid \"k\"\nmsgstr \"third\"\n";
	struct po_catalog cat;
	int bad;
	assert_int_equal(parse(src, &cat, &bad), 0);
	assert_int_equal(cat.n, 2);
	assert_string_equal(po_get(&cat, "k"), "third");
	po_free(&cat);

	/* many keys, each given twice far apart: the later one wins for all */
	enum { N = 600 };
	size_t cap = (size_t)N * 2 * 64 + 1, len = 0;
	char *big = malloc(cap);
	assert_non_null(big);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < N; i++)
			len += (size_t)snprintf(big + len, cap - len,
						"msgid \"key.%03d\"\nmsgstr \"%s %d\"\n",
						(i * 7919) % N, round ? "new" : "old", (i * 7919) % N);
	assert_int_equal(po_parse(big, len, &cat, &bad), 0);
	assert_int_equal(cat.n, N);
	for (int i = 0; i < N; i++) {
		char key[32], want[32];
		snprintf(key, sizeof key, "key.%03d", i);
		snprintf(want, sizeof want, "new %d", i);
		const char *got = po_get(&cat, key);
		assert_non_null(got);
		assert_string_equal(got, want);
	}
	po_free(&cat);
	free(big);
}

static void test_syntax_errors_report_line(void **state)
{
	(void)state;
	expect_bad("msgid \"a\"\nmsgstr \"b\"\n\nmsgstrr \"c\"\n", 4);
	expect_bad("\"stray string\"\n", 1);
	expect_bad("# c\n\nmsgstr \"no id\"\n", 3);
	expect_bad("msgid \"a\" junk\nmsgstr \"b\"\n", 1);
	expect_bad("msgid \"a\"\nmsgstr \"b\"\"c\"\n", 2);
	expect_bad("msgid a\nmsgstr \"b\"\n", 1);
	expect_bad("msgid \"a\"\nmsgstr \"b\"\nmsgstr \"c\"\n", 3);
	expect_bad("msgid \"a\"\nmsgstr \"b\"\n\n\n\n\nhello\n", 7);
	expect_bad("msgid \"a\"\nmsgid_plural \"as\"\nmsgstr[0] \"b\"\n", 2);
	expect_bad("msgid\nmsgstr \"b\"\n", 1);
	expect_bad("msgid \"a\"\nmsgstr\n", 2);
}

static void test_unterminated_and_truncated(void **state)
{
	(void)state;
	expect_bad("msgid \"abc\nmsgstr \"x\"\n", 1);
	expect_bad("msgid \"a\"\nmsgstr \"unterminated\n", 2);
	expect_bad("msgid \"a\"\nmsgstr \"ends with backslash\\\"\n", 2);
	expect_bad("msgid \"a\"\nmsgstr \"x\\", 2);
	expect_bad("msgid \"a\"\nmsgstr \"x", 2);
	/* ends after a msgid, with no msgstr */
	expect_bad("msgid \"a\"\nmsgstr \"b\"\nmsgid \"c\"\n", 3);
	expect_bad("msgid \"a\"", 1);
}

/* Cuts a valid file at every byte: each cut parses or fails cleanly,
 * and parsing reads no byte past the length given. 0 when all behave. */
static int truncations_child(const void *arg)
{
	const char *src = arg;
	size_t len = strlen(src);
	for (size_t cut = 0; cut <= len; cut++) {
		char *copy = malloc(cut ? cut : 1);
		if (!copy)
			return 20;
		memcpy(copy, src, cut);
		struct po_catalog cat;
		int bad = 0;
		int rc = po_parse(copy, cut, &cat, &bad);
		free(copy);
		if (rc == 0)
			po_free(&cat);
		else if (rc != HL_EINVAL || bad < 1 || bad > 12)
			return 21;
	}
	return 0;
}

static void test_every_truncation_is_safe(void **state)
{
	(void)state;
	int rc = in_child(truncations_child, BASIC);
	if (rc != 0)
		fail_msg("parsing a truncated catalogue failed: child status %d", rc);
}

static void test_bad_line_may_be_null(void **state)
{
	(void)state;
	struct po_catalog cat;
	assert_int_equal(po_parse("garbage", 7, &cat, NULL), HL_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_entries),
		cmocka_unit_test(test_missing_key),
		cmocka_unit_test(test_multiline_strings),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_crlf_and_no_final_newline),
		cmocka_unit_test(test_fuzzy_skipped),
		cmocka_unit_test(test_duplicate_keeps_last),
		cmocka_unit_test(test_syntax_errors_report_line),
		cmocka_unit_test(test_unterminated_and_truncated),
		cmocka_unit_test(test_every_truncation_is_safe),
		cmocka_unit_test(test_bad_line_may_be_null),
		cmocka_unit_test(test_empty_catalogue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
