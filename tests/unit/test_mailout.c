/* test_mailout.c — outgoing mail without a relay: templates (every
 * shipped one in every language, placeholders, the data folder's own
 * files, unknown names), the queue's refusals (header injection, bad
 * addresses, kinds, a second acknowledgement), the message writer
 * (RFC 2047 subjects, quoted-printable bodies, no bare LF), addresses,
 * credentials files (mode, format) and HTML to text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "err.h"
#include "hotline.h"
#include "ingest.h"
#include "mailout.h"
#include "smtp.h"
#include "unit_util.h"

struct fixture {
	char dir[128], data[200];
	struct hotline hl;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	assert_int_equal(ut_tmpdir(f->dir, sizeof f->dir), 0);
	snprintf(f->data, sizeof f->data, "%s/var", f->dir);
	assert_int_equal(hotline_init_data(f->data, NULL), 0);
	char p[300];
	snprintf(p, sizeof p, "%s/profile.conf", f->data);
	FILE *pf = fopen(p, "a");
	assert_non_null(pf);
	fputs("\norg_name = Unit Hotline\nmail.ack = yes\nmail.from = hotline@example.org\n", pf);
	fclose(pf);
	struct hotline_options ho = {.data_dir = f->data};
	assert_int_equal(hotline_open(&f->hl, &ho), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	hotline_close(&f->hl);
	ut_rmtree(f->dir);
	free(f);
	return 0;
}

static void test_templates(void **state)
{
	struct fixture *f = *state;
	static const char *const names[] = {"ack", "staff", "test"};
	static const char *const langs[] = {"en", "fr", "nl", "de"};
	for (size_t i = 0; i < 3; i++)
		for (size_t k = 0; k < 4; k++) {
			struct arena a;
			arena_init(&a, 1 << 20);
			const char *vars[] = {"number", "123-456-789", "text", "Hello {{number}}", NULL};
			const char *subject, *body;
			assert_int_equal(mailout_render(&f->hl, names[i], langs[k], vars, &subject, &body, &a), 0);
			assert_true(*subject && *body);
			assert_null(strchr(subject, '\n'));
			if (i != 1)
				assert_null(strstr(body, "{{"));
			if (i < 2)
				assert_non_null(strstr(subject, "123-456-789"));
			if (i == 1) /* a value is not expanded again */
				assert_non_null(strstr(body, "Hello {{number}}"));
			assert_non_null(strstr(i == 2 ? subject : body, "Unit Hotline"));
			arena_free(&a);
		}
	struct arena a;
	arena_init(&a, 1 << 20);
	const char *s, *b;
	assert_int_equal(mailout_render(&f->hl, "nope", "en", NULL, &s, &b, &a), HL_ENOTFOUND);
	assert_int_equal(mailout_render(&f->hl, "../etc/passwd", "en", NULL, &s, &b, &a), HL_ENOTFOUND);
	/* an unknown language falls back to English */
	assert_int_equal(mailout_render(&f->hl, "ack", "xx", NULL, &s, &b, &a), 0);
	assert_non_null(strstr(s, "received"));
	/* the data folder's own template wins; one without Subject is refused */
	char p[400];
	snprintf(p, sizeof p, "%s/mail", f->data);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/mail/en", f->data);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/mail/en/ack.txt", f->data);
	FILE *t = fopen(p, "w");
	fputs("Subject: Got {{number}}\r\n\r\nOwn text {{unknown}}.\n", t);
	fclose(t);
	const char *vars[] = {"number", "1", NULL};
	assert_int_equal(mailout_render(&f->hl, "ack", "en", vars, &s, &b, &a), 0);
	assert_string_equal(s, "Got 1");
	assert_string_equal(b, "Own text .\n");
	t = fopen(p, "w");
	fputs("No subject line\n", t);
	fclose(t);
	assert_int_equal(mailout_render(&f->hl, "ack", "en", vars, &s, &b, &a), HL_EINVAL);
	remove(p);
	arena_free(&a);
}

static void test_enqueue_refusals(void **state)
{
	struct fixture *f = *state;
	struct mail_out ok = {"ops@example.org", "Subject", "Body", "notice", "item", "7", NULL};
	int64_t id = 0;
	assert_int_equal(mailout_enqueue(&f->hl, &ok, &id), 0);
	assert_true(id > 0);
	struct mail_out m = ok;
	m.subject = "Injected\r\nBcc: victim@example.org";
	assert_int_equal(mailout_enqueue(&f->hl, &m, NULL), HL_EINVAL);
	m = ok, m.to = "a@example.org, b@example.org";
	assert_int_equal(mailout_enqueue(&f->hl, &m, NULL), HL_EINVAL);
	m = ok, m.to = "victim@example.org\r\nRCPT TO:<x@example.org>";
	assert_int_equal(mailout_enqueue(&f->hl, &m, NULL), HL_EINVAL);
	m = ok, m.kind = "spam";
	assert_int_equal(mailout_enqueue(&f->hl, &m, NULL), HL_EINVAL);
	m = ok, m.body = "";
	assert_int_equal(mailout_enqueue(&f->hl, &m, NULL), HL_EINVAL);
	m = ok, m.subject = "\xff\xfe";
	assert_int_equal(mailout_enqueue(&f->hl, &m, NULL), HL_EINVAL);
	m = ok, m.to = NULL; /* to the reporter: needs a report */
	assert_int_equal(mailout_enqueue(&f->hl, &m, NULL), HL_EINVAL);
	m.ref_type = "report", m.ref_id = "100-000-011";
	assert_int_equal(mailout_enqueue(&f->hl, &m, NULL), 0);
	/* one acknowledgement per report */
	assert_int_equal(mailout_ack(&f->hl, NULL, "100-000-011", "fr"), 0);
	assert_int_equal(mailout_ack(&f->hl, NULL, "100-000-011", "fr"), HL_EEXIST);
	/* nothing is sent without a relay */
	assert_false(mailout_configured(&f->hl));
	assert_int_equal(mailout_start(&f->hl), 0);
	mailout_stop();
}

static void test_message_writer(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1 << 20);
	struct smtp_message m = {"hotline@example.org", "Hotline Ëxample", "x@example.org", NULL,
				 "Votre signalement 123 a été reçu — merci", "Ligne 1\nLigne 2 =\n."
				 "\n" "long " "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890\n",
				 "id.1@example.org", "Tue, 03 Mar 2026 10:00:00 +0000", true};
	assert_int_equal(smtp_message_write(&m, &b), 0);
	const char *s = buf_str(&b);
	assert_non_null(strstr(s, "Subject: =?UTF-8?B?"));
	assert_non_null(strstr(s, "From: =?UTF-8?B?"));
	assert_non_null(strstr(s, "Message-ID: <id.1@example.org>\r\n"));
	assert_non_null(strstr(s, "Auto-Submitted: auto-generated\r\n"));
	assert_non_null(strstr(s, "Content-Transfer-Encoding: quoted-printable\r\n"));
	assert_non_null(strstr(s, "Ligne 2 =3D\r\n"));
	for (size_t i = 0; i < b.len; i++) {
		if (s[i] == '\n')
			assert_true(i > 0 && s[i - 1] == '\r');
		assert_true((unsigned char)s[i] < 128); /* 7-bit on the wire */
	}
	/* no line longer than 78 characters */
	for (const char *l = s, *e; (e = strstr(l, "\r\n")); l = e + 2)
		assert_true(e - l <= 78);
	struct smtp_message bad = m;
	bad.subject = "a\nBcc: x@example.org";
	buf_reset(&b);
	assert_int_equal(smtp_message_write(&bad, &b), HL_EINVAL);
	bad = m, bad.to = "x@example.org>\r\nBcc: <y@example.org";
	assert_int_equal(smtp_message_write(&bad, &b), HL_EINVAL);
	bad = m, bad.message_id = "a>b";
	assert_int_equal(smtp_message_write(&bad, &b), HL_EINVAL);
	buf_free(&b);
	assert_true(smtp_address_ok("a.b+c@example.org"));
	assert_false(smtp_address_ok("a@b"));
	assert_false(smtp_address_ok("@example.org"));
	assert_false(smtp_address_ok("a@@example.org"));
	assert_false(smtp_address_ok("a b@example.org"));
	assert_false(smtp_address_ok("<a@example.org>"));
	assert_false(smtp_address_ok(NULL));
}

static void test_credentials(void **state)
{
	struct fixture *f = *state;
	char p[300];
	snprintf(p, sizeof p, "%s/cred", f->dir);
	FILE *c = fopen(p, "w");
	fputs("user\r\npass word\r\n", c);
	fclose(c);
	char *u, *pw;
	chmod(p, 0640);
	assert_int_equal(smtp_credentials_load(p, &u, &pw), HL_EPERM);
	chmod(p, 0600);
	assert_int_equal(smtp_credentials_load(p, &u, &pw), 0);
	assert_string_equal(u, "user");
	assert_string_equal(pw, "pass word");
	free(u);
	free(pw);
	c = fopen(p, "w");
	fputs("only-a-user\n", c);
	fclose(c);
	assert_int_equal(smtp_credentials_load(p, &u, &pw), HL_EINVAL);
	assert_int_equal(smtp_credentials_load("/nonexistent/cred", &u, &pw), HL_EIO);
}

static void collect(void *arg, const char *href, size_t n)
{
	struct buf *b = arg;
	buf_append(b, href, n);
	buf_putc(b, '|');
}

static void test_html(void **state)
{
	(void)state;
	static const char html[] =
		"<html><head><title>T</title><style>x{}</style></head><body><!-- c -->"
		"<p>A&amp;B &lt;x&gt; &#233;&#xE9; &bogus; &#0; &#x110000;</p>"
		"<a href=\"https://a.example.org/?q=1&amp;r=2\">l</a><a href=x>y</a>"
		"<script>evil()</script><div>end</div><a href='unterminated";
	struct buf out, urls;
	buf_init(&out, 1 << 16);
	buf_init(&urls, 1 << 16);
	assert_int_equal(mail_html_to_text(html, sizeof html - 1, &out, collect, &urls), 0);
	assert_non_null(strstr(buf_str(&out), "A&B <x> éé &bogus; \xEF\xBF\xBD \xEF\xBF\xBD"));
	assert_null(strstr(buf_str(&out), "evil"));
	assert_null(strstr(buf_str(&out), "T"));
	assert_non_null(strstr(buf_str(&out), "end"));
	assert_string_equal(buf_str(&urls), "https://a.example.org/?q=1&r=2|x|");
	buf_free(&out);
	buf_free(&urls);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_templates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enqueue_refusals, setup, teardown),
		cmocka_unit_test(test_message_writer),
		cmocka_unit_test_setup_teardown(test_credentials, setup, teardown),
		cmocka_unit_test(test_html),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
