/* test_i18n.c — the compiled-in catalogues (the same keys in every
 * language, the same {placeholders} as English in each text) and language
 * negotiation (?lang= first, then Accept-Language with q-values). */
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
#include "i18n.h"
#include "po.h"

static int group_setup(void **state)
{
	(void)state;
	return i18n_init() ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	i18n_free();
	return 0;
}

/* Parses the built-in catalogue of lang into cat; fails the test if it
 * is missing or broken. */
static void load(const char *lang, struct po_catalog *cat)
{
	char name[64];
	snprintf(name, sizeof name, "locales/%s.po", lang);
	const struct embedded_file *f = NULL;
	for (const struct embedded_file *e = embedded_files; e->name; e++)
		if (strcmp(e->name, name) == 0)
			f = e;
	if (!f)
		fail_msg("%s is not built in", name);
	int bad = 0;
	if (po_parse((const char *)f->data, f->len, cat, &bad) != 0)
		fail_msg("%s: syntax error on line %d", name, bad);
}

/* The {placeholder} names in s, sorted, joined by spaces, into out. */
static void placeholders(const char *s, char *out, size_t size)
{
	char names[32][64];
	int n = 0;
	for (const char *p = s; *p && n < 32; p++) {
		if (*p != '{')
			continue;
		const char *close = strchr(p + 1, '}');
		if (!close)
			break;
		size_t len = (size_t)(close - p - 1);
		if (len == 0 || len >= 64 ||
		    strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_0123456789") != len)
			continue;
		memcpy(names[n], p + 1, len);
		names[n][len] = '\0';
		n++;
		p = close;
	}
	qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
	size_t k = 0;
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		int w = snprintf(out + k, size - k, "%s%s", i ? " " : "", names[i]);
		if (w < 0 || (size_t)w >= size - k)
			break;
		k += (size_t)w;
	}
}

static void test_catalogues_have_the_same_keys(void **state)
{
	(void)state;
	struct po_catalog en;
	load("en", &en);
	assert_true(en.n > 10);
	int problems = 0;
	for (const char *const *l = i18n_languages; *l; l++) {
		if (strcmp(*l, "en") == 0)
			continue;
		struct po_catalog cat;
		load(*l, &cat);
		for (size_t i = 0; i < en.n; i++)
			if (!po_get(&cat, en.entries[i].key)) {
				print_error("%s.po lacks %s\n", *l, en.entries[i].key);
				problems++;
			}
		for (size_t i = 0; i < cat.n; i++)
			if (!po_get(&en, cat.entries[i].key)) {
				print_error("%s.po has %s, which en.po has not\n", *l, cat.entries[i].key);
				problems++;
			}
		po_free(&cat);
	}
	po_free(&en);
	assert_int_equal(problems, 0);
}

static void test_placeholders_match_english(void **state)
{
	(void)state;
	struct po_catalog en;
	load("en", &en);
	int problems = 0;
	for (const char *const *l = i18n_languages; *l; l++) {
		if (strcmp(*l, "en") == 0)
			continue;
		struct po_catalog cat;
		load(*l, &cat);
		for (size_t i = 0; i < en.n; i++) {
			const char *t = po_get(&cat, en.entries[i].key);
			if (!t)
				continue; /* reported by the key test */
			char want[1024], got[1024];
			placeholders(en.entries[i].text, want, sizeof want);
			placeholders(t, got, sizeof got);
			if (strcmp(want, got) != 0) {
				print_error("%s.po %s: placeholders {%s}, English has {%s}\n", *l,
					    en.entries[i].key, got, want);
				problems++;
			}
		}
		po_free(&cat);
	}
	po_free(&en);
	assert_int_equal(problems, 0);
}

static void test_get_and_fallback(void **state)
{
	(void)state;
	assert_string_equal(i18n_get("en", "nav.skip"), "Skip to the content");
	assert_true(i18n_has("en", "nav.skip"));
	assert_false(i18n_has("en", "no.such.key"));
	assert_false(i18n_has("xx", "nav.skip"));
	assert_false(i18n_has(NULL, "nav.skip"));
	/* unknown key: "" (never the caller's buffer); unknown language: English */
	char key[] = "no.such.key";
	const char *got = i18n_get("fr", key);
	assert_string_equal(got, "");
	assert_ptr_not_equal(got, key);
	assert_string_equal(i18n_get("xx", "nav.skip"), "Skip to the content");
	assert_string_equal(i18n_get(NULL, "nav.skip"), "Skip to the content");
	for (const char *const *l = i18n_languages; *l; l++) {
		assert_true(i18n_has(*l, "language.name"));
		assert_non_null(i18n_get(*l, "nav.skip"));
		assert_true(strlen(i18n_get(*l, "nav.skip")) > 0);
	}
	/* each language names itself differently */
	assert_string_not_equal(i18n_get("fr", "language.name"), i18n_get("en", "language.name"));
	assert_string_not_equal(i18n_get("nl", "language.name"), i18n_get("de", "language.name"));
}

static void test_supported(void **state)
{
	(void)state;
	const char *canon = NULL;
	char buf[3] = "fr";
	assert_true(i18n_supported(buf, &canon));
	assert_ptr_not_equal(canon, buf);
	assert_string_equal(canon, "fr");
	assert_true(i18n_supported("en", NULL));
	assert_false(i18n_supported("es", &canon));
	assert_false(i18n_supported("", &canon));
	assert_false(i18n_supported(NULL, &canon));
	assert_false(i18n_supported("fr-BE", &canon));
	assert_false(i18n_supported("english", &canon));
}

static void expect_pick(const char *query, const char *al, const char *want)
{
	const char *got = i18n_pick(query, al);
	if (!got || strcmp(got, want) != 0)
		fail_msg("i18n_pick(%s, %s) = %s, wanted %s", query ? query : "NULL",
			 al ? al : "NULL", got ? got : "NULL", want);
}

static void test_pick_query_wins(void **state)
{
	(void)state;
	expect_pick("fr", NULL, "fr");
	expect_pick("nl", "de", "nl");
	expect_pick("de", "fr;q=1.0, en", "de");
	expect_pick("en", "fr", "en");
	/* an unsupported query is ignored */
	expect_pick("es", "de", "de");
	expect_pick("", "nl", "nl");
	expect_pick("<script>", "fr", "fr");
	expect_pick("xx", NULL, "en");
	expect_pick(NULL, NULL, "en");
}

static void test_pick_accept_language(void **state)
{
	(void)state;
	expect_pick(NULL, "de;q=0.5, nl;q=0.9", "nl");
	expect_pick(NULL, "fr-BE", "fr");
	expect_pick(NULL, "fr-BE,fr;q=0.9,en;q=0.8", "fr");
	expect_pick(NULL, "es, *", "en");
	expect_pick(NULL, "*", "en");
	expect_pick(NULL, "", "en");
	expect_pick(NULL, "garbage", "en");
	expect_pick(NULL, ";;;,,,===", "en");
	expect_pick(NULL, "de", "de");
	expect_pick(NULL, "DE", "de");
	expect_pick(NULL, "nl-BE;q=0.4, fr-CA;q=0.3", "nl");
	expect_pick(NULL, "es, de;q=0.1", "de");
	expect_pick(NULL, "en;q=0.1, fr", "fr");
	/* ties go to the earlier one */
	expect_pick(NULL, "fr;q=0.8, de;q=0.8", "fr");
	expect_pick(NULL, "de;q=0.8, fr;q=0.8", "de");
	/* q=0 means "not this one" */
	expect_pick(NULL, "de;q=0", "en");
	expect_pick(NULL, "de;q=0, nl;q=0.1", "nl");
	expect_pick(NULL, "fr;q=0.0", "en");
	/* malformed q-values do not win */
	expect_pick(NULL, "de;q=abc", "en");
	expect_pick(NULL, "de;q=2", "en");
	expect_pick(NULL, "de;q=-1", "en");
	expect_pick(NULL, "de;q=nan", "en");
	expect_pick(NULL, "nl;q=abc, fr;q=0.2", "fr");
	/* tags that only start like a language are not it */
	expect_pick(NULL, "french, dutch", "en");
	expect_pick(NULL, "fra, deu", "en");
}

/* White space is allowed around ';' before a weight (RFC 9110 12.4.2:
 * weight = OWS ";" OWS "q=" qvalue). */
static void test_pick_whitespace_around_semicolon(void **state)
{
	(void)state;
	expect_pick(NULL, "de ; q=0.5, nl;q=0.9", "nl");
	expect_pick(NULL, "de; q=0.5, nl; q=0.9", "nl");
	expect_pick(NULL, "fr; q=0, de", "de");
}

static void test_pick_hostile_headers(void **state)
{
	(void)state;
	/* very long headers, many items, no crash and a sane answer */
	size_t n = 100000;
	char *h = malloc(n + 1);
	assert_non_null(h);
	memset(h, 'x', n);
	h[n] = '\0';
	expect_pick(NULL, h, "en");
	memset(h, ',', n);
	expect_pick(NULL, h, "en");
	size_t k = 0;
	while (k + 8 < n) {
		memcpy(h + k, "es;q=1, ", 8);
		k += 8;
	}
	h[k] = '\0';
	expect_pick(NULL, h, "en");
	free(h);
	expect_pick(NULL, "de;q=", "en");
	expect_pick(NULL, "\xC3\xA9\xC3\xA9, nl", "nl");
	expect_pick(NULL, "nl\t", "nl");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogues_have_the_same_keys),
		cmocka_unit_test(test_placeholders_match_english),
		cmocka_unit_test(test_get_and_fallback),
		cmocka_unit_test(test_supported),
		cmocka_unit_test(test_pick_query_wins),
		cmocka_unit_test(test_pick_accept_language),
		cmocka_unit_test(test_pick_whitespace_around_semicolon),
		cmocka_unit_test(test_pick_hostile_headers),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
