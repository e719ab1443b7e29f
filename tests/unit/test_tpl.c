/* test_tpl.c — the template renderer: escaping by default, raw output only
 * with its marker, sections and inverted sections (nested), unknown
 * variables, syntax errors, messages with {name} substitution, partials
 * and the output limit. */
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
#include "tpl.h"

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

/* Renders src with vars; returns the result code and the text in *out
 * (a static buffer, valid until the next call). */
static int render(const char *src, const struct tpl_vars *vars, const char **out)
{
	static struct buf b;
	buf_free(&b);
	buf_init(&b, 1 << 20);
	int rc = tpl_render_text(src, strlen(src), vars, &b);
	*out = buf_str(&b);
	return rc;
}

static void expect(const char *src, const struct tpl_vars *vars, const char *want)
{
	const char *got;
	int rc = render(src, vars, &got);
	if (rc != 0)
		fail_msg("render of \"%s\" failed: %d", src, rc);
	assert_string_equal(got, want);
}

static void expect_rc(const char *src, const struct tpl_vars *vars, int want)
{
	const char *got;
	int rc = render(src, vars, &got);
	if (rc != want)
		fail_msg("render of \"%s\" gave %d, wanted %d", src, rc, want);
}

static void test_plain_text(void **state)
{
	(void)state;
	struct tpl_vars v = {.lang = "en"};
	expect("", &v, "");
	expect("no tags at all", &v, "no tags at all");
	expect("a { b } c }} d {", &v, "a { b } c }} d {");
	expect("<b>markup in the template stays</b>", &v, "<b>markup in the template stays</b>");
}

static void test_escaping(void **state)
{
	(void)state;
	struct tpl_vars v = {.lang = "en"};
	tpl_set(&v, "x", "<script>alert('x') & \"y\"</script>");
	expect("{{x}}", &v, "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
	expect("[{{ x }}]", &v,
	       "[&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;]");
	tpl_set(&v, "attr", "\" onmouseover=\"alert(1)");
	expect("<a title=\"{{attr}}\">", &v, "<a title=\"&quot; onmouseover=&quot;alert(1)\">");
	tpl_set(&v, "t", "{{x}}");
	expect("{{t}}", &v, "{{x}}"); /* values are not templates */
	tpl_set(&v, "u", "caf\xC3\xA9");
	expect("{{u}}", &v, "caf\xC3\xA9");
}

static void test_raw(void **state)
{
	(void)state;
	struct tpl_vars v = {.lang = "en"};
	tpl_set(&v, "html", "<nav><a href=\"/?lang=fr\">FR</a></nav>");
	expect("{{& html}}", &v, "<nav><a href=\"/?lang=fr\">FR</a></nav>");
	expect("{{&html}}", &v, "<nav><a href=\"/?lang=fr\">FR</a></nav>");
	expect("{{html}}", &v, "&lt;nav&gt;&lt;a href=&quot;/?lang=fr&quot;&gt;FR&lt;/a&gt;&lt;/nav&gt;");
	expect("{{& missing}}", &v, "");
}

static void test_unknown_and_null(void **state)
{
	(void)state;
	struct tpl_vars v = {.lang = "en"};
	tpl_set(&v, "n", NULL);
	expect("a{{nothing}}b{{n}}c", &v, "abc");
	/* a name that is a prefix of a set variable is still unknown */
	tpl_set(&v, "name", "Ann");
	expect("{{nam}}|{{name}}|{{names}}", &v, "|Ann|");
}

static void test_set_get(void **state)
{
	(void)state;
	struct tpl_vars v = {.lang = "en"};
	tpl_set(&v, "a", "1");
	tpl_set(&v, "a", "2");
	assert_int_equal(v.n, 1);
	assert_string_equal(tpl_get(&v, "a"), "2");
	assert_null(tpl_get(&v, "b"));
	static char names[TPL_MAX_VARS + 10][8];
	for (int i = 0; i < TPL_MAX_VARS + 10; i++) {
		snprintf(names[i], sizeof names[i], "v%d", i);
		tpl_set(&v, names[i], "x");
	}
	assert_int_equal(v.n, TPL_MAX_VARS); /* extra ones are dropped, nothing overflows */
}

static void test_sections(void **state)
{
	(void)state;
	struct tpl_vars v = {.lang = "en"};
	tpl_set(&v, "yes", "1");
	tpl_set(&v, "empty", "");
	tpl_set(&v, "null", NULL);
	expect("{{#yes}}shown{{/yes}}", &v, "shown");
	expect("{{#empty}}hidden{{/empty}}", &v, "");
	expect("{{#null}}hidden{{/null}}", &v, "");
	expect("{{#unset}}hidden{{/unset}}", &v, "");
	expect("{{^yes}}hidden{{/yes}}", &v, "");
	expect("{{^empty}}shown{{/empty}}", &v, "shown");
	expect("{{^unset}}shown{{/unset}}", &v, "shown");
	expect("a{{#yes}}b{{/yes}}c{{^yes}}d{{/yes}}e", &v, "abce");
	expect("{{# yes }}spaced{{/yes}}", &v, "spaced");
}

static void test_nested_sections(void **state)
{
	(void)state;
	struct tpl_vars v = {.lang = "en"};
	tpl_set(&v, "a", "1");
	tpl_set(&v, "name", "<Ann>");
	expect("{{#a}}A{{#b}}B{{/b}}{{^b}}nb{{/b}}[{{name}}]{{/a}}", &v, "Anb[&lt;Ann&gt;]");
	expect("{{^b}}1{{#a}}2{{^a}}x{{/a}}3{{/a}}4{{/b}}", &v, "1234");
	/* the same name nested in itself */
	expect("{{#a}}1{{#a}}2{{/a}}3{{/a}}", &v, "123");
	expect("{{#b}}1{{#b}}2{{/b}}3{{/b}}after", &v, "after");
	expect("{{#a}}x{{/a}}{{#a}}y{{/a}}", &v, "xy");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	struct tpl_vars v = {.lang = "en"};
	tpl_set(&v, "a", "1");
	expect_rc("{{#a}}never closed", &v, HL_EINVAL);
	expect_rc("{{^a}}never closed", &v, HL_EINVAL);
	expect_rc("{{#a}}x{{/b}}", &v, HL_EINVAL);
	expect_rc("{{#a}}{{#a}}x{{/a}}", &v, HL_EINVAL);
	expect_rc("{{/a}}", &v, HL_EINVAL);
	expect_rc("text {{a", &v, HL_EINVAL);
	expect_rc("text {{a}", &v, HL_EINVAL);
	expect_rc("{{", &v, HL_EINVAL);
	expect_rc("{{}}", &v, HL_EINVAL);
	expect_rc("{{   }}", &v, HL_EINVAL);
	expect_rc("{{#}}x{{/}}", &v, HL_EINVAL);
	expect_rc("{{&}}", &v, HL_EINVAL);
	expect_rc("{{_}}", &v, HL_EINVAL);
	expect_rc("{{>}}", &v, HL_EINVAL);
	char longname[300];
	snprintf(longname, sizeof longname, "{{%0200d}}", 7);
	expect_rc(longname, &v, HL_EINVAL);
	/* an error inside a section that is not shown is still found */
	expect_rc("{{#unset}}{{x{{/unset}}", &v, HL_EINVAL);
}

static void test_messages(void **state)
{
	(void)state;
	struct tpl_vars v = {.lang = "en"};
	expect("{{_ nav.skip}}", &v, "Skip to the content");
	tpl_set(&v, "police_number", "101");
	expect("{{_ danger.police}}", &v, "You can also call the police on 101.");
	/* the substituted value is escaped */
	tpl_set(&v, "police_number", "<b>101</b> & \"more\"");
	expect("{{_ danger.police}}", &v,
	       "You can also call the police on &lt;b&gt;101&lt;/b&gt; &amp; &quot;more&quot;.");
	/* an unset value leaves nothing */
	tpl_set(&v, "police_number", NULL);
	expect("{{_ danger.police}}", &v, "You can also call the police on .");
	/* an unknown key renders as the key itself */
	expect("[{{_ no.such.key}}]", &v, "[]"); /* a missing key renders empty */

	/* another language; a language not supported falls back to English */
	const char *fr = i18n_get("fr", "nav.skip");
	struct tpl_vars vf = {.lang = "fr"};
	struct buf b;
	buf_init(&b, 4096);
	assert_int_equal(tpl_put_message("nav.skip", &vf, &b), 0);
	assert_string_equal(buf_str(&b), fr);
	buf_reset(&b);
	struct tpl_vars vx = {.lang = "xx"};
	assert_int_equal(tpl_put_message("nav.skip", &vx, &b), 0);
	assert_string_equal(buf_str(&b), "Skip to the content");
	buf_reset(&b);
	struct tpl_vars vn = {.lang = NULL};
	assert_int_equal(tpl_put_message("nav.skip", &vn, &b), 0);
	assert_string_equal(buf_str(&b), "Skip to the content");
	buf_free(&b);
}

static void test_partials(void **state)
{
	(void)state;
	struct tpl_vars v = {.lang = "en"};
	tpl_set(&v, "lang", "en");
	tpl_set(&v, "title", "Report <now>");
	tpl_set(&v, "org_name", "Example & Co");
	tpl_set(&v, "lang_nav", "<nav id=\"langs\"></nav>");
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(tpl_render("header", &v, &b), 0);
	const char *s = buf_str(&b);
	assert_non_null(strstr(s, "<html lang=\"en\">"));
	assert_non_null(strstr(s, "Report &lt;now&gt;"));
	assert_non_null(strstr(s, "Example &amp; Co"));
	assert_non_null(strstr(s, "<nav id=\"langs\"></nav>"));
	assert_non_null(strstr(s, "Skip to the content"));
	assert_null(strstr(s, "{{"));
	assert_null(strstr(s, "<now>"));

	/* a partial from template text gives the same as rendering it alone */
	const char *got;
	assert_int_equal(render("before{{> header}}after", &v, &got), 0);
	assert_int_equal(strncmp(got, "before", 6), 0);
	assert_int_equal(strncmp(got + 6, s, b.len), 0);
	assert_string_equal(got + 6 + b.len, "after");
	buf_free(&b);

	/* unknown templates, and names that try to leave the folder */
	buf_init(&b, 4096);
	assert_int_equal(tpl_render("no_such_template", &v, &b), HL_ENOTFOUND);
	assert_int_equal(tpl_render("../../locales/en", &v, &b), HL_ENOTFOUND);
	assert_int_equal(tpl_render("../templates/header", &v, &b), HL_ENOTFOUND);
	buf_free(&b);
	expect_rc("{{> no_such_template}}", &v, HL_ENOTFOUND);
}

/* Every template built into the binary renders in every language with no
 * variables set. (Naming embedded_files here also makes the linker take
 * the embedded files from hl_core: see the report on link order.) */
static void test_every_template_renders(void **state)
{
	(void)state;
	const char *prefix = "web/templates/";
	size_t plen = strlen(prefix);
	int seen = 0;
	for (const struct embedded_file *f = embedded_files; f->name; f++) {
		size_t n = strlen(f->name);
		if (strncmp(f->name, prefix, plen) != 0 || n < plen + 6 ||
		    strcmp(f->name + n - 5, ".html") != 0)
			continue;
		char name[128];
		snprintf(name, sizeof name, "%.*s", (int)(n - plen - 5), f->name + plen);
		seen++;
		for (const char *const *l = i18n_languages; *l; l++) {
			struct tpl_vars v = {.lang = *l};
			tpl_set(&v, "lang", *l);
			struct buf b;
			buf_init(&b, 1 << 20);
			int rc = tpl_render(name, &v, &b);
			if (rc != 0)
				fail_msg("template %s (%s) gave %d", name, *l, rc);
			assert_null(strstr(buf_str(&b), "{{"));
			buf_free(&b);
		}
	}
	assert_true(seen >= 5);
}

static void test_output_limit(void **state)
{
	(void)state;
	struct tpl_vars v = {.lang = "en"};
	tpl_set(&v, "x", "<<<<<<<<<<");
	struct buf b;
	buf_init(&b, 16);
	const char *src = "{{x}}";
	assert_int_equal(tpl_render_text(src, strlen(src), &v, &b), HL_ETOOBIG);
	assert_true(b.len <= 16);
	buf_free(&b);
	buf_init(&b, 16);
	src = "0123456789abcdefg";
	assert_int_equal(tpl_render_text(src, strlen(src), &v, &b), HL_ETOOBIG);
	buf_free(&b);
	buf_init(&b, 64);
	assert_int_equal(tpl_render("header", &v, &b), HL_ETOOBIG);
	buf_free(&b);
}

static void test_length_is_respected(void **state)
{
	(void)state;
	struct tpl_vars v = {.lang = "en"};
	tpl_set(&v, "a", "A");
	struct buf b;
	buf_init(&b, 1024);
	/* only the first len bytes are the template */
	assert_int_equal(tpl_render_text("x{{a}}yz", 6, &v, &b), 0);
	assert_string_equal(buf_str(&b), "xA");
	buf_reset(&b);
	assert_int_equal(tpl_render_text("x{{a}}", 5, &v, &b), HL_EINVAL);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_unknown_and_null),
		cmocka_unit_test(test_set_get),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_nested_sections),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_partials),
		cmocka_unit_test(test_every_template_renders),
		cmocka_unit_test(test_output_limit),
		cmocka_unit_test(test_length_is_respected),
	};
	int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
	const char *dummy;
	render("", &(struct tpl_vars){0}, &dummy); /* frees the last buffer */
	return rc;
}
