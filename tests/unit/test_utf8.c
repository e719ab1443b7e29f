/* test_utf8.c — UTF-8 validation, length and control detection on
 * well-formed and hostile input (overlongs, surrogates, out of range,
 * truncated sequences, stray continuation bytes). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "utf8.h"

static bool valid(const char *s)
{
	return utf8_valid(s, strlen(s));
}

static void test_valid_ascii_and_multibyte(void **state)
{
	(void)state;
	assert_true(utf8_valid("", 0));
	assert_true(valid("hello, world"));
	assert_true(valid("caf\xC3\xA9"));          /* é */
	assert_true(valid("\xE2\x82\xAC"));         /* € */
	assert_true(valid("\xF0\x9F\x98\x80"));     /* 😀 */
	assert_true(valid("\xE4\xBD\xA0\xE5\xA5\xBD")); /* 你好 */
	/* boundaries of each length */
	assert_true(valid("\x7F"));
	assert_true(valid("\xC2\x80"));             /* U+0080 */
	assert_true(valid("\xDF\xBF"));             /* U+07FF */
	assert_true(valid("\xE0\xA0\x80"));         /* U+0800 */
	assert_true(valid("\xED\x9F\xBF"));         /* U+D7FF, just below surrogates */
	assert_true(valid("\xEE\x80\x80"));         /* U+E000, just above */
	assert_true(valid("\xEF\xBF\xBF"));         /* U+FFFF */
	assert_true(valid("\xF0\x90\x80\x80"));     /* U+10000 */
	assert_true(valid("\xF4\x8F\xBF\xBF"));     /* U+10FFFF, the last */
}

static void test_embedded_nul_counts_by_length(void **state)
{
	(void)state;
	assert_true(utf8_valid("a\0b", 3));
	/* only the first n bytes are looked at */
	assert_true(utf8_valid("ab\xFF", 2));
	assert_false(utf8_valid("ab\xFF", 3));
}

static void test_overlongs(void **state)
{
	(void)state;
	assert_false(valid("\xC0\x80"));             /* NUL in 2 bytes */
	assert_false(valid("\xC0\xAF"));             /* '/' in 2 bytes */
	assert_false(valid("\xC1\xBF"));
	assert_false(valid("\xE0\x80\x80"));
	assert_false(valid("\xE0\x80\xAF"));         /* '/' in 3 bytes */
	assert_false(valid("\xE0\x9F\xBF"));         /* U+07FF in 3 bytes */
	assert_false(valid("\xF0\x80\x80\x80"));
	assert_false(valid("\xF0\x80\x80\xAF"));     /* '/' in 4 bytes */
	assert_false(valid("\xF0\x8F\xBF\xBF"));     /* U+FFFF in 4 bytes */
	assert_false(valid("a\xC0\xAF" "b"));
}

static void test_surrogates(void **state)
{
	(void)state;
	assert_false(valid("\xED\xA0\x80")); /* U+D800 */
	assert_false(valid("\xED\xAD\xBF")); /* U+DB7F */
	assert_false(valid("\xED\xB0\x80")); /* U+DC00 */
	assert_false(valid("\xED\xBF\xBF")); /* U+DFFF */
	/* a CESU-8 pair for U+1F600 */
	assert_false(valid("\xED\xA0\xBD\xED\xB8\x80"));
}

static void test_above_max(void **state)
{
	(void)state;
	assert_false(valid("\xF4\x90\x80\x80")); /* U+110000 */
	assert_false(valid("\xF5\x80\x80\x80"));
	assert_false(valid("\xF7\xBF\xBF\xBF"));
	assert_false(valid("\xF8\x88\x80\x80\x80")); /* old 5-byte form */
	assert_false(valid("\xFC\x84\x80\x80\x80\x80"));
	assert_false(valid("\xFE"));
	assert_false(valid("\xFF"));
}

static void test_truncated_and_stray(void **state)
{
	(void)state;
	assert_false(valid("\xC3"));
	assert_false(valid("\xE2\x82"));
	assert_false(valid("\xF0\x9F\x98"));
	assert_false(valid("abc\xF0\x9F"));
	assert_false(valid("\xE2\x82" "A"));        /* continuation replaced */
	assert_false(valid("\xC3" "A"));
	assert_false(valid("\x80"));                 /* stray continuation */
	assert_false(valid("\xBF"));
	assert_false(valid("a\x80" "b"));
	assert_false(valid("\xC3\xA9\xA9"));         /* one continuation too many */
	/* truncated by the length given */
	assert_false(utf8_valid("\xE2\x82\xAC", 2));
	assert_false(utf8_valid("\xF0\x9F\x98\x80", 3));
}

/* ASCII is skipped eight bytes at a time: a bad or multibyte sequence is
 * seen at every offset and with every length around that stride, and a
 * sequence cut by the end of the text is refused. */
static void test_every_offset(void **state)
{
	(void)state;
	char buf[64];
	for (size_t len = 1; len < 40; len++) {
		for (size_t at = 0; at < len; at++) {
			memset(buf, 'a', len);
			assert_true(utf8_valid(buf, len));
			buf[at] = (char)0xFF; /* never valid */
			assert_false(utf8_valid(buf, len));
			buf[at] = (char)0x80; /* a stray continuation */
			assert_false(utf8_valid(buf, len));
			if (at + 2 <= len) {
				memcpy(buf + at, "\xC3\xA9", 2); /* é */
				assert_true(utf8_valid(buf, len));
				assert_false(utf8_valid(buf, at + 1)); /* cut after its first byte */
			}
			if (at + 4 <= len) {
				memset(buf, 'a', len);
				memcpy(buf + at, "\xF0\x9F\x98\x80", 4);
				assert_true(utf8_valid(buf, len));
				memcpy(buf + at, "\xED\xA0\x80", 3); /* a surrogate */
				assert_false(utf8_valid(buf, len));
			}
		}
	}
}

static void test_length_counts_code_points(void **state)
{
	(void)state;
	assert_int_equal(utf8_length(""), 0);
	assert_int_equal(utf8_length("abc"), 3);
	assert_int_equal(utf8_length("caf\xC3\xA9"), 4);
	assert_int_equal(utf8_length("\xE2\x82\xAC\xE2\x82\xAC"), 2);
	assert_int_equal(utf8_length("\xF0\x9F\x98\x80x"), 2);
}

static void test_controls(void **state)
{
	(void)state;
	assert_false(utf8_has_controls("", false));
	assert_false(utf8_has_controls("plain text", false));
	assert_false(utf8_has_controls("caf\xC3\xA9 \xE2\x82\xAC", false));
	/* tab, LF and CR: only when newlines are allowed */
	assert_true(utf8_has_controls("a\tb", false));
	assert_true(utf8_has_controls("a\nb", false));
	assert_true(utf8_has_controls("a\rb", false));
	assert_false(utf8_has_controls("a\tb\r\nc", true));
	/* other C0 controls, DEL and C1 controls are never allowed */
	assert_true(utf8_has_controls("\x01", true));
	assert_true(utf8_has_controls("a\x1B[31m", true));
	assert_true(utf8_has_controls("a\x0B", true));
	assert_true(utf8_has_controls("a\x0C", true));
	assert_true(utf8_has_controls("\x7F", true));
	assert_true(utf8_has_controls("\xC2\x80", true)); /* U+0080 */
	assert_true(utf8_has_controls("x\xC2\x85y", true)); /* NEL */
	assert_true(utf8_has_controls("\xC2\x9F", true)); /* U+009F */
	/* neighbours of the C1 range are fine */
	assert_false(utf8_has_controls("\xC2\xA0", false)); /* NBSP */
	assert_false(utf8_has_controls("\xC2\xA9", false)); /* © */
	assert_false(utf8_has_controls("\xC3\x85", false)); /* Å: 0x85 as a continuation */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_ascii_and_multibyte),
		cmocka_unit_test(test_embedded_nul_counts_by_length),
		cmocka_unit_test(test_overlongs),
		cmocka_unit_test(test_surrogates),
		cmocka_unit_test(test_above_max),
		cmocka_unit_test(test_truncated_and_stray),
		cmocka_unit_test(test_every_offset),
		cmocka_unit_test(test_length_counts_code_points),
		cmocka_unit_test(test_controls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
