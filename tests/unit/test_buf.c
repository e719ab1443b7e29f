/* test_buf.c — the bounded growable buffer: appends, the hard maximum
 * (never exceeded, never partly written), printf's exact fit on both its
 * short and long paths, HTML escaping, reset and steal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

static void test_empty_buffer_is_empty_string(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 100);
	assert_non_null(buf_str(&b));
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(b.len, 0);
	buf_free(&b);
	assert_string_equal(buf_str(&b), "");
}

static void test_append_puts_putc(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1000);
	assert_int_equal(buf_puts(&b, "abc"), 0);
	assert_int_equal(buf_putc(&b, '-'), 0);
	assert_int_equal(buf_append(&b, "xyz123", 3), 0);
	assert_int_equal(buf_append(&b, "ignored", 0), 0);
	assert_string_equal(buf_str(&b), "abc-xyz");
	assert_int_equal(b.len, 7);
	/* bytes after len are a NUL */
	assert_int_equal(b.data[b.len], '\0');
	/* embedded NUL bytes are kept and counted */
	assert_int_equal(buf_append(&b, "\0z", 2), 0);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.data, "abc-xyz\0z", 10);
	buf_free(&b);
}

static void test_grows_over_many_appends(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1 << 20);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(buf_putc(&b, (char)('a' + i % 26)), 0);
	assert_int_equal(b.len, 100000);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(b.data[i], 'a' + i % 26);
	assert_int_equal(b.data[100000], '\0');
	assert_true(b.cap >= b.len + 1);
	buf_free(&b);
}

static void test_max_is_enforced_and_nothing_partial(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "0123456789"), 0); /* exactly max */
	assert_int_equal(b.len, 10);
	assert_int_equal(buf_putc(&b, 'x'), HL_ETOOBIG);
	assert_int_equal(buf_puts(&b, "more"), HL_ETOOBIG);
	assert_int_equal(b.len, 10);
	assert_string_equal(buf_str(&b), "0123456789");
	assert_true(b.cap <= b.max + 1);

	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "abc"), 0);
	/* too big as a whole: nothing of it is written */
	assert_int_equal(buf_puts(&b, "12345678"), HL_ETOOBIG);
	assert_string_equal(buf_str(&b), "abc");
	assert_int_equal(buf_puts(&b, "1234567"), 0);
	assert_string_equal(buf_str(&b), "abc1234567");
	buf_free(&b);
}

static void test_hostile_sizes(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 16);
	assert_int_equal(buf_puts(&b, "abc"), 0);
	/* a length that would wrap around size_t */
	assert_int_equal(buf_append(&b, "x", SIZE_MAX), HL_ETOOBIG);
	assert_int_equal(buf_append(&b, "x", SIZE_MAX - 2), HL_ETOOBIG);
	assert_string_equal(buf_str(&b), "abc");
	buf_free(&b);

	buf_init(&b, 0);
	assert_int_equal(buf_putc(&b, 'a'), HL_ETOOBIG);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
}

static void test_printf_short_exact_fit(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 5);
	assert_int_equal(buf_printf(&b, "%d", 12345), 0);
	assert_string_equal(buf_str(&b), "12345");
	assert_int_equal(buf_printf(&b, "%s", ""), 0);
	assert_int_equal(buf_printf(&b, "x"), HL_ETOOBIG);
	assert_string_equal(buf_str(&b), "12345");
	buf_free(&b);

	buf_init(&b, 5);
	assert_int_equal(buf_puts(&b, "ab"), 0);
	assert_int_equal(buf_printf(&b, "%s", "abcd"), HL_ETOOBIG);
	assert_string_equal(buf_str(&b), "ab");
	assert_int_equal(buf_printf(&b, "%c%c%c", 'x', 'y', 'z'), 0);
	assert_string_equal(buf_str(&b), "abxyz");
	buf_free(&b);
}

static void test_printf_long_exact_fit(void **state)
{
	(void)state;
	char big[1001];
	for (int i = 0; i < 1000; i++)
		big[i] = (char)('A' + i % 26);
	big[1000] = '\0';

	struct buf b;
	buf_init(&b, 1010);
	assert_int_equal(buf_puts(&b, "0123456789"), 0);
	assert_int_equal(buf_printf(&b, "%s", big), 0); /* fills to exactly max */
	assert_int_equal(b.len, 1010);
	assert_memory_equal(b.data, "0123456789", 10);
	assert_memory_equal(b.data + 10, big, 1000);
	assert_int_equal(b.data[1010], '\0');
	assert_int_equal(strlen(buf_str(&b)), 1010);
	assert_int_equal(buf_printf(&b, "x"), HL_ETOOBIG);
	buf_free(&b);

	/* one byte short: refused, not truncated */
	buf_init(&b, 1009);
	assert_int_equal(buf_puts(&b, "0123456789"), 0);
	assert_int_equal(buf_printf(&b, "%s", big), HL_ETOOBIG);
	assert_int_equal(b.len, 10);
	assert_string_equal(buf_str(&b), "0123456789");
	buf_free(&b);

	/* long output into a fresh buffer */
	buf_init(&b, 100000);
	assert_int_equal(buf_printf(&b, "<%s|%s|%d>", big, big, 42), 0);
	assert_int_equal(b.len, 1 + 1000 + 1 + 1000 + 1 + 2 + 1);
	assert_int_equal(b.data[0], '<');
	assert_memory_equal(b.data + 1, big, 1000);
	assert_string_equal(b.data + 2003, "42>");
	buf_free(&b);

	/* exactly 256 characters: the boundary of the small stack buffer */
	buf_init(&b, 256);
	assert_int_equal(buf_printf(&b, "%256s", "x"), 0);
	assert_int_equal(b.len, 256);
	assert_int_equal(b.data[255], 'x');
	assert_int_equal(b.data[256], '\0');
	buf_free(&b);
	buf_init(&b, 255);
	assert_int_equal(buf_printf(&b, "%256s", "x"), HL_ETOOBIG);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_put_html(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 1000);
	assert_int_equal(buf_put_html(&b, "<a href=\"x\">Tom & Jerry's</a>"), 0);
	assert_string_equal(buf_str(&b),
			    "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
	buf_reset(&b);
	assert_int_equal(buf_put_html(&b, ""), 0);
	assert_int_equal(buf_put_html(&b, "plain caf\xC3\xA9"), 0);
	assert_string_equal(buf_str(&b), "plain caf\xC3\xA9");
	buf_reset(&b);
	assert_int_equal(buf_put_html(&b, "&amp;"), 0); /* escaped again */
	assert_string_equal(buf_str(&b), "&amp;amp;");
	buf_free(&b);

	/* the maximum applies to the escaped form */
	buf_init(&b, 4);
	assert_int_equal(buf_put_html(&b, "<"), 0);
	assert_string_equal(buf_str(&b), "&lt;");
	buf_reset(&b);
	assert_int_equal(buf_put_html(&b, "a&"), HL_ETOOBIG);
	assert_true(b.len <= 4);
	buf_free(&b);
}

static void test_reset_and_steal(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 100);
	assert_int_equal(buf_puts(&b, "hello"), 0);
	size_t cap = b.cap;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(b.cap, cap);
	assert_int_equal(buf_puts(&b, "again"), 0);
	char *s = buf_steal(&b);
	assert_string_equal(s, "again");
	free(s);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	/* stealing an empty buffer gives a freeable "" */
	s = buf_steal(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	/* still usable, with the same maximum */
	assert_int_equal(buf_puts(&b, "after"), 0);
	assert_string_equal(buf_str(&b), "after");
	buf_free(&b);
	buf_init(&b, 3);
	assert_int_equal(buf_puts(&b, "abc"), 0);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_buffer_is_empty_string),
		cmocka_unit_test(test_append_puts_putc),
		cmocka_unit_test(test_grows_over_many_appends),
		cmocka_unit_test(test_max_is_enforced_and_nothing_partial),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_printf_short_exact_fit),
		cmocka_unit_test(test_printf_long_exact_fit),
		cmocka_unit_test(test_put_html),
		cmocka_unit_test(test_reset_and_steal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
