/* test_report.c — the one validator and normaliser every channel uses:
 * required fields per kind, value lists, limits counted in characters,
 * control characters, invalid UTF-8, e-mail and phone checks, the contact
 * rule, URL normalisation and refusal, field paths, and line splitting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "report.h"

struct fx {
	struct arena a;
	struct field_errors errs;
	struct report r;
	const char *urls[64];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	arena_init(&f->a, 16 << 20);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	arena_free(&f->a);
	free(f);
	return 0;
}

/* Starts a fresh report of kind with no other fields. */
static struct report *fresh(struct fx *f, const char *kind)
{
	memset(&f->r, 0, sizeof f->r);
	memset(&f->errs, 0, sizeof f->errs);
	f->r.kind = kind;
	f->r.channel = "web";
	f->r.urls = f->urls;
	return &f->r;
}

static void set_urls(struct fx *f, size_t n, ...)
{
	va_list ap;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		f->urls[i] = va_arg(ap, const char *);
	va_end(ap);
	f->r.urls = f->urls;
	f->r.nurls = n;
}

static int validate(struct fx *f)
{
	return report_validate(&f->r, &f->errs, &f->a);
}

/* A string of count copies of unit, in the arena. */
static char *repeat(struct fx *f, const char *unit, size_t count)
{
	size_t u = strlen(unit);
	char *s = arena_alloc(&f->a, u * count + 1);
	assert_non_null(s);
	for (size_t i = 0; i < count; i++)
		memcpy(s + i * u, unit, u);
	s[u * count] = '\0';
	return s;
}

/* ---- kinds and required fields ---------------------------------------- */

static void test_abuse_material_valid(void **state)
{
	struct fx *f = *state;
	fresh(f, "abuse_material");
	set_urls(f, 1, "  http://example.org/a  ");
	assert_int_equal(validate(f), 0);
	assert_int_equal(f->errs.n, 0);
	assert_non_null(f->r.urls_norm);
	assert_string_equal(f->r.urls[0], "http://example.org/a");
	assert_string_equal(f->r.urls_norm[0], "http://example.org/a");
}

static void test_abuse_material_needs_urls(void **state)
{
	struct fx *f = *state;
	fresh(f, "abuse_material");
	f->r.description = "I saw something";
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "urls"), "required");
	assert_null(field_errors_get(&f->errs, "description"));
}

static void test_other_kinds_need_description(void **state)
{
	struct fx *f = *state;
	const char *kinds[] = {"exploitation", "immediate_danger"};
	for (int i = 0; i < 2; i++) {
		fresh(f, kinds[i]);
		assert_int_equal(validate(f), HL_EINVAL);
		assert_string_equal(field_errors_get(&f->errs, "description"), "required");
		assert_null(field_errors_get(&f->errs, "urls"));

		/* white space only is no description */
		fresh(f, kinds[i]);
		f->r.description = " \t\r\n ";
		assert_int_equal(validate(f), HL_EINVAL);
		assert_string_equal(field_errors_get(&f->errs, "description"), "required");

		fresh(f, kinds[i]);
		f->r.description = "  A man contacts children in a game chat.  ";
		assert_int_equal(validate(f), 0);
		assert_string_equal(f->r.description, "A man contacts children in a game chat.");
		assert_int_equal(f->r.nurls, 0);
	}
}

static void test_kind_required_and_listed(void **state)
{
	struct fx *f = *state;
	fresh(f, NULL);
	f->r.description = "x";
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "kind"), "required");

	fresh(f, "   ");
	f->r.description = "x";
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "kind"), "required");

	const char *bad[] = {"spam", "Abuse_Material", "abuse_material\n;DROP", "", "exploitation2"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fresh(f, bad[i]);
		f->r.description = "x";
		assert_int_equal(validate(f), HL_EINVAL);
		const char *code = field_errors_get(&f->errs, "kind");
		assert_non_null(code);
		assert_true(strcmp(code, "invalid") == 0 || strcmp(code, "required") == 0);
	}

	fresh(f, " exploitation ");
	f->r.description = "x";
	assert_int_equal(validate(f), 0);
	assert_string_equal(f->r.kind, "exploitation");
}

static void test_enum_values(void **state)
{
	struct fx *f = *state;
	for (const char *const *w = report_where_values; *w; w++) {
		fresh(f, "exploitation");
		f->r.description = "x";
		f->r.where_seen = *w;
		assert_int_equal(validate(f), 0);
	}
	for (const char *const *t = report_exploitation_types; *t; t++) {
		fresh(f, "exploitation");
		f->r.description = "x";
		f->r.exploitation_type = *t;
		assert_int_equal(validate(f), 0);
	}
	for (const char *const *l = report_languages; *l; l++) {
		fresh(f, "exploitation");
		f->r.description = "x";
		f->r.language = *l;
		assert_int_equal(validate(f), 0);
	}

	fresh(f, "exploitation");
	f->r.description = "x";
	f->r.where_seen = "darkweb";
	f->r.exploitation_type = "Grooming";
	f->r.language = "es";
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "where"), "invalid");
	assert_string_equal(field_errors_get(&f->errs, "exploitation_type"), "invalid");
	assert_string_equal(field_errors_get(&f->errs, "language"), "invalid");
	/* every problem is recorded, not just the first */
	assert_int_equal(f->errs.n, 3);

	assert_true(report_in_list(report_kinds, "abuse_material"));
	assert_false(report_in_list(report_kinds, NULL));
	assert_false(report_in_list(report_kinds, "abuse"));
	assert_true(report_in_list(report_states, "received"));
	assert_false(report_in_list(report_states, "deleted"));
}

/* ---- lengths, controls, UTF-8 ----------------------------------------- */

static void test_length_counted_in_characters(void **state)
{
	struct fx *f = *state;
	/* 10,000 two-byte characters: 20,000 bytes, allowed */
	fresh(f, "exploitation");
	f->r.description = repeat(f, "\xC3\xA9", REPORT_MAX_TEXT);
	assert_int_equal(validate(f), 0);

	/* 10,000 four-byte characters */
	fresh(f, "exploitation");
	f->r.description = repeat(f, "\xF0\x9F\x98\x80", REPORT_MAX_TEXT);
	f->r.location = repeat(f, "\xE2\x82\xAC", REPORT_MAX_TEXT);
	assert_int_equal(validate(f), 0);

	/* 10,001 */
	fresh(f, "exploitation");
	f->r.description = repeat(f, "\xC3\xA9", REPORT_MAX_TEXT + 1);
	f->r.location = repeat(f, "x", REPORT_MAX_TEXT + 1);
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "description"), "too_long");
	assert_string_equal(field_errors_get(&f->errs, "location"), "too_long");

	/* name: 200 ok, 201 not */
	fresh(f, "exploitation");
	f->r.description = "x";
	f->r.contact_name = repeat(f, "\xC3\xB8", REPORT_MAX_NAME);
	assert_int_equal(validate(f), 0);
	fresh(f, "exploitation");
	f->r.description = "x";
	f->r.contact_name = repeat(f, "n", REPORT_MAX_NAME + 1);
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "contact.name"), "too_long");

	/* phone over 40 characters */
	fresh(f, "exploitation");
	f->r.description = "x";
	f->r.contact_phone = repeat(f, "1", REPORT_MAX_PHONE + 1);
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "contact.phone"), "too_long");

	/* e-mail over 254 characters */
	fresh(f, "exploitation");
	f->r.description = "x";
	char *mail = arena_alloc(&f->a, 400);
	snprintf(mail, 400, "a@%s.example.org", repeat(f, "b", 250));
	f->r.contact_email = mail;
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "contact.email"), "too_long");
}

static void test_control_characters(void **state)
{
	struct fx *f = *state;
	fresh(f, "exploitation");
	f->r.description = "line one\n\tline two\r\nline three";
	f->r.location = "Street 1\nCity";
	assert_int_equal(validate(f), 0);

	const char *bad_text[] = {"bell\x07", "esc \x1B[2J", "del\x7F", "nel\xC2\x85x", "nul-ish\x01"};
	for (size_t i = 0; i < sizeof bad_text / sizeof bad_text[0]; i++) {
		fresh(f, "exploitation");
		f->r.description = bad_text[i];
		assert_int_equal(validate(f), HL_EINVAL);
		assert_string_equal(field_errors_get(&f->errs, "description"), "control_chars");
	}

	/* a name is one line: no tab or newline inside it */
	const char *bad_name[] = {"Ann\tLee", "Ann\nLee", "Ann\rLee", "Ann\x1B"};
	for (size_t i = 0; i < sizeof bad_name / sizeof bad_name[0]; i++) {
		fresh(f, "exploitation");
		f->r.description = "x";
		f->r.contact_name = bad_name[i];
		assert_int_equal(validate(f), HL_EINVAL);
		assert_string_equal(field_errors_get(&f->errs, "contact.name"), "control_chars");
	}
	/* white space around it is trimmed, not refused */
	fresh(f, "exploitation");
	f->r.description = "x";
	f->r.contact_name = "\t Ann Lee \n";
	assert_int_equal(validate(f), 0);
	assert_string_equal(f->r.contact_name, "Ann Lee");
}

static void test_invalid_utf8(void **state)
{
	struct fx *f = *state;
	const char *bad[] = {"caf\xE9", "\xC0\xAF", "\xED\xA0\x80", "ok \xF4\x90\x80\x80", "\xE2\x82"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fresh(f, "exploitation");
		f->r.description = bad[i];
		f->r.location = bad[i];
		f->r.contact_name = bad[i];
		assert_int_equal(validate(f), HL_EINVAL);
		assert_string_equal(field_errors_get(&f->errs, "description"), "utf8.invalid");
		assert_string_equal(field_errors_get(&f->errs, "location"), "utf8.invalid");
		assert_string_equal(field_errors_get(&f->errs, "contact.name"), "utf8.invalid");
	}
	fresh(f, "abuse_material");
	set_urls(f, 1, "http://example.org/\xFF");
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "urls[0]"), "utf8.invalid");
}

/* ---- contact ---------------------------------------------------------- */

static void test_emails(void **state)
{
	struct fx *f = *state;
	const char *good[] = {"a@example.org", "first.last+tag@sub.example.org",
			      "  reporter@example.org  ", "x_y-z@example.test"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		fresh(f, "exploitation");
		f->r.description = "x";
		f->r.contact_email = good[i];
		assert_int_equal(validate(f), 0);
	}
	char local65[80];
	memset(local65, 'a', 65);
	snprintf(local65 + 65, sizeof local65 - 65, "@example.org");
	const char *bad[] = {"no-at-sign", "@example.org", "a@", "a@b", "a@@example.org",
			     "a@b@example.org", "a@example.", "a@.org", "a b@example.org",
			     "<a@example.org>", "a@example.org, b@example.org", "a\"b@example.org",
			     "a;b@example.org", "a\\b@example.org", local65};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fresh(f, "exploitation");
		f->r.description = "x";
		f->r.contact_email = bad[i];
		assert_int_equal(validate(f), HL_EINVAL);
		assert_string_equal(field_errors_get(&f->errs, "contact.email"), "email.invalid");
	}
	/* a newline inside is a control character, reported once */
	fresh(f, "exploitation");
	f->r.description = "x";
	f->r.contact_email = "a@example.org\nBcc: b@example.org";
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "contact.email"), "control_chars");
	assert_int_equal(f->errs.n, 1);
}

static void test_phones(void **state)
{
	struct fx *f = *state;
	const char *good[] = {"+32 2 123 45 67", "(02) 555-0100", "112", "02/555.01.00"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		fresh(f, "exploitation");
		f->r.description = "x";
		f->r.contact_phone = good[i];
		assert_int_equal(validate(f), 0);
	}
	const char *bad[] = {"12", "call me", "+32 abc 45", "+++---", "0470#123", "0470 12 34 56 ext"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fresh(f, "exploitation");
		f->r.description = "x";
		f->r.contact_phone = bad[i];
		assert_int_equal(validate(f), HL_EINVAL);
		assert_string_equal(field_errors_get(&f->errs, "contact.phone"), "phone.invalid");
	}
}

static void test_may_contact_needs_a_contact(void **state)
{
	struct fx *f = *state;
	fresh(f, "exploitation");
	f->r.description = "x";
	f->r.may_contact = true;
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "contact"), "required");

	fresh(f, "exploitation");
	f->r.description = "x";
	f->r.may_contact = true;
	f->r.contact_name = "   ";
	f->r.contact_email = "";
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "contact"), "required");

	const char **which[] = {&f->r.contact_name, &f->r.contact_email, &f->r.contact_phone};
	const char *vals[] = {"Ann", "ann@example.org", "+32 2 555 01 00"};
	for (int i = 0; i < 3; i++) {
		fresh(f, "exploitation");
		f->r.description = "x";
		f->r.may_contact = true;
		*which[i] = vals[i];
		assert_int_equal(validate(f), 0);
	}
	/* contact details without permission to contact are fine too */
	fresh(f, "exploitation");
	f->r.description = "x";
	f->r.contact_email = "ann@example.org";
	assert_int_equal(validate(f), 0);
}

static void test_contact_given_needs_a_contact(void **state)
{
	struct fx *f = *state;
	/* the channel had a contact section, but nothing usable is in it */
	fresh(f, "exploitation");
	f->r.description = "x";
	f->r.contact_given = true;
	f->r.contact_phone = "  ";
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "contact"), "required");

	/* a bad field gets its own error, not a second one for the section */
	fresh(f, "exploitation");
	f->r.description = "x";
	f->r.contact_given = true;
	f->r.may_contact = true;
	f->r.contact_email = "not-an-address";
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "contact.email"), "email.invalid");
	assert_int_equal(f->errs.n, 1);
}

static void test_newlines_normalised(void **state)
{
	struct fx *f = *state;
	fresh(f, "immediate_danger");
	f->r.description = "one\r\ntwo\rthree\n\nfour\r\n";
	f->r.location = "street\r\ncity";
	assert_int_equal(validate(f), 0);
	assert_string_equal(f->r.description, "one\ntwo\nthree\n\nfour");
	assert_string_equal(f->r.location, "street\ncity");
	/* the caller's strings are not written to */
	const char *orig = "a\r\nb";
	fresh(f, "exploitation");
	f->r.description = orig;
	assert_int_equal(validate(f), 0);
	assert_string_equal(orig, "a\r\nb");
	assert_string_equal(f->r.description, "a\nb");
	report_newlines_normalise(NULL);
}

/* ---- URLs ------------------------------------------------------------- */

static void expect_url(struct fx *f, const char *in, const char *want)
{
	const char *code = NULL;
	const char *got = report_url_normalise(in, &code, &f->a);
	if (!got)
		print_error("url %s refused with %s\n", in, code ? code : "(null)");
	assert_non_null(got);
	assert_string_equal(got, want);
}

static void expect_url_code(struct fx *f, const char *in, const char *want_code)
{
	const char *code = NULL;
	const char *got = report_url_normalise(in, &code, &f->a);
	if (got)
		print_error("url %s accepted as %s\n", in, got);
	assert_null(got);
	assert_non_null(code);
	assert_string_equal(code, want_code);
}

static void test_url_accepted_and_normalised(void **state)
{
	struct fx *f = *state;
	expect_url(f, "http://example.org/a", "http://example.org/a");
	expect_url(f, "https://example.org/a/b?c=d&e=f", "https://example.org/a/b?c=d&e=f");
	expect_url(f, "https://example.org/x?y=1#section-2", "https://example.org/x?y=1");
	expect_url(f, "http://example.org/#", "http://example.org/");
	expect_url(f, "www.example.org/x", "http://www.example.org/x");
	expect_url(f, "example.org", "http://example.org/");
	expect_url(f, "example.org:8080/x", "http://example.org:8080/x");
	expect_url(f, "http://example.org:8080/x#top", "http://example.org:8080/x");

	/* the scheme is case-insensitive */
	const char *code = NULL;
	const char *u = report_url_normalise("HTTPS://example.org/Path", &code, &f->a);
	assert_non_null(u);
	assert_string_equal(u, "https://example.org/Path");
	u = report_url_normalise("HtTp://example.org/", &code, &f->a);
	assert_non_null(u);
	assert_memory_equal(u, "http://", 7);
}

static void test_url_scheme_refused(void **state)
{
	struct fx *f = *state;
	const char *bad[] = {"javascript:alert(1)",
			     "JavaScript:alert(document.cookie)",
			     "javascript://example.org/%0Aalert(1)",
			     "data:text/html,<script>alert(1)</script>",
			     "data:image/png;base64,iVBORw0KGgo=",
			     "ftp://example.org/file",
			     "file:///etc/passwd",
			     "mailto:a@example.org",
			     "vbscript:msgbox(1)",
			     "gopher://example.org/",
			     "ws://example.org/"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_url_code(f, bad[i], "url.scheme");
}

static void test_url_garbage_invalid(void **state)
{
	struct fx *f = *state;
	const char *bad[] = {"http://", "https://", "http://exa mple.org",
			     "http://exa mple.org/x", "http://[::1",
			     "http://example.org:99999999/", "http:// /"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_url_code(f, bad[i], "url.invalid");

	/* a host longer than DNS allows */
	char *u = arena_alloc(&f->a, 400);
	snprintf(u, 400, "http://%s.example.org/", repeat(f, "a", 260));
	expect_url_code(f, u, "url.invalid");
}

static void test_url_controls(void **state)
{
	struct fx *f = *state;
	expect_url_code(f, "http://example.org/\x01", "control_chars");
	expect_url_code(f, "http://example.org/a\tb", "control_chars");
	expect_url_code(f, "http://example.org/a\nb", "control_chars");
	expect_url_code(f, "http://example.org/\x7F", "control_chars");
}

static void test_url_length(void **state)
{
	struct fx *f = *state;
	const char *prefix = "http://example.org/";
	size_t pl = strlen(prefix);
	char *u = arena_alloc(&f->a, REPORT_MAX_URL_BYTES + 2);
	memcpy(u, prefix, pl);
	memset(u + pl, 'a', REPORT_MAX_URL_BYTES - pl);
	u[REPORT_MAX_URL_BYTES] = '\0';
	const char *code = NULL;
	const char *got = report_url_normalise(u, &code, &f->a);
	assert_non_null(got); /* exactly 2048 bytes */
	assert_string_equal(got, u);

	u[REPORT_MAX_URL_BYTES] = 'a';
	u[REPORT_MAX_URL_BYTES + 1] = '\0';
	expect_url_code(f, u, "too_long");

	/* the limit is in bytes: 1,000 three-byte characters are too long */
	char *m = arena_alloc(&f->a, 4000);
	snprintf(m, 4000, "http://example.org/%s", repeat(f, "\xE2\x82\xAC", 1000));
	expect_url_code(f, m, "too_long");
}

static void test_url_field_paths(void **state)
{
	struct fx *f = *state;
	fresh(f, "abuse_material");
	set_urls(f, 4, "https://example.org/ok", "javascript:alert(1)", "   ", "http://exa mple.org");
	assert_int_equal(validate(f), HL_EINVAL);
	assert_null(field_errors_get(&f->errs, "urls[0]"));
	assert_string_equal(field_errors_get(&f->errs, "urls[1]"), "url.scheme");
	assert_string_equal(field_errors_get(&f->errs, "urls[2]"), "required");
	assert_string_equal(field_errors_get(&f->errs, "urls[3]"), "url.invalid");
	assert_null(field_errors_get(&f->errs, "urls"));
	assert_int_equal(f->errs.n, 3);

	/* scheme-less URLs are read as http in a report too */
	fresh(f, "abuse_material");
	set_urls(f, 2, "www.example.org/x", "https://example.org/y#frag");
	assert_int_equal(validate(f), 0);
	assert_string_equal(f->r.urls_norm[0], "http://www.example.org/x");
	assert_string_equal(f->r.urls_norm[1], "https://example.org/y");
	assert_string_equal(f->r.urls[1], "https://example.org/y#frag");

	/* trimmed before the scheme check */
	fresh(f, "abuse_material");
	set_urls(f, 1, "  javascript:alert(1)  ");
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "urls[0]"), "url.scheme");
}

static void test_url_count_limit(void **state)
{
	struct fx *f = *state;
	fresh(f, "abuse_material");
	for (size_t i = 0; i < REPORT_MAX_URLS; i++) {
		char *u = arena_alloc(&f->a, 64);
		snprintf(u, 64, "https://example.org/%zu", i);
		f->urls[i] = u;
	}
	f->r.nurls = REPORT_MAX_URLS;
	assert_int_equal(validate(f), 0);
	assert_string_equal(f->r.urls_norm[49], "https://example.org/49");

	fresh(f, "abuse_material");
	for (size_t i = 0; i < REPORT_MAX_URLS + 1; i++)
		f->urls[i] = "https://example.org/";
	f->r.nurls = REPORT_MAX_URLS + 1;
	assert_int_equal(validate(f), HL_EINVAL);
	assert_string_equal(field_errors_get(&f->errs, "urls"), "too_many");
}

/* ---- splitting and trimming ------------------------------------------- */

static void test_split_lines(void **state)
{
	struct fx *f = *state;
	const char **v;
	size_t n;
	assert_int_equal(report_split_lines("a\n\n  b  \r\n\r\n\tc\t", 10, &v, &n, &f->a), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[1], "b");
	assert_string_equal(v[2], "c");

	assert_int_equal(report_split_lines("http://example.org/1\r\nhttp://example.org/2\r\n", 10,
					    &v, &n, &f->a),
			 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "http://example.org/1");
	assert_string_equal(v[1], "http://example.org/2");

	assert_int_equal(report_split_lines(NULL, 10, &v, &n, &f->a), 0);
	assert_int_equal(n, 0);
	assert_int_equal(report_split_lines("", 10, &v, &n, &f->a), 0);
	assert_int_equal(n, 0);
	assert_int_equal(report_split_lines("\n\r\n \n\t\n", 10, &v, &n, &f->a), 0);
	assert_int_equal(n, 0);

	/* blank lines do not count towards the maximum */
	assert_int_equal(report_split_lines("a\n\n\n\n\nb\n\n", 2, &v, &n, &f->a), 0);
	assert_int_equal(n, 2);
	assert_int_equal(report_split_lines("a\nb\nc", 3, &v, &n, &f->a), 0);
	assert_int_equal(n, 3);
	assert_int_equal(report_split_lines("a\nb\nc", 2, &v, &n, &f->a), HL_ETOOBIG);
	assert_int_equal(report_split_lines("a", 0, &v, &n, &f->a), HL_ETOOBIG);

	/* many lines */
	char *many = repeat(f, "http://example.org/\n", 1000);
	assert_int_equal(report_split_lines(many, REPORT_MAX_URLS, &v, &n, &f->a), HL_ETOOBIG);
	assert_int_equal(report_split_lines(many, 1000, &v, &n, &f->a), 0);
	assert_int_equal(n, 1000);
}

static void test_trim(void **state)
{
	struct fx *f = *state;
	assert_null(report_trim(NULL, &f->a));
	assert_null(report_trim("", &f->a));
	assert_null(report_trim(" \t\r\n", &f->a));
	assert_string_equal(report_trim("  x y \t\n", &f->a), "x y");
	assert_string_equal(report_trim("x", &f->a), "x");
}

static void test_field_errors(void **state)
{
	(void)state;
	struct field_errors e = {0};
	for (int i = 0; i < 40; i++)
		field_errors_add(&e, "f", "code");
	assert_int_equal(e.n, 24);
	struct field_errors g = {0};
	char longname[100];
	memset(longname, 'x', 99);
	longname[99] = '\0';
	field_errors_add(&g, longname, "c");
	assert_int_equal(g.n, 1);
	assert_int_equal(strlen(g.e[0].field), sizeof g.e[0].field - 1);
	assert_null(field_errors_get(&g, "nope"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_abuse_material_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abuse_material_needs_urls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_kinds_need_description, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kind_required_and_listed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enum_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_length_counted_in_characters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_characters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_phones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_may_contact_needs_a_contact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contact_given_needs_a_contact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newlines_normalised, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_accepted_and_normalised, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_scheme_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_garbage_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_controls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_field_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_count_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trim, setup, teardown),
		cmocka_unit_test(test_field_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
