/* test_hashlist.c — reading hash-list lines (src/match/hashlist.c): every
 * line format (PDQ tool output with ",quality,file", md5sum/sha256sum
 * output, tabs, either case, CRLF, a byte-order mark, comments, blank
 * lines), wrong lengths and digits; CSV with a named hash column, with
 * "hash" and "algo"/"type" columns or a default algorithm, quoted fields,
 * the metadata JSON, and every error key (csv.columns, csv.quote,
 * csv.no_hash_column, utf8.invalid, line.too_long, algo.invalid); and the
 * small helpers (hex decoding, algorithm names and lengths, format names). */
/* cmocka.h needs these first */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "hashlist.h"

/* Known bytes for each algorithm (0x00, 0x11, ... pattern offset by seed). */
static void fill(uint8_t *b, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(seed * 37u + i * 11u + 0xa5u);
}

static void to_hex(const uint8_t *b, size_t len, int upper, char *out)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	const char *d = upper ? up : lo;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * len] = '\0';
}

/* Reads one NUL-terminated line. */
static int rd(struct hashlist_reader *r, const char *line, struct hashlist_entry *e,
              const char **code)
{
	return hashlist_read_line(r, line, strlen(line), e, code);
}

/* Expects line to give an entry of algo with bytes want (len); returns its
 * meta (the caller frees it). */
static char *expect_entry(struct hashlist_reader *r, const char *line, const char *algo,
                          const uint8_t *want, size_t len)
{
	struct hashlist_entry e;
	const char *code = "unset";
	int rc = rd(r, line, &e, &code);
	if (rc != 1)
		fail_msg("line \"%s\": got %d (%s), wanted an entry", line, rc,
		         code ? code : "no code");
	assert_null(code);
	assert_non_null(e.algo);
	assert_string_equal(e.algo, algo);
	assert_ptr_equal(e.algo, hashlist_algo_name(algo)); /* the static name */
	assert_int_equal(e.len, len);
	assert_memory_equal(e.hash, want, len);
	return e.meta;
}

/* Expects line to fail with code. */
static void expect_error(struct hashlist_reader *r, const char *line, size_t len, const char *want)
{
	struct hashlist_entry e;
	const char *code = NULL;
	int rc = hashlist_read_line(r, line, len, &e, &code);
	if (rc != HL_EINVAL)
		fail_msg("line \"%.80s\": got %d, wanted HL_EINVAL (%s)", line, rc, want);
	assert_non_null(code);
	assert_string_equal(code, want);
	assert_null(e.meta);
}

static void expect_skip(struct hashlist_reader *r, const char *line)
{
	struct hashlist_entry e;
	const char *code = "unset";
	int rc = rd(r, line, &e, &code);
	if (rc != 0)
		fail_msg("line \"%s\": got %d, wanted 0 (skipped)", line, rc);
	assert_null(code);
	assert_null(e.meta);
}

/* Parses meta (must be a JSON object) and checks it holds exactly the
 * NULL-terminated key/value pairs kv; frees meta. */
static void expect_meta(char *meta, const char *const *kv)
{
	size_t want = 0;
	while (kv && kv[2 * want])
		want++;
	if (!want) {
		assert_null(meta);
		return;
	}
	assert_non_null(meta);
	json_error_t err;
	json_t *o = json_loads(meta, 0, &err);
	if (!o)
		fail_msg("meta is not JSON: %s (%s)", meta, err.text);
	assert_true(json_is_object(o));
	if (json_object_size(o) != want)
		fail_msg("meta %s: %zu keys, wanted %zu", meta, json_object_size(o), want);
	for (size_t i = 0; i < want; i++) {
		json_t *v = json_object_get(o, kv[2 * i]);
		if (!v)
			fail_msg("meta %s lacks key \"%s\"", meta, kv[2 * i]);
		assert_true(json_is_string(v));
		assert_string_equal(json_string_value(v), kv[2 * i + 1]);
	}
	json_decref(o);
	free(meta);
}

/* ---- helpers ------------------------------------------------------------ */

static void test_format_parse(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum hashlist_format f;
	} ok[] = {{"pdq", HASHLIST_PDQ},
	          {"md5", HASHLIST_MD5},
	          {"sha1", HASHLIST_SHA1},
	          {"sha256", HASHLIST_SHA256},
	          {"csv", HASHLIST_CSV}};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		enum hashlist_format f = (enum hashlist_format)99;
		assert_int_equal(hashlist_format_parse(ok[i].name, &f), 0);
		assert_int_equal(f, ok[i].f);
	}
	static const char *const bad[] = {"",     "PDQ",  "Csv", "sha-1", "sha512",
	                                  "pdq ", " md5", "tsv", "pd"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		enum hashlist_format f = HASHLIST_CSV;
		assert_int_equal(hashlist_format_parse(bad[i], &f), HL_EINVAL);
		assert_int_equal(f, HASHLIST_CSV); /* untouched */
	}
	enum hashlist_format f;
	assert_int_equal(hashlist_format_parse(NULL, &f), HL_EINVAL);
}

static void test_algo_name_and_len(void **state)
{
	(void)state;
	const char *pdq = hashlist_algo_name("pdq");
	assert_non_null(pdq);
	assert_string_equal(pdq, "pdq");
	assert_ptr_equal(hashlist_algo_name("PDQ"), pdq);
	assert_ptr_equal(hashlist_algo_name("Pdq"), pdq);
	assert_string_equal(hashlist_algo_name("MD5"), "md5");
	assert_string_equal(hashlist_algo_name("sha1"), "sha1");
	assert_string_equal(hashlist_algo_name("SHA-1"), "sha1");
	assert_string_equal(hashlist_algo_name("sha-1"), "sha1");
	assert_string_equal(hashlist_algo_name("SHA256"), "sha256");
	assert_string_equal(hashlist_algo_name("Sha-256"), "sha256");
	assert_ptr_equal(hashlist_algo_name("SHA-256"), hashlist_algo_name("sha256"));
	static const char *const bad[] = {"",     "sha512", "sha",      "md",    "md5 ",
	                                  " pdq", "sha_1",  "pdq_hash", "crc32", "hash"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_null(hashlist_algo_name(bad[i]));
	assert_null(hashlist_algo_name(NULL));

	assert_int_equal(hashlist_algo_len("pdq"), 32);
	assert_int_equal(hashlist_algo_len("md5"), 16);
	assert_int_equal(hashlist_algo_len("sha1"), 20);
	assert_int_equal(hashlist_algo_len("sha256"), 32);
	assert_int_equal(hashlist_algo_len("sha512"), 0);
	assert_int_equal(hashlist_algo_len(""), 0);
	assert_int_equal(hashlist_algo_len(NULL), 0);
	/* every name hashlist_algo_name gives has a length */
	static const char *const names[] = {"PDQ", "MD5", "SHA-1", "sha-256"};
	for (size_t i = 0; i < 4; i++)
		assert_int_not_equal(hashlist_algo_len(hashlist_algo_name(names[i])), 0);
}

static void test_hex_decode(void **state)
{
	(void)state;
	uint8_t out[8];
	memset(out, 0x55, sizeof out);
	assert_int_equal(hashlist_hex_decode("00ff7Fa0", 8, out, 4), 0);
	static const uint8_t want[] = {0x00, 0xff, 0x7f, 0xa0};
	assert_memory_equal(out, want, 4);
	assert_int_equal(out[4], 0x55); /* nothing written past len */
	assert_int_equal(hashlist_hex_decode("0123456789abcdefABCDEF00", 24, out, 8), HL_EINVAL);
	assert_int_equal(hashlist_hex_decode("0123456789abcdef", 16, out, 8), 0);
	static const uint8_t want2[] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	assert_memory_equal(out, want2, 8);
	assert_int_equal(hashlist_hex_decode("ABCDEF", 6, out, 3), 0);
	assert_int_equal(out[0], 0xab);
	assert_int_equal(out[2], 0xef);

	/* wrong lengths: one digit short, one more, odd */
	assert_int_equal(hashlist_hex_decode("00ff7fa", 7, out, 4), HL_EINVAL);
	assert_int_equal(hashlist_hex_decode("00ff7fa00", 9, out, 4), HL_EINVAL);
	assert_int_equal(hashlist_hex_decode("00ff7fa0", 8, out, 3), HL_EINVAL);
	/* nothing is nothing */
	assert_int_equal(hashlist_hex_decode("", 0, out, 0), 0);
	/* every kind of non-hex digit, in every position */
	static const char nothex[] = {'g',  'G', 'z', ' ', '\t', '-',    'x',    'X',
	                              '\0', '/', ':', '@', '`',  '\xff', '\x80', '+'};
	for (size_t k = 0; k < sizeof nothex; k++)
		for (int pos = 0; pos < 8; pos++) {
			char s[9] = "00ff7fa0";
			s[pos] = nothex[k];
			assert_int_equal(hashlist_hex_decode(s, 8, out, 4), HL_EINVAL);
		}
	/* "0x" prefixes are not hex */
	assert_int_equal(hashlist_hex_decode("0x00ff7f", 8, out, 4), HL_EINVAL);
}

/* ---- line formats ------------------------------------------------------- */

static const struct {
	enum hashlist_format f;
	const char *algo;
	size_t len;
} LINE_FORMATS[] = {{HASHLIST_PDQ, "pdq", 32},
                    {HASHLIST_MD5, "md5", 16},
                    {HASHLIST_SHA1, "sha1", 20},
                    {HASHLIST_SHA256, "sha256", 32}};

static void test_line_formats_accept(void **state)
{
	(void)state;
	for (size_t fi = 0; fi < 4; fi++) {
		const char *algo = LINE_FORMATS[fi].algo;
		size_t len = LINE_FORMATS[fi].len;
		uint8_t h[32];
		fill(h, len, (unsigned)fi + 1);
		char lo[65], up[65], mixed[65], line[512];
		to_hex(h, len, 0, lo);
		to_hex(h, len, 1, up);
		for (size_t i = 0; i < 2 * len; i++)
			mixed[i] = i % 2 ? up[i] : lo[i];
		mixed[2 * len] = '\0';

		struct hashlist_reader r;
		hashlist_reader_init(&r, LINE_FORMATS[fi].f, NULL);
		/* a BOM on the first line, then a comment, a blank line */
		snprintf(line, sizeof line, "\xEF\xBB\xBF%s\n", lo);
		assert_null(expect_entry(&r, line, algo, h, len));
		expect_skip(&r, "# a comment line");
		expect_skip(&r, "   # indented comment, 0123");
		expect_skip(&r, "#");
		expect_skip(&r, "");
		expect_skip(&r, "\n");
		expect_skip(&r, "\r\n");
		expect_skip(&r, " \t  \r\n");

		const char *fmts[] = {
		    "%s",                          /* bare */
		    "%s\n",                        /* LF */
		    "%s\r\n",                      /* CRLF */
		    "%s\r",                        /* lone CR */
		    "%s,100,images/a.jpg",         /* the reference PDQ tool: hash,quality,file */
		    "%s,100,images/a.jpg\r\n",     /* the same, CRLF */
		    "%s  photo one.jpg",           /* md5sum text mode */
		    "%s *photo.jpg",               /* md5sum binary mode */
		    "%s\tphoto.jpg",               /* tab */
		    "%s\t\tx\ty",                  /* several tabs */
		    "  %s  ",                      /* spaces around */
		    "\t%s\t\n",                    /* tabs around */
		    "%s  \xff\xfe not utf-8 name", /* the rest is ignored, whatever it is */
		    "%s,",                         /* an empty rest */
		};
		const char *hexes[] = {lo, up, mixed};
		for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++)
			for (size_t x = 0; x < 3; x++) {
				snprintf(line, sizeof line, fmts[k], hexes[x]);
				assert_null(expect_entry(&r, line, algo, h, len));
			}
		/* a line of exactly HASHLIST_MAX_LINE bytes is read, CRLF aside */
		char *big = malloc(HASHLIST_MAX_LINE + 3);
		assert_non_null(big);
		memset(big, ' ', HASHLIST_MAX_LINE);
		memcpy(big, lo, 2 * len);
		memcpy(big + HASHLIST_MAX_LINE, "\r\n", 3);
		struct hashlist_entry e;
		const char *code;
		assert_int_equal(hashlist_read_line(&r, big, HASHLIST_MAX_LINE + 2, &e, &code), 1);
		assert_int_equal(hashlist_read_line(&r, big, HASHLIST_MAX_LINE, &e, &code), 1);
		assert_memory_equal(e.hash, h, len);
		free(big);
		hashlist_reader_free(&r);
	}
}

static void test_line_formats_reject(void **state)
{
	(void)state;
	for (size_t fi = 0; fi < 4; fi++) {
		size_t len = LINE_FORMATS[fi].len;
		uint8_t h[32];
		fill(h, 32, (unsigned)fi + 7);
		char lo[65], line[512];
		to_hex(h, len, 0, lo);

		struct hashlist_reader r;
		hashlist_reader_init(&r, LINE_FORMATS[fi].f, NULL);
		/* one digit short, one digit more, one byte more */
		snprintf(line, sizeof line, "%.*s", (int)(2 * len - 1), lo);
		expect_error(&r, line, strlen(line), "hash.invalid");
		snprintf(line, sizeof line, "%s0", lo);
		expect_error(&r, line, strlen(line), "hash.invalid");
		snprintf(line, sizeof line, "%s00,100,x.jpg", lo);
		expect_error(&r, line, strlen(line), "hash.invalid");
		/* the other algorithms' lengths */
		static const size_t lens[] = {16, 20, 32, 64};
		for (size_t k = 0; k < 4; k++) {
			if (lens[k] == len)
				continue;
			char other[129];
			uint8_t hh[64];
			fill(hh, lens[k], 3);
			to_hex(hh, lens[k], 0, other);
			expect_error(&r, other, strlen(other), "hash.invalid");
		}
		/* non-hex digits anywhere */
		static const char nothex[] = {'g', 'Z', 'x', '-', '.', '\x80', '\xff'};
		for (size_t k = 0; k < sizeof nothex; k++)
			for (size_t pos = 0; pos < 2 * len; pos += 7) {
				snprintf(line, sizeof line, "%s", lo);
				line[pos] = nothex[k];
				expect_error(&r, line, strlen(line), "hash.invalid");
			}
		/* prefixes and other shapes */
		snprintf(line, sizeof line, "0x%s", lo);
		expect_error(&r, line, strlen(line), "hash.invalid");
		snprintf(line, sizeof line, "\"%s\"", lo);
		expect_error(&r, line, strlen(line), "hash.invalid");
		snprintf(line, sizeof line, "%s:%s", LINE_FORMATS[fi].algo, lo);
		expect_error(&r, line, strlen(line), "hash.invalid");
		snprintf(line, sizeof line, "name  %s", lo); /* name first */
		expect_error(&r, line, strlen(line), "hash.invalid");
		expect_error(&r, "not a hash at all", 17, "hash.invalid");
		expect_error(&r, ",", 1, "hash.invalid");
		/* an embedded NUL cuts the hash */
		memcpy(line, lo, 2 * len);
		line[len] = '\0';
		expect_error(&r, line, 2 * len, "hash.invalid");
		/* a BOM after the first line is not skipped */
		snprintf(line, sizeof line, "\xEF\xBB\xBF%s", lo);
		expect_error(&r, line, strlen(line), "hash.invalid");

		/* a line over the limit, whatever it holds */
		char *big = malloc(HASHLIST_MAX_LINE + 2);
		assert_non_null(big);
		memset(big, ' ', HASHLIST_MAX_LINE + 1);
		memcpy(big, lo, 2 * len);
		expect_error(&r, big, HASHLIST_MAX_LINE + 1, "line.too_long");
		memset(big, '#', HASHLIST_MAX_LINE + 1);
		expect_error(&r, big, HASHLIST_MAX_LINE + 1, "line.too_long");
		free(big);
		/* and the reader goes on */
		assert_null(expect_entry(&r, lo, LINE_FORMATS[fi].algo, h, len));
		hashlist_reader_free(&r);
	}
}

/* The default algorithm means nothing to line formats. */
static void test_line_formats_ignore_default(void **state)
{
	(void)state;
	uint8_t h[32];
	fill(h, 16, 9);
	char hex[65];
	to_hex(h, 16, 0, hex);
	struct hashlist_reader r;
	hashlist_reader_init(&r, HASHLIST_MD5, "sha256");
	assert_null(expect_entry(&r, hex, "md5", h, 16));
	hashlist_reader_free(&r);
}

/* ---- CSV ---------------------------------------------------------------- */

static void test_csv_named_columns(void **state)
{
	(void)state;
	static const struct {
		const char *col, *algo;
		size_t len;
	} cols[] = {
	    {"pdq", "pdq", 32},       {"md5", "md5", 16},      {"sha1", "sha1", 20},
	    {"sha256", "sha256", 32}, {"pdq_hash", "pdq", 32}, {"PDQ", "pdq", 32},
	    {"MD5", "md5", 16},       {"SHA-1", "sha1", 20},   {"SHA-256", "sha256", 32},
	    {"PDQ_Hash", "pdq", 32},  {"  md5  ", "md5", 16},  {"\"sha1\"", "sha1", 20},
	};
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		uint8_t h[32];
		fill(h, cols[i].len, (unsigned)i);
		char hex[65], hexu[65], line[512];
		to_hex(h, cols[i].len, 0, hex);
		to_hex(h, cols[i].len, 1, hexu);
		for (int where = 0; where < 3; where++) {
			struct hashlist_reader r;
			hashlist_reader_init(&r, HASHLIST_CSV, NULL);
			expect_skip(&r, "");   /* blank lines before the header */
			expect_skip(&r, "  "); /* are not the header */
			/* the hash column first, in the middle or last */
			if (where == 0)
				snprintf(line, sizeof line, "%s,name,note\r\n", cols[i].col);
			else if (where == 1)
				snprintf(line, sizeof line, "name,%s,note\r\n", cols[i].col);
			else
				snprintf(line, sizeof line, "name,note,%s\r\n", cols[i].col);
			expect_skip(&r, line);
			const char *h1 = where == 0 ? hex : "a.jpg";
			const char *h2 = where == 1 ? hex : where == 0 ? "a.jpg" : "seen twice";
			const char *h3 = where == 2 ? hex : "seen twice";
			snprintf(line, sizeof line, "%s,%s,%s\r\n", h1, h2, h3);
			const char *kv[] = {"name", "a.jpg", "note", "seen twice", NULL};
			expect_meta(expect_entry(&r, line, cols[i].algo, h, cols[i].len), kv);
			/* uppercase, and spaces around the hash */
			char sp[80];
			snprintf(sp, sizeof sp, "  %s\t", hexu);
			snprintf(line, sizeof line, "%s,%s,%s", where == 0 ? sp : "b",
			         where == 1   ? sp
			         : where == 0 ? "b"
			                      : "",
			         where == 2 ? sp : "");
			const char *kv2[] = {"name", "b", NULL};
			expect_meta(expect_entry(&r, line, cols[i].algo, h, cols[i].len), kv2);
			hashlist_reader_free(&r);
		}
	}
}

static void test_csv_hash_and_algo_columns(void **state)
{
	(void)state;
	static const char *const headers[] = {"hash,algo,source", "algo,hash,source",
	                                      "Hash,Type,source", "source,TYPE,HASH",
	                                      " hash , algo ,source"};
	for (size_t hi = 0; hi < sizeof headers / sizeof headers[0]; hi++) {
		struct hashlist_reader r;
		hashlist_reader_init(&r, HASHLIST_CSV, "md5"); /* the column wins */
		expect_skip(&r, headers[hi]);
		/* where the columns are in this header */
		int hash_at = strncasecmp(headers[hi], "source", 6) == 0 ? 2
		              : strncasecmp(headers[hi], "algo", 4) == 0 ? 1
		                                                         : 0;
		int algo_at = hash_at == 0 ? 1 : hash_at == 1 ? 0 : 1;
		int src_at = 3 - hash_at - algo_at;
		static const struct {
			const char *algo_value, *algo;
			size_t len;
		} rows[] = {
		    {"pdq", "pdq", 32},        {"PDQ", "pdq", 32},    {"md5", "md5", 16},
		    {"sha1", "sha1", 20},      {"SHA-1", "sha1", 20}, {"sha256", "sha256", 32},
		    {"Sha-256", "sha256", 32}, {" md5 ", "md5", 16},  {"\"sha1\"", "sha1", 20}};
		for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
			uint8_t h[32];
			fill(h, rows[k].len, (unsigned)(k + 40));
			char hex[65], line[512];
			to_hex(h, rows[k].len, (int)(k % 2), hex);
			const char *f[3];
			f[hash_at] = hex;
			f[algo_at] = rows[k].algo_value;
			f[src_at] = "ncmec.example.org";
			snprintf(line, sizeof line, "%s,%s,%s\n", f[0], f[1], f[2]);
			const char *kv[] = {"source", "ncmec.example.org", NULL};
			expect_meta(expect_entry(&r, line, rows[k].algo, h, rows[k].len), kv);
		}
		/* an unknown, empty or over-long algorithm, and a length that does
		 * not fit the algorithm named */
		uint8_t h[32];
		fill(h, 32, 5);
		char hex16[33], hex32[65], line[512];
		to_hex(h, 16, 0, hex16);
		to_hex(h, 32, 0, hex32);
		static const char *const bad_algos[] = {
		    "crc32", "", "sha512", "md5md5md5md5md5md5", "pdq_hash", "hash"};
		for (size_t k = 0; k < sizeof bad_algos / sizeof bad_algos[0]; k++) {
			const char *f[3];
			f[hash_at] = hex16;
			f[algo_at] = bad_algos[k];
			f[src_at] = "x";
			snprintf(line, sizeof line, "%s,%s,%s", f[0], f[1], f[2]);
			expect_error(&r, line, strlen(line), "algo.invalid");
		}
		const char *f[3];
		f[hash_at] = hex32;
		f[algo_at] = "md5";
		f[src_at] = "x";
		snprintf(line, sizeof line, "%s,%s,%s", f[0], f[1], f[2]);
		expect_error(&r, line, strlen(line), "hash.invalid");
		f[hash_at] = hex16;
		f[algo_at] = "sha1";
		snprintf(line, sizeof line, "%s,%s,%s", f[0], f[1], f[2]);
		expect_error(&r, line, strlen(line), "hash.invalid");
		f[hash_at] = "";
		f[algo_at] = "md5";
		snprintf(line, sizeof line, "%s,%s,%s", f[0], f[1], f[2]);
		expect_error(&r, line, strlen(line), "hash.invalid");
		hashlist_reader_free(&r);
	}
}

static void test_csv_default_algo(void **state)
{
	(void)state;
	uint8_t h[32];
	fill(h, 32, 77);
	char hex20[41], hex32[65], hex16[33];
	to_hex(h, 20, 0, hex20);
	to_hex(h, 32, 0, hex32);
	to_hex(h, 16, 0, hex16);
	char line[512];

	struct hashlist_reader r;
	hashlist_reader_init(&r, HASHLIST_CSV, "SHA-1");
	expect_skip(&r, "hash,file");
	snprintf(line, sizeof line, "%s,x.png", hex20);
	const char *kv[] = {"file", "x.png", NULL};
	expect_meta(expect_entry(&r, line, "sha1", h, 20), kv);
	snprintf(line, sizeof line, "%s,x.png", hex32);
	expect_error(&r, line, strlen(line), "hash.invalid");
	hashlist_reader_free(&r);

	hashlist_reader_init(&r, HASHLIST_CSV, "sha256");
	expect_skip(&r, "hash");
	expect_meta(expect_entry(&r, hex32, "sha256", h, 32), NULL);
	hashlist_reader_free(&r);

	hashlist_reader_init(&r, HASHLIST_CSV, "pdq");
	expect_skip(&r, "file,hash");
	snprintf(line, sizeof line, ",%s", hex32);
	expect_meta(expect_entry(&r, line, "pdq", h, 32), NULL); /* empty values left out */
	hashlist_reader_free(&r);

	/* no default, or one that is no algorithm */
	static const char *const none[] = {NULL, "bogus", "", "sha512"};
	for (size_t i = 0; i < 4; i++) {
		hashlist_reader_init(&r, HASHLIST_CSV, none[i]);
		expect_skip(&r, "hash,file");
		snprintf(line, sizeof line, "%s,x.png", hex16);
		expect_error(&r, line, strlen(line), "algo.invalid");
		hashlist_reader_free(&r);
	}

	/* a named column wins over the default */
	hashlist_reader_init(&r, HASHLIST_CSV, "sha256");
	expect_skip(&r, "md5,file");
	snprintf(line, sizeof line, "%s,y", hex16);
	const char *kv2[] = {"file", "y", NULL};
	expect_meta(expect_entry(&r, line, "md5", h, 16), kv2);
	hashlist_reader_free(&r);
}

static void test_csv_quotes_and_meta(void **state)
{
	(void)state;
	uint8_t h[32];
	fill(h, 32, 3);
	char hex[65], line[1024];
	to_hex(h, 32, 0, hex);

	struct hashlist_reader r;
	hashlist_reader_init(&r, HASHLIST_CSV, NULL);
	expect_skip(&r, "\"pdq\",\"title, with comma\",\"say \"\"hi\"\"\",empty,,\"\",note");
	/* quoted hash, commas and doubled quotes inside quotes, empty values */
	snprintf(line, sizeof line,
	         "\"%s\",\"a, b, c\",\"he said \"\"no\"\"\",,ignored (no name),\"also ignored\","
	         "\"\"",
	         hex);
	const char *kv[] = {"title, with comma", "a, b, c", "say \"hi\"", "he said \"no\"", NULL};
	expect_meta(expect_entry(&r, line, "pdq", h, 32), kv);
	/* a quoted empty value is left out; spaces are values; UTF-8 is kept */
	snprintf(line, sizeof line, "%s,\"\",\" \",\"caf\xc3\xa9 \xe2\x82\xac\",,,\"\"\"\"", hex);
	const char *kv2[] = {"say \"hi\"", " ",  "empty", "caf\xc3\xa9 \xe2\x82\xac",
	                     "note",       "\"", NULL};
	expect_meta(expect_entry(&r, line, "pdq", h, 32), kv2);
	/* JSON-special characters survive the round trip */
	snprintf(line, sizeof line, "%s,\"back\\slash\",\"tab\there\",\"{\"\"k\"\":1}\",,,", hex);
	const char *kv3[] = {"title, with comma", "back\\slash", "say \"hi\"", "tab\there", "empty",
	                     "{\"k\":1}",         NULL};
	expect_meta(expect_entry(&r, line, "pdq", h, 32), kv3);
	/* a quoted field may hold nothing but quotes */
	snprintf(line, sizeof line, "%s,\"\"\"\"\"\",,,,,", hex);
	const char *kv4[] = {"title, with comma", "\"\"", NULL};
	expect_meta(expect_entry(&r, line, "pdq", h, 32), kv4);
	/* all values empty: no metadata at all */
	snprintf(line, sizeof line, "%s,,,,,,", hex);
	expect_meta(expect_entry(&r, line, "pdq", h, 32), NULL);
	hashlist_reader_free(&r);

	/* a duplicate column name: one key */
	hashlist_reader_init(&r, HASHLIST_CSV, NULL);
	expect_skip(&r, "md5,tag,tag");
	char hex16[33];
	to_hex(h, 16, 0, hex16);
	snprintf(line, sizeof line, "%s,one,two", hex16);
	char *meta = expect_entry(&r, line, "md5", h, 16);
	assert_non_null(meta);
	json_t *o = json_loads(meta, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_object_size(o), 1);
	assert_non_null(json_string_value(json_object_get(o, "tag")));
	json_decref(o);
	free(meta);
	hashlist_reader_free(&r);
}

/* A BOM before the header, CRLF everywhere. */
static void test_csv_bom_and_crlf(void **state)
{
	(void)state;
	uint8_t h[32];
	fill(h, 20, 21);
	char hex[41], line[256];
	to_hex(h, 20, 0, hex);
	struct hashlist_reader r;
	hashlist_reader_init(&r, HASHLIST_CSV, NULL);
	expect_skip(&r, "\xEF\xBB\xBFsha1,name\r\n");
	snprintf(line, sizeof line, "%s,n\r\n", hex);
	const char *kv[] = {"name", "n", NULL};
	expect_meta(expect_entry(&r, line, "sha1", h, 20), kv);
	expect_skip(&r, "\r\n");
	/* a BOM later on is part of the field */
	snprintf(line, sizeof line, "\xEF\xBB\xBF%s,n\r\n", hex);
	expect_error(&r, line, strlen(line), "hash.invalid");
	hashlist_reader_free(&r);

	/* the BOM on a header whose first column is the hash column */
	hashlist_reader_init(&r, HASHLIST_CSV, "sha1");
	expect_skip(&r, "\xEF\xBB\xBFhash\r\n");
	expect_meta(expect_entry(&r, hex, "sha1", h, 20), NULL);
	hashlist_reader_free(&r);
}

static void test_csv_errors(void **state)
{
	(void)state;
	uint8_t h[32];
	fill(h, 32, 11);
	char hex[65], line[1024];
	to_hex(h, 32, 0, hex);
	struct hashlist_reader r;

	/* column count mismatch */
	hashlist_reader_init(&r, HASHLIST_CSV, NULL);
	expect_skip(&r, "pdq,a,b");
	snprintf(line, sizeof line, "%s,1", hex);
	expect_error(&r, line, strlen(line), "csv.columns");
	snprintf(line, sizeof line, "%s,1,2,3", hex);
	expect_error(&r, line, strlen(line), "csv.columns");
	snprintf(line, sizeof line, "%s", hex);
	expect_error(&r, line, strlen(line), "csv.columns");
	snprintf(line, sizeof line, "%s,\"1,2\"", hex); /* a quoted comma is no separator */
	expect_error(&r, line, strlen(line), "csv.columns");
	snprintf(line, sizeof line, "%s,\"1,2\",3", hex);
	const char *kv[] = {"a", "1,2", "b", "3", NULL};
	expect_meta(expect_entry(&r, line, "pdq", h, 32), kv);

	/* broken quotes */
	static const char *const broken[] = {
	    "%s,\"open,b",  /* never closed */
	    "%s,\"open",    /* never closed, at the end */
	    "%s,ab\"c,d",   /* a quote inside an unquoted field */
	    "%s,\"ab\"c,d", /* text after the closing quote */
	    "%s,\"ab\" ,d", /* even a space */
	    "%s,a,\"",      /* a lone quote */
	    "%s,a,\"\"\"",  /* an escaped quote, then nothing closes */
	    "\"%s,a,b",     /* the hash field opens a quote */
	    "%s\",a,b",     /* a quote after the hash */
	};
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		snprintf(line, sizeof line, broken[i], hex);
		expect_error(&r, line, strlen(line), "csv.quote");
	}
	/* the reader goes on after errors */
	snprintf(line, sizeof line, "%s,x,y", hex);
	const char *kv2[] = {"a", "x", "b", "y", NULL};
	expect_meta(expect_entry(&r, line, "pdq", h, 32), kv2);
	/* invalid UTF-8 anywhere in a line */
	static const char *const bad_utf8[] = {
	    "%s,\xff,y",             /* a byte that never starts UTF-8 */
	    "%s,caf\xe9,y",          /* Latin-1 */
	    "%s,\xc0\xaf,y",         /* an overlong '/' */
	    "%s,\xed\xa0\x80,y",     /* a surrogate */
	    "%s,\xf4\x90\x80\x80,y", /* above U+10FFFF */
	    "%s,x,\xe2\x82",         /* cut short at the end */
	    "\"%s\",\"\x80\",y",     /* a continuation byte alone, quoted */
	};
	for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++) {
		snprintf(line, sizeof line, bad_utf8[i], hex);
		expect_error(&r, line, strlen(line), "utf8.invalid");
	}
	/* hash errors */
	snprintf(line, sizeof line, "%.63s,x,y", hex);
	expect_error(&r, line, strlen(line), "hash.invalid");
	snprintf(line, sizeof line, "%.63sg,x,y", hex);
	expect_error(&r, line, strlen(line), "hash.invalid");
	snprintf(line, sizeof line, ",x,y");
	expect_error(&r, line, strlen(line), "hash.invalid");
	snprintf(line, sizeof line, "%s 00,x,y", hex);
	expect_error(&r, line, strlen(line), "hash.invalid");
	/* an over-long line */
	char *big = malloc(HASHLIST_MAX_LINE + 8);
	assert_non_null(big);
	memset(big, 'a', HASHLIST_MAX_LINE + 8);
	memcpy(big, hex, 64);
	big[64] = ',';
	big[HASHLIST_MAX_LINE - 10] = ',';
	expect_error(&r, big, HASHLIST_MAX_LINE + 1, "line.too_long");
	/* exactly the limit is fine (CRLF not counted) */
	memcpy(big + HASHLIST_MAX_LINE, "\r\n", 2);
	struct hashlist_entry e;
	const char *code;
	assert_int_equal(hashlist_read_line(&r, big, HASHLIST_MAX_LINE + 2, &e, &code), 1);
	assert_non_null(e.meta);
	free(e.meta);
	free(big);
	hashlist_reader_free(&r);

	/* a broken or invalid header is no header: the next line is */
	hashlist_reader_init(&r, HASHLIST_CSV, NULL);
	expect_error(&r, "\"pdq,name", 9, "csv.quote");
	expect_error(&r, "pdq,n\xffme", strlen("pdq,n\xffme"), "utf8.invalid");
	expect_skip(&r, "pdq,name");
	snprintf(line, sizeof line, "%s,n", hex);
	const char *kv3[] = {"name", "n", NULL};
	expect_meta(expect_entry(&r, line, "pdq", h, 32), kv3);
	hashlist_reader_free(&r);

	/* a header naming no hash column: that line and every later one */
	static const char *const no_hash[] = {"name,note", "hashes,algo", "type",
	                                      ",,",        "sha512,name", "\"\""};
	for (size_t i = 0; i < sizeof no_hash / sizeof no_hash[0]; i++) {
		hashlist_reader_init(&r, HASHLIST_CSV, "pdq");
		expect_error(&r, no_hash[i], strlen(no_hash[i]), "csv.no_hash_column");
		snprintf(line, sizeof line, "%s,x", hex);
		for (int k = 0; k < 3; k++)
			expect_error(&r, line, strlen(line), "csv.no_hash_column");
		expect_error(&r, hex, strlen(hex), "csv.no_hash_column");
		expect_error(&r, "pdq,name", 8, "csv.no_hash_column"); /* no second header */
		expect_skip(&r, "");                                   /* blank lines still skip */
		hashlist_reader_free(&r);
	}
}

/* HASHLIST_MAX_COLUMNS columns are fine, one more is not. */
static void test_csv_max_columns(void **state)
{
	(void)state;
	uint8_t h[32];
	fill(h, 16, 2);
	char hex[33];
	to_hex(h, 16, 0, hex);
	char header[2048], row[4096];
	struct hashlist_reader r;

	size_t k = (size_t)snprintf(header, sizeof header, "md5");
	size_t kr = (size_t)snprintf(row, sizeof row, "%s", hex);
	for (int i = 1; i < HASHLIST_MAX_COLUMNS; i++) {
		k += (size_t)snprintf(header + k, sizeof header - k, ",c%d", i);
		kr += (size_t)snprintf(row + kr, sizeof row - kr, ",v%d", i);
	}
	hashlist_reader_init(&r, HASHLIST_CSV, NULL);
	expect_skip(&r, header);
	char *meta = expect_entry(&r, row, "md5", h, 16);
	json_t *o = json_loads(meta, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_object_size(o), HASHLIST_MAX_COLUMNS - 1);
	assert_string_equal(json_string_value(json_object_get(o, "c1")), "v1");
	char last[16];
	snprintf(last, sizeof last, "c%d", HASHLIST_MAX_COLUMNS - 1);
	char lastv[16];
	snprintf(lastv, sizeof lastv, "v%d", HASHLIST_MAX_COLUMNS - 1);
	assert_string_equal(json_string_value(json_object_get(o, last)), lastv);
	json_decref(o);
	free(meta);
	/* a data row with one column more */
	char row2[4200];
	snprintf(row2, sizeof row2, "%s,extra", row);
	expect_error(&r, row2, strlen(row2), "csv.columns");
	/* many more: only commas */
	char commas[1000];
	memset(commas, ',', sizeof commas - 1);
	commas[sizeof commas - 1] = '\0';
	expect_error(&r, commas, strlen(commas), "csv.columns");
	hashlist_reader_free(&r);

	/* a header with one column more */
	snprintf(header + k, sizeof header - k, ",c%d", HASHLIST_MAX_COLUMNS);
	hashlist_reader_init(&r, HASHLIST_CSV, NULL);
	expect_error(&r, header, strlen(header), "csv.columns");
	/* it was no header: a good one still can come */
	expect_skip(&r, "md5");
	expect_meta(expect_entry(&r, hex, "md5", h, 16), NULL);
	hashlist_reader_free(&r);
}

/* The "type" column is the algorithm only beside a "hash" column; next to a
 * column that names the algorithm itself, it is metadata like any other
 * ("Every other column is kept as metadata", hashlist.h). */
static void test_csv_type_beside_named_column(void **state)
{
	(void)state;
	uint8_t h[32];
	fill(h, 16, 31);
	char hex[33], line[256];
	to_hex(h, 16, 0, hex);
	struct hashlist_reader r;
	hashlist_reader_init(&r, HASHLIST_CSV, NULL);
	expect_skip(&r, "md5,type,name");
	snprintf(line, sizeof line, "%s,video,clip.mp4", hex);
	char *meta = expect_entry(&r, line, "md5", h, 16);
	hashlist_reader_free(&r);
	/* Once a defect: hashlist.c drops the "type"/"algo" column from the
	 * metadata even when a named hash column gives the algorithm. Remove
	 * this skip once that is fixed. */
	if (!meta || !strstr(meta, "video")) {
		free(meta);
		fail(); /* the defect this test found is back */
	}
	const char *kv[] = {"type", "video", "name", "clip.mp4", NULL};
	expect_meta(meta, kv);
}

/* A reader can be freed before it read anything, twice, and re-used. */
static void test_reader_lifecycle(void **state)
{
	(void)state;
	struct hashlist_reader r;
	hashlist_reader_init(&r, HASHLIST_CSV, NULL);
	hashlist_reader_free(&r);
	hashlist_reader_free(&r);
	hashlist_reader_init(&r, HASHLIST_CSV, NULL);
	expect_skip(&r, "pdq,a,b,c,d");
	hashlist_reader_free(&r);
	hashlist_reader_free(&r);
	/* out is cleared on every call */
	uint8_t h[32];
	fill(h, 32, 1);
	char hex[65];
	to_hex(h, 32, 0, hex);
	hashlist_reader_init(&r, HASHLIST_PDQ, NULL);
	struct hashlist_entry e;
	memset(&e, 0x5a, sizeof e);
	const char *code = "x";
	assert_int_equal(rd(&r, "# c", &e, &code), 0);
	assert_null(e.algo);
	assert_null(e.meta);
	assert_int_equal(e.len, 0);
	assert_null(code);
	memset(&e, 0x5a, sizeof e);
	assert_int_equal(rd(&r, "zz", &e, &code), HL_EINVAL);
	assert_null(e.meta);
	assert_null(e.algo);
	hashlist_reader_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_parse),
	    cmocka_unit_test(test_algo_name_and_len),
	    cmocka_unit_test(test_hex_decode),
	    cmocka_unit_test(test_line_formats_accept),
	    cmocka_unit_test(test_line_formats_reject),
	    cmocka_unit_test(test_line_formats_ignore_default),
	    cmocka_unit_test(test_csv_named_columns),
	    cmocka_unit_test(test_csv_hash_and_algo_columns),
	    cmocka_unit_test(test_csv_default_algo),
	    cmocka_unit_test(test_csv_quotes_and_meta),
	    cmocka_unit_test(test_csv_bom_and_crlf),
	    cmocka_unit_test(test_csv_errors),
	    cmocka_unit_test(test_csv_max_columns),
	    cmocka_unit_test(test_csv_type_beside_named_column),
	    cmocka_unit_test(test_reader_lifecycle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
