/* test_urlnorm.c — URL normalisation for items: a table of tricky URLs
 * (case, IDN, ports, dot segments, percent-encoding, user information,
 * IPv4 and IPv6 literals, very long URLs) and the ones refused. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "urlnorm.h"

static const struct {
	const char *in, *want;
} cases[] = {
	/* case: scheme and host lower-cased, path and query kept */
	{"HTTP://EXAMPLE.ORG/Path?Q=A", "http://example.org/Path?Q=A"},
	{"HtTpS://Www.Example.Org", "https://www.example.org/"},
	/* no scheme: read as http */
	{"www.example.org/x", "http://www.example.org/x"},
	{"example.org:8080/x", "http://example.org:8080/x"},
	/* ports: the default dropped, others kept */
	{"http://example.org:80/a", "http://example.org/a"},
	{"https://example.org:443/a", "https://example.org/a"},
	{"http://example.org:443/a", "http://example.org:443/a"},
	{"https://example.org:80/a", "https://example.org:80/a"},
	{"http://example.org:08080/a", "http://example.org:8080/a"},
	/* dot segments */
	{"http://example.org/a/./b/../c", "http://example.org/a/c"},
	{"http://example.org/../../a", "http://example.org/a"},
	{"http://example.org/a/b/..", "http://example.org/a/"},
	{"http://example.org/a/b/.", "http://example.org/a/b/"},
	{"http://example.org/a/%2e%2E/b", "http://example.org/b"},
	{"http://example.org/a/.%2e/b/%2E", "http://example.org/b/"},
	{"http://example.org/a//b", "http://example.org/a//b"},
	{"http://example.org/a/..b/c", "http://example.org/a/..b/c"},
	/* percent-encoding: unreserved decoded, others upper-cased */
	{"http://example.org/%7euser/%41%62c", "http://example.org/~user/Abc"},
	{"http://example.org/a%2fb%3f", "http://example.org/a%2Fb%3F"},
	{"http://example.org/a%2Fb", "http://example.org/a%2Fb"},
	{"http://example.org/?q=%e2%82%ac&x=%7E", "http://example.org/?q=%E2%82%AC&x=~"},
	{"http://example.org/100%", "http://example.org/100%25"},
	{"http://example.org/%zz", "http://example.org/%25zz"},
	{"http://example.org/a\"b<c>", "http://example.org/a%22b%3Cc%3E"},
	{"http://example.org/caf\xc3\xa9", "http://example.org/caf%C3%A9"},
	{"http://example.org/caf%C3%A9", "http://example.org/caf%C3%A9"},
	{"http://Ex%41mple.ORG/", "http://example.org/"},
	/* fragment dropped, empty query dropped, query kept */
	{"http://example.org/x#frag", "http://example.org/x"},
	{"http://example.org/x?#", "http://example.org/x"},
	{"http://example.org/x?a=1&b=2#f", "http://example.org/x?a=1&b=2"},
	{"http://example.org?a", "http://example.org/?a"},
	/* IDN in punycode */
	{"http://b\xc3\xbc" "cher.example/", "http://xn--bcher-kva.example/"},
	{"http://B\xc3\x9c" "CHER.example/", "http://xn--bcher-kva.example/"},
	{"http://xn--bcher-kva.EXAMPLE/", "http://xn--bcher-kva.example/"},
	{"http://\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88/",
	 "http://xn--r8jz45g.xn--zckzah/"},
	/* trailing dot on the host */
	{"http://example.org./a", "http://example.org/a"},
	/* user information kept, escapes normalised */
	{"http://User:Pa%73s@Example.org/", "http://User:Pass@example.org/"},
	{"http://u%40x@example.org/", "http://u%40x@example.org/"},
	/* IPv4 forms and IPv6 literals */
	{"http://0x7f.1/", "http://127.0.0.1/"},
	{"http://2130706433/", "http://127.0.0.1/"},
	{"http://[2001:DB8:0:0::1]:8080/x", "http://[2001:db8::1]:8080/x"},
	{"http://[::FFFF:192.0.2.1]/", "http://[::ffff:192.0.2.1]/"},
	/* a backslash is data, not a separator */
	{"http://example.org/a\\b", "http://example.org/a%5Cb"},
};

static const struct {
	const char *in, *code;
} refused[] = {
	{"javascript:alert(1)", "url.scheme"},
	{"ftp://example.org/", "url.scheme"},
	{"data:text/html,x", "url.scheme"},
	{"file:///etc/passwd", "url.scheme"},
	{"http://", "url.invalid"},
	{"http://exa mple.org/", "url.invalid"},
	{"http://a..example/", "url.invalid"},
	{"http://.example/", "url.invalid"},
	{"http://exa$mple.org/", "url.invalid"},
	{"http://example.org:0/", "url.invalid"},
	{"http://example.org:65536/", "url.invalid"},
	{"http://[::1/", "url.invalid"},
	{"http://[fe80::1%25eth0]/", "url.invalid"},
	{"http://example.org/\x01", "control_chars"},
	{"http://example.org/\xff", "utf8.invalid"},
	{"http://\xe2\x80\xae.example/", "url.invalid"},
};

static void test_table(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 20);
	int bad = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *code = NULL;
		const char *got = urlnorm(cases[i].in, &code, &a);
		if (!got || strcmp(got, cases[i].want) != 0) {
			print_error("%s: got %s (%s), want %s\n", cases[i].in, got ? got : "NULL",
				    code ? code : "", cases[i].want);
			bad++;
			continue;
		}
		/* normalising twice changes nothing */
		const char *again = urlnorm(got, &code, &a);
		if (!again || strcmp(again, got) != 0) {
			print_error("%s: not idempotent: %s\n", got, again ? again : code);
			bad++;
		}
	}
	arena_free(&a);
	assert_int_equal(bad, 0);
}

/* Answers come from a cache shared by threads once a URL was seen: the
 * table again from two threads at once, after 40,000 other URLs (every
 * slot replaced several times), must give the same answers. */
static void *table_again(void *arg)
{
	int *bad = arg;
	struct arena a;
	arena_init(&a, 1 << 22);
	for (int round = 0; round < 50; round++)
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			const char *code = NULL;
			const char *got = urlnorm(cases[i].in, &code, &a);
			if (!got || code || strcmp(got, cases[i].want) != 0)
				__atomic_add_fetch(bad, 1, __ATOMIC_RELAXED);
		}
	arena_free(&a);
	return NULL;
}

static void test_cached(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 24);
	char url[96], want[96];
	for (int i = 0; i < 40000; i++) {
		snprintf(url, sizeof url, "HTTPS://Cache.Example.ORG:443/a/../p%d?q#f", i);
		snprintf(want, sizeof want, "https://cache.example.org/p%d?q", i);
		const char *code = NULL;
		for (int k = 0; k < 2; k++) {
			const char *got = urlnorm(url, &code, &a);
			assert_non_null(got);
			assert_string_equal(got, want);
		}
		if (i % 4096 == 0) { /* the arena's copies, not the cache's, are handed out */
			arena_free(&a);
			arena_init(&a, 1 << 24);
		}
	}
	arena_free(&a);
	int bad = 0;
	pthread_t t[2];
	for (int k = 0; k < 2; k++)
		assert_int_equal(pthread_create(&t[k], NULL, table_again, &bad), 0);
	for (int k = 0; k < 2; k++)
		pthread_join(t[k], NULL);
	assert_int_equal(bad, 0);
}

static void test_refused(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 20);
	int bad = 0;
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		const char *code = NULL;
		const char *got = urlnorm(refused[i].in, &code, &a);
		if (got || !code || strcmp(code, refused[i].code) != 0) {
			print_error("%s: got %s (%s), want refusal %s\n", refused[i].in,
				    got ? got : "NULL", code ? code : "", refused[i].code);
			bad++;
		}
	}
	arena_free(&a);
	assert_int_equal(bad, 0);
}

/* Ten spellings of one page make one URL. */
static void test_spellings_agree(void **state)
{
	(void)state;
	const char *spellings[] = {
		"http://example.org/a/b?x=1",         "HTTP://EXAMPLE.ORG/a/b?x=1",
		"http://example.org:80/a/b?x=1",      "http://example.org/a/./b?x=1",
		"http://example.org/a/c/../b?x=1",    "http://example.org/%61/%62?x=1",
		"http://example.org./a/b?x=1#top",    "example.org/a/b?x=1",
		"http://Example.Org:80/a/%2E/b?x=%31", "http://example.org/z/../a/b?x=1#",
	};
	struct arena a;
	arena_init(&a, 1 << 20);
	for (size_t i = 0; i < 10; i++) {
		const char *code = NULL;
		const char *got = urlnorm(spellings[i], &code, &a);
		assert_non_null(got);
		assert_string_equal(got, "http://example.org/a/b?x=1");
	}
	arena_free(&a);
}

static void test_long(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 22);
	char *u = arena_alloc(&a, URLNORM_MAX_IN + 2);
	const char *prefix = "http://example.org/";
	size_t pl = strlen(prefix);
	memcpy(u, prefix, pl);
	memset(u + pl, 'a', URLNORM_MAX_IN - pl);
	u[URLNORM_MAX_IN] = '\0';
	const char *code = NULL;
	const char *got = urlnorm(u, &code, &a);
	assert_non_null(got);
	assert_string_equal(got, u);
	u[URLNORM_MAX_IN] = 'a';
	u[URLNORM_MAX_IN + 1] = '\0';
	assert_null(urlnorm(u, &code, &a));
	assert_string_equal(code, "too_long");
	/* every byte escaped: the output triples but stays bounded */
	for (size_t i = pl; i < URLNORM_MAX_IN; i++)
		u[i] = '"';
	u[URLNORM_MAX_IN] = '\0';
	got = urlnorm(u, &code, &a);
	assert_non_null(got);
	assert_int_equal(strlen(got), pl + 3 * (URLNORM_MAX_IN - pl));
	/* a 64-byte label is too long for DNS, 63 is fine */
	char host[128];
	memset(host, 'b', 64);
	snprintf(host + 64, sizeof host - 64, ".example/");
	char *url = arena_alloc(&a, 256);
	snprintf(url, 256, "http://%s", host);
	assert_null(urlnorm(url, &code, &a));
	snprintf(url, 256, "http://%s", host + 1);
	assert_non_null(urlnorm(url, &code, &a));
	arena_free(&a);
}

static void test_host(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 20);
	assert_string_equal(urlnorm_host("http://u:p@example.org:81/x?y", &a), "example.org");
	assert_string_equal(urlnorm_host("http://[2001:db8::1]:8080/x", &a), "2001:db8::1");
	assert_string_equal(urlnorm_host("https://a.test/", &a), "a.test");
	assert_null(urlnorm_host("nothing", &a));
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),     cmocka_unit_test(test_refused),
		cmocka_unit_test(test_spellings_agree), cmocka_unit_test(test_long),
		cmocka_unit_test(test_host), cmocka_unit_test(test_cached),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
