/* test_matcher.c — known-hash lists end to end on a real SQLite database:
 * banks_import (settings, counts of added/present/bad lines, re-import
 * changing nothing, bad names and settings), matcher_load and
 * matcher_lookup for every algorithm (hits, misses, bad lengths), PDQ
 * within each list's threshold and not beyond, the max_distance override,
 * what matcher_follow picks up (new imports, disabled and enabled entries,
 * changed settings, removed lists and lists made after them), matching a
 * whole report's attachments and hashes, the caps per hash and per report,
 * lookups from other threads while lists change, and the PDQ results
 * against a brute-force Hamming scan of a few thousand entries. */
/* cmocka.h needs these first */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <jansson.h>
#include <png.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attachment.h"
#include "banks.h"
#include "db.h"
#include "err.h"
#include "hashlist.h"
#include "hashlists.h"
#include "matcher.h"
#include "unit_util.h"

#define ACTOR "unit-test"

struct fx {
	char dir[64];
	char path[128];
	struct db *db;
	struct matcher *m;
	struct arena a;
};

static int setup(void **state)
{
	static struct fx f;
	memset(&f, 0, sizeof f);
	if (ut_tmpdir(f.dir, sizeof f.dir))
		return -1;
	snprintf(f.path, sizeof f.path, "%s/hotline.db", f.dir);
	if (db_open(f.path, &f.db) || db_migrate(f.db))
		return -1;
	f.m = matcher_new();
	if (!f.m)
		return -1;
	arena_init(&f.a, 256u << 20);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	matcher_free(f->m);
	db_close(f->db);
	arena_free(&f->a);
	ut_rmtree(f->dir);
	return 0;
}

/* ---- helpers -------------------------------------------------------- */

static uint64_t rng_state = 20240607;

static uint64_t rng(void) /* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rand_bytes(uint8_t *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h[i] = (uint8_t)rng();
}

/* out = in (32 bytes) with exactly k distinct bits flipped. */
static void flip(uint8_t *out, const uint8_t *in, unsigned k)
{
	uint8_t done[32] = {0};
	memcpy(out, in, 32);
	while (k > 0) {
		unsigned b = (unsigned)(rng() & 255);
		if (done[b >> 3] & (1u << (b & 7)))
			continue;
		done[b >> 3] |= (uint8_t)(1u << (b & 7));
		out[b >> 3] ^= (uint8_t)(1u << (b & 7));
		k--;
	}
}

static unsigned hamming(const uint8_t *a, const uint8_t *b)
{
	unsigned d = 0;
	for (int i = 0; i < 32; i++)
		d += (unsigned)__builtin_popcount((unsigned)(a[i] ^ b[i]));
	return d;
}

static void hex(const uint8_t *b, size_t len, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * len] = '\0';
}

static void unhex(const char *s, uint8_t *out, size_t len)
{
	assert_int_equal(hashlist_hex_decode(s, strlen(s), out, len), 0);
}

/* A growing text (for list files). */
struct text {
	char *p;
	size_t n, cap;
};

static void text_add(struct text *t, const char *s)
{
	size_t k = strlen(s);
	if (t->n + k + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		while (cap < t->n + k + 1)
			cap *= 2;
		char *q = realloc(t->p, cap);
		assert_non_null(q);
		t->p = q;
		t->cap = cap;
	}
	memcpy(t->p + t->n, s, k + 1);
	t->n += k;
}

static void text_hash(struct text *t, const uint8_t *h, size_t len)
{
	char line[80];
	hex(h, len, line);
	strcat(line, "\n");
	text_add(t, line);
}

struct bad_lines {
	uint64_t line[32];
	const char *code[32];
	int n;
};

static void on_bad(void *arg, uint64_t line, const char *code)
{
	struct bad_lines *b = arg;
	if (b->n < 32) {
		b->line[b->n] = line;
		b->code[b->n] = code;
	}
	b->n++;
}

/* Imports text (len bytes) into list name; returns banks_import's code. */
static int import_n(struct fx *f, const char *name, const struct banks_settings *s,
                    const char *text, size_t len, enum hashlist_format format, const char *def,
                    struct banks_import_result *res, struct bad_lines *bad, const char **code)
{
	FILE *in = fmemopen((void *)text, len, "r");
	assert_non_null(in);
	int rc = banks_import(f->db, ACTOR, name, s, in, format, def, bad ? on_bad : NULL, bad, res,
	                      code);
	fclose(in);
	return rc;
}

/* Imports text and expects success; returns the list id. */
static int64_t import_ok(struct fx *f, const char *name, const struct banks_settings *s,
                         const char *text, enum hashlist_format format,
                         struct banks_import_result *res_out)
{
	struct banks_import_result res;
	const char *code = NULL;
	int rc = import_n(f, name, s, text, strlen(text), format, NULL, &res, NULL, &code);
	if (rc)
		fail_msg("import into %s: %d (%s)", name, rc, code ? code : "-");
	if (res_out)
		*res_out = res;
	return res.list_id;
}

/* Imports one PDQ hash into list name (created with threshold when new). */
static int64_t import_pdq(struct fx *f, const char *name, int threshold, const uint8_t *h)
{
	struct banks_settings s = {NULL, NULL, NULL, threshold};
	char line[80];
	hex(h, 32, line);
	strcat(line, "\n");
	return import_ok(f, name, &s, line, HASHLIST_PDQ, NULL);
}

static size_t lookup(struct fx *f, const char *algo, const uint8_t *h, size_t len, int maxd,
                     struct report_match **out)
{
	size_t n = 99999;
	struct report_match *v = NULL;
	int rc = matcher_lookup(f->m, algo, h, len, maxd, &v, &n, &f->a);
	if (rc)
		fail_msg("matcher_lookup %s: %d", algo, rc);
	if (out)
		*out = v;
	for (size_t i = 1; i < n; i++) /* sorted by distance */
		assert_true(v[i - 1].distance <= v[i].distance);
	return n;
}

static int64_t entry_id(struct fx *f, int64_t list, const char *algo, const uint8_t *h, size_t len)
{
	struct store_hash_entry e;
	assert_int_equal(store_hashlist_entry_find(f->db, list, algo, h, len, &e, NULL), 0);
	return e.id;
}

static void follow(struct fx *f)
{
	assert_int_equal(matcher_follow(f->m, f->db), 0);
}

/* ---- import ----------------------------------------------------------- */

static void test_import_counts_and_settings(void **state)
{
	struct fx *f = *state;
	uint8_t p1[32], p2[32], m1[16];
	rand_bytes(p1, 32);
	rand_bytes(p2, 32);
	rand_bytes(m1, 16);
	char h1[65], h2[65], hm[33], text[1024];
	hex(p1, 32, h1);
	hex(p2, 32, h2);
	hex(m1, 16, hm);
	snprintf(text, sizeof text,
	         "# exported by the partner\n%s\n%s,100,images/a.jpg\nZZZ\n\n%s\n%s\n", h1, h2, h1,
	         hm);

	struct banks_settings s = {"feed.example.org", "suggest_classification", "cat-b", 20};
	struct banks_import_result res;
	struct bad_lines bad = {0};
	const char *code = NULL;
	assert_int_equal(import_n(f, "partner-feed", &s, text, strlen(text), HASHLIST_PDQ, NULL,
	                          &res, &bad, &code),
	                 0);
	assert_true(res.created);
	assert_true(res.list_id > 0);
	assert_int_equal(res.lines, 7);
	assert_int_equal(res.added, 2);
	assert_int_equal(res.present, 1);
	assert_int_equal(res.bad, 2);
	assert_int_equal(bad.n, 2);
	assert_int_equal(bad.line[0], 4);
	assert_string_equal(bad.code[0], "hash.invalid");
	assert_int_equal(bad.line[1], 7); /* an MD5 in a PDQ file */
	assert_string_equal(bad.code[1], "hash.invalid");

	struct store_hashlist l;
	assert_int_equal(store_hashlist_get(f->db, "partner-feed", 0, &l, &f->a), 0);
	assert_int_equal(l.id, res.list_id);
	assert_string_equal(l.name, "partner-feed");
	assert_string_equal(l.source, "feed.example.org");
	assert_string_equal(l.action, "suggest_classification");
	assert_string_equal(l.classification, "cat-b");
	assert_int_equal(l.pdq_threshold, 20);
	assert_false(l.local);
	assert_int_equal(l.entries, 2);
	assert_int_equal(l.disabled, 0);

	/* the same file again changes nothing, settings left alone */
	struct banks_import_result res2;
	memset(&bad, 0, sizeof bad);
	assert_int_equal(import_n(f, "partner-feed", NULL, text, strlen(text), HASHLIST_PDQ, NULL,
	                          &res2, &bad, &code),
	                 0);
	assert_false(res2.created);
	assert_int_equal(res2.list_id, res.list_id);
	assert_int_equal(res2.lines, 7);
	assert_int_equal(res2.added, 0);
	assert_int_equal(res2.present, 3);
	assert_int_equal(res2.bad, 2);
	assert_int_equal(bad.n, 2);
	assert_int_equal(store_hashlist_get(f->db, "partner-feed", 0, &l, &f->a), 0);
	assert_int_equal(l.entries, 2);
	assert_int_equal(l.pdq_threshold, 20);
	assert_string_equal(l.action, "suggest_classification");

	/* settings given again are applied; -1 keeps the threshold */
	struct banks_settings s2 = {NULL, "previously_assessed", NULL, -1};
	assert_int_equal(import_n(f, "partner-feed", &s2, text, strlen(text), HASHLIST_PDQ, NULL,
	                          &res2, NULL, &code),
	                 0);
	assert_int_equal(store_hashlist_get(f->db, "partner-feed", 0, &l, &f->a), 0);
	assert_string_equal(l.action, "previously_assessed");
	assert_int_equal(l.pdq_threshold, 20);
	assert_string_equal(l.source, "feed.example.org");
	assert_int_equal(l.entries, 2);

	/* a new list takes the defaults */
	int64_t id2 = import_ok(f, "defaults", NULL, h1, HASHLIST_PDQ, NULL);
	assert_int_not_equal(id2, res.list_id);
	assert_int_equal(store_hashlist_get(f->db, "defaults", 0, &l, &f->a), 0);
	assert_string_equal(l.action, "raise_priority");
	assert_int_equal(l.pdq_threshold, 31);
	assert_null(l.classification);
	assert_int_equal(l.entries, 1); /* a last line without a newline counts */

	/* bad names and settings: refused before anything is made */
	static const struct {
		const char *name;
		struct banks_settings s;
		const char *code;
	} bad_in[] = {
	    {"bad name", {NULL, NULL, NULL, -1}, "hashlist.name"},
	    {"", {NULL, NULL, NULL, -1}, "hashlist.name"},
	    {"../etc", {NULL, NULL, NULL, -1}, "hashlist.name"},
	    {"caf\xc3\xa9", {NULL, NULL, NULL, -1}, "hashlist.name"},
	    {"ok", {NULL, "delete_everything", NULL, -1}, "hashlist.action"},
	    {"ok", {NULL, NULL, NULL, 257}, "hashlist.threshold"},
	    {"ok", {NULL, NULL, NULL, -2}, "hashlist.threshold"},
	};
	for (size_t i = 0; i < sizeof bad_in / sizeof bad_in[0]; i++) {
		code = NULL;
		assert_int_equal(import_n(f, bad_in[i].name, &bad_in[i].s, text, strlen(text),
		                          HASHLIST_PDQ, NULL, &res2, NULL, &code),
		                 HL_EINVAL);
		assert_non_null(code);
		assert_string_equal(code, bad_in[i].code);
	}
	char longname[BANKS_NAME_MAX + 2];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_int_equal(
	    import_n(f, longname, NULL, text, strlen(text), HASHLIST_PDQ, NULL, &res2, NULL, &code),
	    HL_EINVAL);
	assert_string_equal(code, "hashlist.name");
	longname[BANKS_NAME_MAX] = '\0'; /* exactly the maximum is a name */
	assert_int_equal(
	    import_n(f, longname, NULL, text, strlen(text), HASHLIST_PDQ, NULL, &res2, NULL, &code),
	    0);
	struct store_hashlist *all;
	size_t nall;
	assert_int_equal(store_hashlist_all(f->db, &all, &nall, &f->a), 0);
	assert_int_equal(nall, 3);
}

static void test_import_csv_meta_and_long_lines(void **state)
{
	struct fx *f = *state;
	uint8_t m1[16], s1[20], p3[32], p4[32];
	rand_bytes(m1, 16);
	rand_bytes(s1, 20);
	rand_bytes(p3, 32);
	rand_bytes(p4, 32);
	char hm[33], hs[41], text[512];
	hex(m1, 16, hm);
	hex(s1, 20, hs);
	snprintf(text, sizeof text,
	         "hash,algo,file,note\r\n%s,md5,\"a, b.jpg\",\r\n%s,SHA-1,,\"said \"\"x\"\"\"\r\n"
	         "%s,md5\r\nnothex,md5,,\r\n",
	         hm, hs, hm);
	struct banks_import_result res;
	struct bad_lines bad = {0};
	const char *code;
	assert_int_equal(import_n(f, "csv-list", NULL, text, strlen(text), HASHLIST_CSV, NULL, &res,
	                          &bad, &code),
	                 0);
	assert_int_equal(res.lines, 5);
	assert_int_equal(res.added, 2);
	assert_int_equal(res.bad, 2);
	assert_int_equal(bad.line[0], 4);
	assert_string_equal(bad.code[0], "csv.columns");
	assert_int_equal(bad.line[1], 5);
	assert_string_equal(bad.code[1], "hash.invalid");

	struct store_hash_entry e;
	assert_int_equal(store_hashlist_entry_find(f->db, res.list_id, "md5", m1, 16, &e, &f->a),
	                 0);
	assert_non_null(e.meta);
	json_t *o = json_loads(e.meta, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_object_size(o), 1);
	assert_string_equal(json_string_value(json_object_get(o, "file")), "a, b.jpg");
	json_decref(o);
	assert_int_equal(store_hashlist_entry_find(f->db, res.list_id, "sha1", s1, 20, &e, &f->a),
	                 0);
	o = json_loads(e.meta, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_object_size(o), 1);
	assert_string_equal(json_string_value(json_object_get(o, "note")), "said \"x\"");
	json_decref(o);

	/* a line far over the limit is one bad line; the next one is read */
	struct text t = {0};
	text_hash(&t, p3, 32);
	char *junk = malloc(3 * HASHLIST_MAX_LINE);
	assert_non_null(junk);
	memset(junk, 'a', 3 * HASHLIST_MAX_LINE - 1);
	junk[3 * HASHLIST_MAX_LINE - 1] = '\0';
	text_add(&t, junk);
	text_add(&t, "\n");
	text_hash(&t, p4, 32);
	free(junk);
	memset(&bad, 0, sizeof bad);
	assert_int_equal(
	    import_n(f, "long-lines", NULL, t.p, t.n, HASHLIST_PDQ, NULL, &res, &bad, &code), 0);
	assert_int_equal(res.lines, 3);
	assert_int_equal(res.added, 2);
	assert_int_equal(res.bad, 1);
	assert_int_equal(bad.line[0], 2);
	assert_string_equal(bad.code[0], "line.too_long");
	free(t.p);
}

/* hashlist.h: a line of HASHLIST_MAX_LINE bytes is read, a trailing CR or
 * LF is ignored. Through banks_import the same line ending in CR LF is
 * refused as too long. */
static void test_import_longest_line_crlf(void **state)
{
	struct fx *f = *state;
	uint8_t p[32];
	rand_bytes(p, 32);
	char *t = malloc(HASHLIST_MAX_LINE + 3);
	assert_non_null(t);
	memset(t, ' ', HASHLIST_MAX_LINE);
	hex(p, 32, t);
	t[64] = ' ';
	memcpy(t + HASHLIST_MAX_LINE, "\n", 2);
	struct banks_import_result res;
	struct bad_lines bad = {0};
	const char *code;
	/* with LF: read */
	assert_int_equal(import_n(f, "lf", NULL, t, HASHLIST_MAX_LINE + 1, HASHLIST_PDQ, NULL, &res,
	                          &bad, &code),
	                 0);
	assert_int_equal(res.added, 1);
	assert_int_equal(res.bad, 0);
	/* with CR LF */
	memcpy(t + HASHLIST_MAX_LINE, "\r\n", 3);
	assert_int_equal(import_n(f, "crlf", NULL, t, HASHLIST_MAX_LINE + 2, HASHLIST_PDQ, NULL,
	                          &res, &bad, &code),
	                 0);
	free(t);
	assert_int_equal(res.lines, 1);
	/* Once a defect: banks_import reads lines with fgets into
	 * HASHLIST_MAX_LINE + 2 bytes, so the CR fills the buffer and the line
	 * counts as too long. Fixed; kept as a regression test. */
	if (res.added == 0 && res.bad == 1)
		fail(); /* the defect this test found is back */
	assert_int_equal(res.added, 1);
	assert_int_equal(res.bad, 0);
}

/* A NUL byte in a line: the line is one line, whatever follows the NUL. */
static void test_import_nul_byte(void **state)
{
	struct fx *f = *state;
	uint8_t p[32];
	rand_bytes(p, 32);
	/* a NUL, more than a buffer of padding, then a hash, on one line */
	size_t pad = HASHLIST_MAX_LINE + 10, len = 1 + pad + 64 + 1;
	char *t = malloc(len);
	assert_non_null(t);
	t[0] = '\0';
	memset(t + 1, ' ', pad);
	hex(p, 32, t + 1 + pad);
	t[len - 1] = '\n';
	struct banks_import_result res;
	struct bad_lines bad = {0};
	const char *code;
	assert_int_equal(import_n(f, "nul", NULL, t, len, HASHLIST_PDQ, NULL, &res, &bad, &code),
	                 0);
	free(t);
	/* Once a defect: banks_import measures what fgets read with strlen, so
	 * the NUL hides that the buffer filled up; the rest of the line is then
	 * read as a line of its own and the hash after the padding is imported
	 * (line 2 of a one-line file). Fixed; kept as a regression test. */
	if (res.lines == 2 && res.added == 1) {
		print_message("regression: a one-line file with a NUL and %zu bytes gave %llu "
		              "lines and imported the hash after the padding\n",
		              len, (unsigned long long)res.lines);
		fail(); /* the defect this test found is back */
	}
	assert_int_equal(res.lines, 1);
	assert_int_equal(res.added, 0);
}

/* ---- lookups ------------------------------------------------------------ */

#define PER_LIST 50

static void test_lookup_each_algo(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *algo, *list;
		size_t len;
		enum hashlist_format fmt;
	} A[] = {{"pdq", "pdqs", 32, HASHLIST_PDQ},
	         {"md5", "md5s", 16, HASHLIST_MD5},
	         {"sha1", "sha1s", 20, HASHLIST_SHA1},
	         {"sha256", "sha256s", 32, HASHLIST_SHA256}};
	static uint8_t H[4][PER_LIST][32];
	int64_t ids[4];

	/* an empty matcher finds nothing */
	assert_int_equal(matcher_load(f->m, f->db), 0);
	assert_int_equal(lookup(f, "pdq", H[0][0], 32, -1, NULL), 0);
	assert_int_equal(lookup(f, "md5", H[0][0], 16, -1, NULL), 0);

	for (int k = 0; k < 4; k++) {
		struct text t = {0};
		for (int i = 0; i < PER_LIST; i++) {
			rand_bytes(H[k][i], A[k].len);
			text_hash(&t, H[k][i], A[k].len);
		}
		ids[k] = import_ok(f, A[k].list, NULL, t.p, A[k].fmt, NULL);
		free(t.p);
	}
	/* a CSV list holding the first hash of each, and, as SHA-256, the
	 * bytes of the second PDQ hash */
	struct text t = {0};
	text_add(&t, "algo,hash\n");
	char line[128], hx[65];
	for (int k = 0; k < 4; k++) {
		hex(H[k][0], A[k].len, hx);
		snprintf(line, sizeof line, "%s,%s\n", A[k].algo, hx);
		text_add(&t, line);
	}
	hex(H[0][1], 32, hx);
	snprintf(line, sizeof line, "sha256,%s\n", hx);
	text_add(&t, line);
	struct banks_settings s = {NULL, "suggest_classification", "cat-a", -1};
	int64_t mixed = import_ok(f, "mixed", &s, t.p, HASHLIST_CSV, NULL);
	free(t.p);

	assert_int_equal(matcher_load(f->m, f->db), 0);
	struct matcher_stats st;
	matcher_get_stats(f->m, &st);
	assert_int_equal(st.lists, 5);
	assert_int_equal(st.pdq_entries, PER_LIST + 1);
	assert_int_equal(st.exact_entries, 3 * PER_LIST + 4);
	assert_true(st.bytes > 0);

	for (int k = 0; k < 4; k++)
		for (int i = 0; i < PER_LIST; i++) {
			struct report_match *v;
			size_t n = lookup(f, A[k].algo, H[k][i], A[k].len, -1, &v);
			assert_int_equal(n, i == 0 ? 2 : 1);
			bool seen_own = false, seen_mixed = false;
			for (size_t j = 0; j < n; j++) {
				assert_string_equal(v[j].algo, A[k].algo);
				assert_int_equal(v[j].distance, 0);
				assert_int_equal(v[j].attachment, -1);
				assert_int_equal(v[j].hash, -1);
				if (v[j].list_id == ids[k]) {
					seen_own = true;
					assert_int_equal(
					    v[j].entry_id,
					    entry_id(f, ids[k], A[k].algo, H[k][i], A[k].len));
					assert_string_equal(v[j].action, "raise_priority");
				} else {
					assert_int_equal(v[j].list_id, mixed);
					seen_mixed = true;
					assert_int_equal(
					    v[j].entry_id,
					    entry_id(f, mixed, A[k].algo, H[k][i], A[k].len));
					assert_string_equal(v[j].action, "suggest_classification");
				}
			}
			assert_true(seen_own);
			assert_int_equal(seen_mixed, i == 0);
		}
	/* the SHA-256 entry with a PDQ hash's bytes is no PDQ entry */
	struct report_match *v;
	assert_int_equal(lookup(f, "sha256", H[0][1], 32, -1, &v), 1);
	assert_int_equal(v[0].list_id, mixed);
	assert_string_equal(v[0].algo, "sha256");
	assert_int_equal(lookup(f, "pdq", H[0][1], 32, -1, &v), 1);
	assert_int_equal(v[0].list_id, ids[0]);
	assert_string_equal(v[0].algo, "pdq");
	/* a PDQ hash is not looked up among SHA-256 ones, nor the reverse */
	assert_int_equal(lookup(f, "sha256", H[0][5], 32, -1, NULL), 0);
	assert_int_equal(lookup(f, "pdq", H[3][5], 32, 0, NULL), 0);
	/* an MD5 is not the start of a SHA-1 */
	uint8_t longer[32];
	memcpy(longer, H[1][3], 16);
	rand_bytes(longer + 16, 16);
	assert_int_equal(lookup(f, "sha1", longer, 20, -1, NULL), 0);
	assert_int_equal(lookup(f, "sha256", longer, 32, -1, NULL), 0);

	/* misses */
	for (int i = 0; i < 20; i++) {
		uint8_t r[32];
		rand_bytes(r, 32);
		for (int k = 0; k < 4; k++)
			assert_int_equal(lookup(f, A[k].algo, r, A[k].len, -1, NULL), 0);
	}

	/* wrong lengths and algorithms */
	uint8_t big[64] = {0};
	static const struct {
		const char *algo;
		size_t len;
	} bad[] = {{"md5", 20},    {"md5", 32},     {"md5", 0},     {"sha1", 16},   {"sha1", 32},
	           {"sha256", 16}, {"sha256", 20},  {"sha256", 64}, {"pdq", 31},    {"pdq", 16},
	           {"pdq", 33},    {"pdq", 0},      {"MD5", 16},    {"sha512", 64}, {"", 16},
	           {"sha-1", 20},  {"pdq_hash", 32}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct report_match *w = (void *)1;
		size_t n = 7;
		assert_int_equal(
		    matcher_lookup(f->m, bad[i].algo, big, bad[i].len, -1, &w, &n, &f->a),
		    HL_EINVAL);
		assert_null(w);
		assert_int_equal(n, 0);
	}
	size_t n;
	assert_int_equal(matcher_lookup(f->m, NULL, big, 16, -1, &v, &n, &f->a), HL_EINVAL);
	assert_int_equal(matcher_lookup(f->m, "md5", NULL, 16, -1, &v, &n, &f->a), HL_EINVAL);

	/* list information */
	const char *name, *action, *cls;
	assert_int_equal(matcher_list_info(f->m, mixed, &name, &action, &cls, &f->a), 0);
	assert_string_equal(name, "mixed");
	assert_string_equal(action, "suggest_classification");
	assert_string_equal(cls, "cat-a");
	assert_int_equal(matcher_list_info(f->m, ids[2], &name, &action, &cls, &f->a), 0);
	assert_string_equal(name, "sha1s");
	assert_string_equal(action, "raise_priority");
	assert_null(cls);
	assert_int_equal(matcher_list_info(f->m, 999999, &name, &action, &cls, &f->a),
	                 HL_ENOTFOUND);
	assert_int_equal(matcher_list_info(f->m, 0, &name, &action, &cls, &f->a), HL_ENOTFOUND);

	/* a second matcher loaded from the same store agrees */
	struct matcher *m2 = matcher_new();
	assert_non_null(m2);
	assert_int_equal(matcher_load(m2, f->db), 0);
	struct matcher_stats st2;
	matcher_get_stats(m2, &st2);
	assert_int_equal(st2.pdq_entries, st.pdq_entries);
	assert_int_equal(st2.exact_entries, st.exact_entries);
	assert_int_equal(st2.lists, st.lists);
	matcher_free(m2);
	matcher_free(NULL);
}

static void test_pdq_thresholds(void **state)
{
	struct fx *f = *state;
	enum { TRIALS = 20 };
	uint8_t h[TRIALS][32], g[32], q[32];
	struct text t = {0};
	for (int i = 0; i < TRIALS; i++) {
		rand_bytes(h[i], 32);
		text_hash(&t, h[i], 32);
	}
	int64_t t31 = import_ok(f, "t31", NULL, t.p, HASHLIST_PDQ, NULL); /* the default */
	free(t.p);
	rand_bytes(g, 32);
	int64_t t10 = import_pdq(f, "t10", 10, g);
	int64_t t40 = import_pdq(f, "t40", 40, g);
	assert_int_equal(matcher_load(f->m, f->db), 0);

	struct report_match *v;
	for (int i = 0; i < TRIALS; i++) {
		static const unsigned ks[] = {0, 1, 15, 30, 31};
		for (size_t k = 0; k < sizeof ks / sizeof ks[0]; k++) {
			flip(q, h[i], ks[k]);
			assert_int_equal(lookup(f, "pdq", q, 32, -1, &v), 1);
			assert_int_equal(v[0].list_id, t31);
			assert_int_equal(v[0].distance, ks[k]);
			assert_int_equal(v[0].entry_id, entry_id(f, t31, "pdq", h[i], 32));
		}
		static const unsigned miss[] = {32, 33, 40, 64, 128, 256};
		for (size_t k = 0; k < sizeof miss / sizeof miss[0]; k++) {
			flip(q, h[i], miss[k]);
			assert_int_equal(lookup(f, "pdq", q, 32, -1, NULL), 0);
		}
		/* the override, either way */
		flip(q, h[i], 32);
		assert_int_equal(lookup(f, "pdq", q, 32, 32, &v), 1);
		assert_int_equal(v[0].distance, 32);
		assert_int_equal(lookup(f, "pdq", q, 32, 31, NULL), 0);
		flip(q, h[i], 5);
		assert_int_equal(lookup(f, "pdq", q, 32, 4, NULL), 0);
		assert_int_equal(lookup(f, "pdq", q, 32, 5, NULL), 1);
		assert_int_equal(lookup(f, "pdq", q, 32, 0, NULL), 0);
		assert_int_equal(lookup(f, "pdq", h[i], 32, 0, NULL), 1);
	}
	/* per-list thresholds: 10 and 40 on the same hash */
	for (int r = 0; r < 10; r++) {
		static const struct {
			unsigned k;
			int n;
		} want[] = {{0, 2},  {9, 2},  {10, 2}, {11, 1}, {20, 1},
		            {39, 1}, {40, 1}, {41, 0}, {60, 0}};
		for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
			flip(q, g, want[i].k);
			size_t n = lookup(f, "pdq", q, 32, -1, &v);
			if ((int)n != want[i].n)
				fail_msg("flip %u: %zu matches, wanted %d", want[i].k, n,
				         want[i].n);
			for (size_t j = 0; j < n; j++) {
				assert_int_equal(v[j].distance, want[i].k);
				assert_true(v[j].list_id == t40 ||
				            (v[j].list_id == t10 && want[i].k <= 10));
			}
			if (n == 1)
				assert_int_equal(v[0].list_id, t40);
		}
		/* the override ignores the lists' thresholds */
		flip(q, g, 20);
		assert_int_equal(lookup(f, "pdq", q, 32, 15, NULL), 0);
		assert_int_equal(lookup(f, "pdq", q, 32, 20, NULL), 2);
		flip(q, g, 45);
		assert_int_equal(lookup(f, "pdq", q, 32, 45, NULL), 2);
	}
	/* every entry within 256 (and beyond: capped there) */
	for (int maxd = 256; maxd <= 1000; maxd += 744) {
		size_t n = lookup(f, "pdq", g, 32, maxd, &v);
		assert_int_equal(n, TRIALS + 2);
		assert_int_equal(v[0].distance, 0);
		assert_int_equal(v[1].distance, 0);
		for (size_t j = 0; j < n; j++)
			assert_true(v[j].distance <= 256);
	}
}

/* More entries within reach than a lookup keeps (an image with many
 * near-duplicates in a list with a high threshold): the closest are the
 * ones kept, whichever list they are in. */
static void test_pdq_crowded(void **state)
{
	struct fx *f = *state;
	enum { WIDE = 600 };
	uint8_t q[32], near[32];
	rand_bytes(q, 32);
	flip(near, q, 3);
	struct text t = {0};
	static uint8_t w[WIDE][32];
	unsigned dist[WIDE];
	for (int i = 0; i < WIDE; i++) {
		dist[i] = 40 + (unsigned)(rng() % 25); /* 40..64 */
		flip(w[i], q, dist[i]);
		text_hash(&t, w[i], 32);
	}
	int64_t wide = import_ok(f, "wide", &(struct banks_settings){NULL, NULL, NULL, 64}, t.p,
	                         HASHLIST_PDQ, NULL);
	free(t.p);
	int64_t tight = import_pdq(f, "tight", 0, q);
	int64_t close = import_pdq(f, "close", 31, near);
	assert_int_equal(matcher_load(f->m, f->db), 0);

	struct report_match *v;
	size_t n = lookup(f, "pdq", q, 32, -1, &v);
	assert_int_equal(n, MATCHER_MAX_PER_HASH);
	/* the entry at distance 0 in the tight list and the one at 3 must be
	 * among those kept, first */
	bool seen_tight = false, seen_close = false;
	for (size_t j = 0; j < n; j++) {
		seen_tight |= v[j].list_id == tight && v[j].distance == 0;
		seen_close |= v[j].list_id == close && v[j].distance == 3;
	}
	if (!seen_tight || !seen_close) {
		/* Once a defect (see the report that came with this test): with more
		 * than 4 * MATCHER_MAX_PER_HASH entries within the largest list
		 * threshold, mih_query stops at its limit with arbitrary ones and
		 * the closest, even an exact match, can be lost. Fixed; kept
		 * as a regression test. */
		print_message("regression: lookup kept %zu of %d matches but not the closest: "
		              "distance-0 entry %s, distance-3 entry %s; first kept at distance "
		              "%u\n",
		              n, WIDE + 2, seen_tight ? "kept" : "dropped",
		              seen_close ? "kept" : "dropped", v[0].distance);
		fail(); /* the defect this test found is back */
	}
	assert_int_equal(v[0].distance, 0);
	assert_int_equal(v[1].distance, 3);
	/* and the rest are the closest of the wide list */
	for (int i = 1; i < WIDE; i++) /* insertion sort, small */
		for (int j = i; j > 0 && dist[j - 1] > dist[j]; j--) {
			unsigned x = dist[j];
			dist[j] = dist[j - 1];
			dist[j - 1] = x;
		}
	for (size_t j = 2; j < n; j++) {
		assert_int_equal(v[j].list_id, wide);
		assert_int_equal(v[j].distance, dist[j - 2]);
	}
	/* with the override too */
	n = lookup(f, "pdq", q, 32, 64, &v);
	assert_int_equal(n, MATCHER_MAX_PER_HASH);
	assert_int_equal(v[0].distance, 0);
}

/* ---- following changes -------------------------------------------------- */

static void test_follow_imports(void **state)
{
	struct fx *f = *state;
	uint8_t p[32], p2[32], m[16];
	rand_bytes(p, 32);
	rand_bytes(p2, 32);
	rand_bytes(m, 16);
	assert_int_equal(matcher_load(f->m, f->db), 0);
	follow(f); /* nothing to follow */
	assert_int_equal(lookup(f, "pdq", p, 32, -1, NULL), 0);

	int64_t late = import_pdq(f, "late", -1, p);
	follow(f);
	struct report_match *v;
	assert_int_equal(lookup(f, "pdq", p, 32, -1, &v), 1);
	assert_int_equal(v[0].list_id, late);
	const char *name, *action, *cls;
	assert_int_equal(matcher_list_info(f->m, late, &name, &action, &cls, &f->a), 0);
	assert_string_equal(name, "late");

	/* more into the same list */
	assert_int_equal(import_pdq(f, "late", -1, p2), late);
	follow(f);
	assert_int_equal(lookup(f, "pdq", p2, 32, -1, NULL), 1);
	assert_int_equal(lookup(f, "pdq", p, 32, -1, NULL), 1);

	/* a CSV list of MD5s */
	char hx[33], text[128];
	hex(m, 16, hx);
	snprintf(text, sizeof text, "md5,name\n%s,x\n", hx);
	int64_t md5s = import_ok(f, "md5-late", NULL, text, HASHLIST_CSV, NULL);
	assert_int_equal(lookup(f, "md5", m, 16, -1, NULL), 0); /* not followed yet */
	follow(f);
	follow(f); /* twice changes nothing */
	assert_int_equal(lookup(f, "md5", m, 16, -1, &v), 1);
	assert_int_equal(v[0].list_id, md5s);
	assert_int_equal(lookup(f, "pdq", p, 32, -1, NULL), 1);

	/* re-importing changes nothing */
	import_pdq(f, "late", -1, p);
	follow(f);
	assert_int_equal(lookup(f, "pdq", p, 32, -1, NULL), 1);
	struct matcher_stats st;
	matcher_get_stats(f->m, &st);
	assert_int_equal(st.lists, 2);
	assert_int_equal(st.pdq_entries, 2);
	assert_int_equal(st.exact_entries, 1);

	/* more entries than one import batch (several commits) */
	enum { MANY = 100500 };
	struct text t = {0};
	static uint8_t many[MANY][32];
	for (int i = 0; i < MANY; i++) {
		rand_bytes(many[i], 32);
		text_hash(&t, many[i], 32);
	}
	struct banks_import_result res;
	import_ok(f, "big", NULL, t.p, HASHLIST_PDQ, &res);
	free(t.p);
	assert_int_equal(res.added, MANY);
	assert_int_equal(res.lines, MANY);
	follow(f);
	matcher_get_stats(f->m, &st);
	assert_int_equal(st.pdq_entries, MANY + 2);
	for (int i = 0; i < MANY; i += 997)
		assert_int_equal(lookup(f, "pdq", many[i], 32, 0, NULL), 1);
	assert_int_equal(lookup(f, "pdq", many[MANY - 1], 32, 0, NULL), 1);
	/* the same again: every line present */
	memset(&t, 0, sizeof t);
	for (int i = MANY - 1; i >= 0; i--)
		text_hash(&t, many[i], 32);
	import_ok(f, "big", NULL, t.p, HASHLIST_PDQ, &res);
	free(t.p);
	assert_int_equal(res.added, 0);
	assert_int_equal(res.present, MANY);
	follow(f);
	matcher_get_stats(f->m, &st);
	assert_int_equal(st.pdq_entries, MANY + 2);
}

static void test_disable_enable(void **state)
{
	struct fx *f = *state;
	uint8_t p[32], m[16], q[32];
	rand_bytes(p, 32);
	rand_bytes(m, 16);
	char hp[65], hm[33], text[256];
	hex(p, 32, hp);
	hex(m, 16, hm);
	snprintf(text, sizeof text, "hash,algo\n%s,pdq\n%s,md5\n", hp, hm);
	int64_t fp = import_ok(f, "fp", NULL, text, HASHLIST_CSV, NULL);
	int64_t pid = entry_id(f, fp, "pdq", p, 32), mid = entry_id(f, fp, "md5", m, 16);
	assert_int_equal(matcher_load(f->m, f->db), 0);
	flip(q, p, 7);
	assert_int_equal(lookup(f, "pdq", q, 32, -1, NULL), 1);

	const char *code = NULL;
	assert_int_equal(
	    banks_disable(f->db, ACTOR, "fp", "pdq", hp, true, "false positive", &code), 0);
	follow(f);
	assert_int_equal(lookup(f, "pdq", p, 32, -1, NULL), 0);
	assert_int_equal(lookup(f, "pdq", q, 32, 256, NULL), 0);
	assert_int_equal(lookup(f, "md5", m, 16, -1, NULL), 1);
	struct store_hash_entry e;
	assert_int_equal(store_hashlist_entry_get(f->db, pid, &e, &f->a), 0);
	assert_true(e.disabled);
	assert_string_equal(e.disabled_reason, "false positive");
	struct store_hashlist l;
	assert_int_equal(store_hashlist_get(f->db, "fp", 0, &l, &f->a), 0);
	assert_int_equal(l.disabled, 1);

	/* a fresh matcher does not load it either */
	struct matcher *m2 = matcher_new();
	assert_non_null(m2);
	assert_int_equal(matcher_load(m2, f->db), 0);
	struct report_match *v;
	size_t n;
	assert_int_equal(matcher_lookup(m2, "pdq", p, 32, -1, &v, &n, &f->a), 0);
	assert_int_equal(n, 0);

	/* enabled again (upper-case hex and algorithm name) */
	char up[65];
	for (int i = 0; i < 65; i++)
		up[i] = (char)(hp[i] >= 'a' && hp[i] <= 'f' ? hp[i] - 32 : hp[i]);
	assert_int_equal(banks_disable(f->db, ACTOR, "fp", "PDQ", up, false, NULL, &code), 0);
	follow(f);
	assert_int_equal(lookup(f, "pdq", q, 32, -1, &v), 1);
	assert_int_equal(v[0].entry_id, pid);
	/* the matcher that never had it loaded gets it too */
	assert_int_equal(matcher_follow(m2, f->db), 0);
	assert_int_equal(matcher_lookup(m2, "pdq", q, 32, -1, &v, &n, &f->a), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].entry_id, pid);
	matcher_free(m2);

	/* enabling what is enabled adds no second copy */
	assert_int_equal(banks_disable_id(f->db, ACTOR, pid, false, NULL), 0);
	assert_int_equal(banks_disable_id(f->db, ACTOR, mid, false, NULL), 0);
	follow(f);
	assert_int_equal(lookup(f, "pdq", p, 32, -1, NULL), 1);
	assert_int_equal(lookup(f, "md5", m, 16, -1, NULL), 1);
	struct matcher_stats st;
	matcher_get_stats(f->m, &st);
	assert_int_equal(st.pdq_entries, 1);
	assert_int_equal(st.exact_entries, 1);

	/* by id */
	assert_int_equal(banks_disable_id(f->db, ACTOR, mid, true, "dup"), 0);
	follow(f);
	assert_int_equal(lookup(f, "md5", m, 16, -1, NULL), 0);
	assert_int_equal(lookup(f, "pdq", p, 32, -1, NULL), 1);
	assert_int_equal(banks_disable_id(f->db, ACTOR, mid, false, NULL), 0);
	follow(f);
	assert_int_equal(lookup(f, "md5", m, 16, -1, NULL), 1);

	/* disabled and enabled again between two follows: still there */
	assert_int_equal(banks_disable_id(f->db, ACTOR, pid, true, "x"), 0);
	assert_int_equal(banks_disable_id(f->db, ACTOR, pid, false, NULL), 0);
	follow(f);
	assert_int_equal(lookup(f, "pdq", p, 32, -1, NULL), 1);
	/* enabled and disabled again: gone */
	assert_int_equal(banks_disable_id(f->db, ACTOR, pid, true, "x"), 0);
	follow(f);
	assert_int_equal(banks_disable_id(f->db, ACTOR, pid, false, NULL), 0);
	assert_int_equal(banks_disable_id(f->db, ACTOR, pid, true, "y"), 0);
	follow(f);
	assert_int_equal(lookup(f, "pdq", p, 32, -1, NULL), 0);
	/* importing a disabled entry again leaves it disabled */
	import_ok(f, "fp", NULL, text, HASHLIST_CSV, NULL);
	follow(f);
	assert_int_equal(lookup(f, "pdq", p, 32, -1, NULL), 0);
	struct matcher *m3 = matcher_new();
	assert_int_equal(matcher_load(m3, f->db), 0);
	assert_int_equal(matcher_lookup(m3, "pdq", p, 32, -1, &v, &n, &f->a), 0);
	assert_int_equal(n, 0);
	matcher_free(m3);

	/* added and disabled before any follow; then enabled */
	uint8_t r[32];
	rand_bytes(r, 32);
	import_pdq(f, "fp", -1, r);
	char hr[65];
	hex(r, 32, hr);
	assert_int_equal(banks_disable(f->db, ACTOR, "fp", "pdq", hr, true, "x", &code), 0);
	follow(f);
	assert_int_equal(lookup(f, "pdq", r, 32, -1, NULL), 0);
	assert_int_equal(banks_disable(f->db, ACTOR, "fp", "pdq", hr, false, NULL, &code), 0);
	follow(f);
	assert_int_equal(lookup(f, "pdq", r, 32, -1, NULL), 1);

	/* errors */
	uint8_t other[32];
	rand_bytes(other, 32);
	char ho[65];
	hex(other, 32, ho);
	assert_int_equal(banks_disable(f->db, ACTOR, "nope", "pdq", hp, true, "x", &code),
	                 HL_ENOTFOUND);
	assert_int_equal(banks_disable(f->db, ACTOR, "fp", "pdq", ho, true, "x", &code),
	                 HL_ENOTFOUND);
	assert_int_equal(banks_disable(f->db, ACTOR, "fp", "sha256", hp, true, "x", &code),
	                 HL_ENOTFOUND); /* the bytes exist, as PDQ only */
	code = NULL;
	assert_int_equal(banks_disable(f->db, ACTOR, "fp", "pdq", "zz", true, "x", &code),
	                 HL_EINVAL);
	assert_string_equal(code, "hash.invalid");
	code = NULL;
	assert_int_equal(banks_disable(f->db, ACTOR, "fp", "pdq", hm, true, "x", &code), HL_EINVAL);
	assert_string_equal(code, "hash.invalid");
	code = NULL;
	assert_int_equal(banks_disable(f->db, ACTOR, "fp", "pdq", NULL, true, "x", &code),
	                 HL_EINVAL);
	assert_string_equal(code, "hash.invalid");
	code = NULL;
	assert_int_equal(banks_disable(f->db, ACTOR, "fp", "sha512", hp, true, "x", &code),
	                 HL_EINVAL);
	assert_string_equal(code, "algo.invalid");
	assert_int_equal(banks_disable_id(f->db, ACTOR, 999999, true, "x"), HL_ENOTFOUND);
	assert_int_equal(banks_disable_id(f->db, ACTOR, 0, true, "x"), HL_ENOTFOUND);
	follow(f);
	assert_int_equal(lookup(f, "md5", m, 16, -1, NULL), 1);
}

static void test_settings_follow(void **state)
{
	struct fx *f = *state;
	uint8_t h[32], q25[32], q15[32], q35[32], q1[32];
	rand_bytes(h, 32);
	flip(q25, h, 25);
	flip(q15, h, 15);
	flip(q35, h, 35);
	flip(q1, h, 1);
	int64_t th = import_pdq(f, "th", -1, h);
	assert_int_equal(matcher_load(f->m, f->db), 0);
	assert_int_equal(lookup(f, "pdq", q25, 32, -1, NULL), 1);

	const char *code = NULL;
	struct banks_settings s = {NULL, NULL, NULL, 20};
	assert_int_equal(banks_set(f->db, ACTOR, "th", &s, &code), 0);
	follow(f);
	assert_int_equal(lookup(f, "pdq", q25, 32, -1, NULL), 0);
	assert_int_equal(lookup(f, "pdq", q15, 32, -1, NULL), 1);
	assert_int_equal(lookup(f, "pdq", q25, 32, 25, NULL), 1); /* the override still reaches */

	s.pdq_threshold = 30;
	assert_int_equal(banks_set(f->db, ACTOR, "th", &s, &code), 0);
	follow(f);
	assert_int_equal(lookup(f, "pdq", q25, 32, -1, NULL), 1);

	s.pdq_threshold = 0;
	assert_int_equal(banks_set(f->db, ACTOR, "th", &s, &code), 0);
	follow(f);
	assert_int_equal(lookup(f, "pdq", q1, 32, -1, NULL), 0);
	assert_int_equal(lookup(f, "pdq", h, 32, -1, NULL), 1);

	/* action and classification */
	struct banks_settings s2 = {"src.example.org", "previously_assessed", "cat-c", -1};
	assert_int_equal(banks_set(f->db, ACTOR, "th", &s2, &code), 0);
	follow(f);
	struct report_match *v;
	assert_int_equal(lookup(f, "pdq", h, 32, -1, &v), 1);
	assert_string_equal(v[0].action, "previously_assessed");
	const char *name, *action, *cls;
	assert_int_equal(matcher_list_info(f->m, th, &name, &action, &cls, &f->a), 0);
	assert_string_equal(action, "previously_assessed");
	assert_string_equal(cls, "cat-c");
	assert_int_equal(lookup(f, "pdq", q1, 32, -1, NULL), 0); /* threshold kept at 0 */
	/* an empty classification clears it */
	struct banks_settings s3 = {NULL, NULL, "", -1};
	assert_int_equal(banks_set(f->db, ACTOR, "th", &s3, &code), 0);
	follow(f);
	assert_int_equal(matcher_list_info(f->m, th, &name, &action, &cls, &f->a), 0);
	assert_null(cls);

	/* settings given with an import */
	struct banks_settings s4 = {NULL, "raise_priority", NULL, 40};
	import_pdq(f, "th", 40, h);
	assert_int_equal(banks_set(f->db, ACTOR, "th", &s4, &code), 0);
	follow(f);
	assert_int_equal(lookup(f, "pdq", q35, 32, -1, &v), 1);
	assert_string_equal(v[0].action, "raise_priority");

	/* refused settings change nothing */
	struct banks_settings bad1 = {NULL, NULL, NULL, 257};
	code = NULL;
	assert_int_equal(banks_set(f->db, ACTOR, "th", &bad1, &code), HL_EINVAL);
	assert_string_equal(code, "hashlist.threshold");
	struct banks_settings bad2 = {NULL, "nope", NULL, -1};
	code = NULL;
	assert_int_equal(banks_set(f->db, ACTOR, "th", &bad2, &code), HL_EINVAL);
	assert_string_equal(code, "hashlist.action");
	assert_int_equal(banks_set(f->db, ACTOR, "missing", &s, &code), HL_ENOTFOUND);
	follow(f);
	assert_int_equal(lookup(f, "pdq", q35, 32, -1, NULL), 1);
}

static void test_remove_follow(void **state)
{
	struct fx *f = *state;
	uint8_t h[32], h2[32], m[16];
	rand_bytes(h, 32);
	rand_bytes(h2, 32);
	rand_bytes(m, 16);
	char hh[65], hm[33], text[256];
	hex(h, 32, hh);
	hex(m, 16, hm);
	snprintf(text, sizeof text, "hash,algo\n%s,pdq\n%s,md5\n", hh, hm);
	int64_t a = import_ok(f, "A", NULL, text, HASHLIST_CSV, NULL);
	int64_t a_entry = entry_id(f, a, "pdq", h, 32);
	int64_t b = import_pdq(f, "B", -1, h2);
	assert_int_equal(matcher_load(f->m, f->db), 0);
	assert_int_equal(lookup(f, "pdq", h, 32, -1, NULL), 1);

	int64_t removed = -1;
	assert_int_equal(banks_remove(f->db, ACTOR, "A", &removed), 0);
	assert_int_equal(removed, 2);
	follow(f);
	assert_int_equal(lookup(f, "pdq", h, 32, -1, NULL), 0);
	assert_int_equal(lookup(f, "pdq", h, 32, 256, NULL), 1); /* B's entry, far away */
	assert_int_equal(lookup(f, "md5", m, 16, -1, NULL), 0);
	assert_int_equal(lookup(f, "pdq", h2, 32, -1, NULL), 1);
	const char *name, *action, *cls;
	assert_int_equal(matcher_list_info(f->m, a, &name, &action, &cls, &f->a), HL_ENOTFOUND);
	struct matcher_stats st;
	matcher_get_stats(f->m, &st);
	assert_int_equal(st.lists, 1);
	assert_int_equal(st.pdq_entries, 1);
	assert_int_equal(st.exact_entries, 0);
	assert_int_equal(banks_remove(f->db, ACTOR, "A", &removed), HL_ENOTFOUND);

	/* a new list after the removal gets a new id, and is followed */
	int64_t c = import_pdq(f, "C", -1, h);
	assert_true(c > a && c > b);
	int64_t c_entry = entry_id(f, c, "pdq", h, 32);
	assert_true(c_entry > a_entry);
	follow(f);
	struct report_match *v;
	assert_int_equal(lookup(f, "pdq", h, 32, -1, &v), 1);
	assert_int_equal(v[0].list_id, c);
	assert_int_equal(v[0].entry_id, c_entry);
	assert_int_equal(matcher_list_info(f->m, c, &name, &action, &cls, &f->a), 0);
	assert_string_equal(name, "C");

	/* the same name again: a new list */
	int64_t a2 = import_ok(f, "A", NULL, text, HASHLIST_CSV, NULL);
	assert_true(a2 > c);
	follow(f);
	assert_int_equal(lookup(f, "md5", m, 16, -1, &v), 1);
	assert_int_equal(v[0].list_id, a2);
	assert_int_equal(lookup(f, "pdq", h, 32, -1, NULL), 2);

	/* removed and made again between two follows */
	assert_int_equal(banks_remove(f->db, ACTOR, "B", &removed), 0);
	assert_int_equal(removed, 1);
	int64_t b2 = import_pdq(f, "B", -1, h2);
	assert_true(b2 > a2);
	follow(f);
	assert_int_equal(lookup(f, "pdq", h2, 32, -1, &v), 1);
	assert_int_equal(v[0].list_id, b2);

	/* removed between load and follow in a matcher that loaded both */
	struct matcher *m2 = matcher_new();
	assert_int_equal(matcher_load(m2, f->db), 0);
	assert_int_equal(banks_remove(f->db, ACTOR, "C", &removed), 0);
	assert_int_equal(banks_remove(f->db, ACTOR, "A", &removed), 0);
	assert_int_equal(matcher_follow(m2, f->db), 0);
	size_t n;
	assert_int_equal(matcher_lookup(m2, "pdq", h, 32, -1, &v, &n, &f->a), 0);
	assert_int_equal(n, 0);
	assert_int_equal(matcher_lookup(m2, "pdq", h2, 32, -1, &v, &n, &f->a), 0);
	assert_int_equal(n, 1);
	matcher_get_stats(m2, &st);
	assert_int_equal(st.lists, 1);
	assert_int_equal(st.pdq_entries, 1);
	assert_int_equal(st.exact_entries, 0);
	matcher_free(m2);
}

/* ---- reports ------------------------------------------------------------ */

struct mb {
	uint8_t *p;
	size_t n, cap;
};

static void png_write_mem(png_structp png, png_bytep data, size_t n)
{
	struct mb *m = png_get_io_ptr(png);
	if (m->n + n > m->cap) {
		size_t cap = m->cap ? m->cap : 4096;
		while (cap < m->n + n)
			cap *= 2;
		uint8_t *q = realloc(m->p, cap);
		if (!q)
			png_error(png, "out of memory");
		m->p = q;
		m->cap = cap;
	}
	memcpy(m->p + m->n, data, n);
	m->n += n;
}

static void png_flush_mem(png_structp png)
{
	(void)png;
}

/* A 64x64 RGB PNG with a pattern (shapes and gradients) made here. */
static uint8_t *make_png(size_t *len)
{
	enum { W = 64, H = 64 };
	static uint8_t px[H][W * 3];
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			int in_box = x > 12 && x < 40 && y > 20 && y < 50;
			int in_disc = (x - 44) * (x - 44) + (y - 16) * (y - 16) < 100;
			px[y][3 * x] = (uint8_t)(in_box ? 230 : x * 3);
			px[y][3 * x + 1] = (uint8_t)(in_disc ? 20 : y * 4);
			px[y][3 * x + 2] = (uint8_t)((x ^ y) * 4);
		}
	struct mb m = {0};
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	assert_non_null(png);
	png_infop info = png_create_info_struct(png);
	assert_non_null(info);
	if (setjmp(png_jmpbuf(png)))
		fail_msg("libpng could not write the test image");
	png_set_write_fn(png, &m, png_write_mem, png_flush_mem);
	png_set_IHDR(png, info, W, H, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_bytep rows[H];
	for (int y = 0; y < H; y++)
		rows[y] = px[y];
	png_set_rows(png, info, rows);
	png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
	png_destroy_write_struct(&png, &info);
	*len = m.n;
	return m.p;
}

struct want {
	int64_t list;
	const char *algo;
	int attachment, hash;
	unsigned distance;
	bool seen;
};

static void test_match_report(void **state)
{
	struct fx *f = *state;
	struct report_attachment att[4];
	/* 0: three bytes with well-known digests */
	assert_int_equal(attachment_hash(NULL, "abc", 3, "a.txt", "text/plain", &att[0], &f->a), 0);
	assert_false(att[0].has_pdq);
	assert_null(att[0].problem);
	uint8_t md5_abc[16], sha1_abc[20], sha256_abc[32];
	unhex("900150983cd24fb0d6963f7d28e17f72", md5_abc, 16);
	unhex("a9993e364706816aba3e25717850c26c9cd0d89d", sha1_abc, 20);
	unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", sha256_abc, 32);
	assert_memory_equal(att[0].md5, md5_abc, 16);
	assert_memory_equal(att[0].sha1, sha1_abc, 20);
	assert_memory_equal(att[0].sha256, sha256_abc, 32);
	/* 1: a PNG made here */
	size_t png_len;
	uint8_t *png = make_png(&png_len);
	assert_int_equal(attachment_hash(NULL, png, png_len, "p.png", "image/png", &att[1], &f->a),
	                 0);
	assert_true(att[1].has_pdq);
	assert_true(att[1].pdq_quality > 0);
	/* 2: a small JPEG from the PDQ vectors, when they are there */
	size_t jlen = 0;
	char *jpg = ut_read_file(HOTLINE_SHARED_DIR "/pdq-vectors/data/misc-images/wee.jpg", &jlen);
	size_t natt = 2;
	if (jpg) {
		assert_int_equal(attachment_hash(NULL, jpg, jlen, "wee.jpg", NULL, &att[2], &f->a),
		                 0);
		assert_true(att[2].has_pdq);
		free(jpg);
		natt = 3;
	}
	/* last: a cut PNG, no PDQ */
	assert_int_equal(
	    attachment_hash(NULL, png, png_len / 2, "cut.png", NULL, &att[natt], &f->a), 0);
	assert_false(att[natt].has_pdq);
	assert_string_equal(att[natt].problem, "image.undecodable");
	natt++;

	/* the lists */
	char line[256], hx[65];
	struct text t = {0};
	text_add(&t, "hash,algo,why\n");
	hex(md5_abc, 16, hx);
	snprintf(line, sizeof line, "%s,md5,abc\n", hx);
	text_add(&t, line);
	hex(att[1].sha256, 32, hx);
	snprintf(line, sizeof line, "%s,sha256,png\n", hx);
	text_add(&t, line);
	hex(png + 1, 16, hx); /* an MD5 nothing has */
	snprintf(line, sizeof line, "%s,md5,none\n", hx);
	text_add(&t, line);
	int64_t exact = import_ok(f, "exact", NULL, t.p, HASHLIST_CSV, NULL);
	free(t.p);
	uint8_t near3[32], q5[32];
	flip(near3, att[1].pdq, 3);
	memset(&t, 0, sizeof t);
	text_hash(&t, near3, 32);
	if (natt == 4)
		text_hash(&t, att[2].pdq, 32);
	int64_t near = import_ok(f, "near", NULL, t.p, HASHLIST_PDQ, NULL);
	free(t.p);
	/* the cut PNG's exact hashes are listed nowhere */
	assert_int_equal(matcher_load(f->m, f->db), 0);

	struct report_hash hs[6];
	memset(hs, 0, sizeof hs);
	hs[0].algo = "sha1";
	rand_bytes(hs[0].bytes, 20);
	hs[0].len = 20;
	hs[1].algo = "md5";
	memcpy(hs[1].bytes, md5_abc, 16);
	hs[1].len = 16;
	hs[2].algo = "crc32";
	hs[2].len = 4;
	hs[3].algo = "pdq";
	flip(q5, att[1].pdq, 5);
	memcpy(hs[3].bytes, q5, 32);
	hs[3].len = 32;
	hs[4].algo = "sha256";
	memcpy(hs[4].bytes, att[1].sha256, 32);
	hs[4].len = 16; /* wrong length: ignored */
	hs[5].algo = "sha256";
	memcpy(hs[5].bytes, att[1].sha256, 32);
	hs[5].len = 32;

	struct report r;
	memset(&r, 0, sizeof r);
	r.kind = "needs_triage";
	r.channel = "api";
	r.attachments = att;
	r.nattachments = natt;
	r.hashes = hs;
	r.nhashes = 6;

	struct want w[8];
	int nw = 0;
	w[nw++] = (struct want){exact, "md5", 0, -1, 0, false};
	w[nw++] = (struct want){exact, "sha256", 1, -1, 0, false};
	w[nw++] = (struct want){near, "pdq", 1, -1, 3, false};
	if (natt == 4)
		w[nw++] = (struct want){near, "pdq", 2, -1, 0, false};
	w[nw++] = (struct want){exact, "md5", -1, 1, 0, false};
	w[nw++] = (struct want){near, "pdq", -1, 3, hamming(q5, near3), false};
	w[nw++] = (struct want){exact, "sha256", -1, 5, 0, false};

	struct report_match *v;
	size_t n = 0;
	assert_int_equal(matcher_match_report(f->m, &r, &f->a, &v, &n), 0);
	if ((int)n != nw)
		fail_msg("%zu matches, wanted %d", n, nw);
	for (size_t i = 0; i < n; i++) {
		int k = 0;
		for (; k < nw; k++)
			if (!w[k].seen && w[k].list == v[i].list_id &&
			    strcmp(w[k].algo, v[i].algo) == 0 &&
			    w[k].attachment == v[i].attachment && w[k].hash == v[i].hash &&
			    w[k].distance == v[i].distance)
				break;
		if (k == nw)
			fail_msg("unexpected match: list %lld %s attachment %d hash %d distance %u",
			         (long long)v[i].list_id, v[i].algo, v[i].attachment, v[i].hash,
			         v[i].distance);
		w[k].seen = true;
		assert_string_equal(v[i].action, "raise_priority");
		assert_true(v[i].entry_id > 0);
	}
	/* an empty report matches nothing */
	struct report empty;
	memset(&empty, 0, sizeof empty);
	assert_int_equal(matcher_match_report(f->m, &empty, &f->a, &v, &n), 0);
	assert_int_equal(n, 0);
	free(png);
}

/* A hash in many lists: MATCHER_MAX_PER_HASH per lookup, and a report
 * keeps MATCHER_MAX_PER_REPORT. */
static void test_caps(void **state)
{
	struct fx *f = *state;
	uint8_t h[32], m[16];
	rand_bytes(h, 32);
	rand_bytes(m, 16);
	char hh[65], hm[33], text[256];
	hex(h, 32, hh);
	hex(m, 16, hm);
	snprintf(text, sizeof text, "hash,algo\n%s,pdq\n%s,md5\n", hh, hm);
	enum { LISTS = MATCHER_MAX_PER_HASH + 20 };
	for (int i = 0; i < LISTS; i++) {
		char name[32];
		snprintf(name, sizeof name, "list-%03d", i);
		import_ok(f, name, NULL, text, HASHLIST_CSV, NULL);
	}
	assert_int_equal(matcher_load(f->m, f->db), 0);
	assert_int_equal(lookup(f, "pdq", h, 32, -1, NULL), MATCHER_MAX_PER_HASH);
	assert_int_equal(lookup(f, "md5", m, 16, -1, NULL), MATCHER_MAX_PER_HASH);

	struct report_hash hs[3];
	memset(hs, 0, sizeof hs);
	for (int i = 0; i < 3; i++) {
		hs[i].algo = i == 1 ? "md5" : "pdq";
		hs[i].len = i == 1 ? 16 : 32;
		memcpy(hs[i].bytes, i == 1 ? m : h, hs[i].len);
	}
	struct report r;
	memset(&r, 0, sizeof r);
	r.hashes = hs;
	r.nhashes = 3;
	struct report_match *v;
	size_t n;
	assert_int_equal(matcher_match_report(f->m, &r, &f->a, &v, &n), 0);
	assert_int_equal(n, MATCHER_MAX_PER_REPORT);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i].hash, i < MATCHER_MAX_PER_HASH ? 0 : 1);
}

/* ---- against a brute-force scan ----------------------------------------- */

enum { BF_LISTS = 12, BF_CENTERS = 300, BF_PER_CENTER = 10 };

struct bf_entry {
	int64_t id, list;
	uint8_t hash[32];
	bool disabled;
};

struct bf {
	struct bf_entry *e;
	size_t n, cap;
	int64_t list_ids[BF_LISTS + 4];
	int thresholds[BF_LISTS + 4];
	size_t nlists;
};

static int bf_collect(void *arg, const struct store_hash_entry *e)
{
	struct bf *b = arg;
	if (strcmp(e->algo, "pdq") != 0)
		return 0;
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 4096;
		b->e = realloc(b->e, b->cap * sizeof *b->e);
		if (!b->e)
			return HL_ENOMEM;
	}
	struct bf_entry *x = &b->e[b->n++];
	x->id = e->id;
	x->list = e->list_id;
	memcpy(x->hash, e->hash, 32);
	x->disabled = e->disabled;
	return 0;
}

/* The reference: what the store holds now. */
static void bf_read(struct fx *f, struct bf *b)
{
	b->n = 0;
	int64_t after = 0, last = 0;
	for (;;) {
		assert_int_equal(store_hashlist_entries(f->db, 0, false, false, after, 100000,
		                                        bf_collect, b, &last),
		                 0);
		if (last == after)
			break;
		after = last;
	}
	struct store_hashlist *l;
	size_t nl;
	assert_int_equal(store_hashlist_all(f->db, &l, &nl, &f->a), 0);
	assert_true(nl <= BF_LISTS + 4);
	b->nlists = nl;
	for (size_t i = 0; i < nl; i++) {
		b->list_ids[i] = l[i].id;
		b->thresholds[i] = l[i].pdq_threshold;
	}
}

static int bf_threshold(const struct bf *b, int64_t list)
{
	for (size_t i = 0; i < b->nlists; i++)
		if (b->list_ids[i] == list)
			return b->thresholds[i];
	return -1; /* removed */
}

struct hit {
	int64_t id, list;
	unsigned distance;
};

static int hit_cmp(const void *x, const void *y)
{
	const struct hit *a = x, *b = y;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Compares one lookup of q with the scan. */
static void bf_check(struct fx *f, struct matcher *m, const struct bf *b, const uint8_t *q,
                     int maxd)
{
	static struct hit want[4096], got[MATCHER_MAX_PER_HASH];
	size_t nw = 0;
	for (size_t i = 0; i < b->n; i++) {
		const struct bf_entry *e = &b->e[i];
		int t = bf_threshold(b, e->list);
		if (e->disabled || t < 0)
			continue;
		unsigned d = hamming(q, e->hash);
		if ((int)d <= (maxd >= 0 ? maxd : t)) {
			assert_true(nw < 4096);
			want[nw++] = (struct hit){e->id, e->list, d};
		}
	}
	assert_true(nw <= MATCHER_MAX_PER_HASH); /* the data are made so */
	struct report_match *v;
	size_t n;
	assert_int_equal(matcher_lookup(m, "pdq", q, 32, maxd, &v, &n, &f->a), 0);
	for (size_t i = 1; i < n; i++)
		assert_true(v[i - 1].distance <= v[i].distance);
	for (size_t i = 0; i < n && i < MATCHER_MAX_PER_HASH; i++)
		got[i] = (struct hit){v[i].entry_id, v[i].list_id, v[i].distance};
	if (n != nw)
		fail_msg("max_distance %d: matcher found %zu, the scan %zu", maxd, n, nw);
	qsort(want, nw, sizeof *want, hit_cmp);
	qsort(got, n, sizeof *got, hit_cmp);
	for (size_t i = 0; i < n; i++) {
		if (got[i].id != want[i].id || got[i].list != want[i].list ||
		    got[i].distance != want[i].distance)
			fail_msg("max_distance %d: entry %lld list %lld at %u, scan: entry %lld "
			         "list %lld at %u",
			         maxd, (long long)got[i].id, (long long)got[i].list,
			         got[i].distance, (long long)want[i].id, (long long)want[i].list,
			         want[i].distance);
	}
}

static void bf_queries(struct fx *f, struct matcher *m, const struct bf *b, uint8_t (*centers)[32],
                       int rounds)
{
	uint8_t q[32];
	for (int r = 0; r < rounds; r++) {
		int kind = (int)(rng() % 4);
		if (kind == 0) {
			rand_bytes(q, 32); /* far from everything */
		} else if (kind == 1) {
			const struct bf_entry *e = &b->e[rng() % b->n];
			flip(q, e->hash, (unsigned)(rng() % 72));
		} else {
			flip(q, centers[rng() % BF_CENTERS], (unsigned)(rng() % 72));
		}
		bf_check(f, m, b, q, -1);
		bf_check(f, m, b, q, (int)(rng() % 72));
	}
}

static void test_bruteforce(void **state)
{
	struct fx *f = *state;
	static uint8_t centers[BF_CENTERS][32];
	struct text t[BF_LISTS];
	memset(t, 0, sizeof t);
	for (int c = 0; c < BF_CENTERS; c++) {
		rand_bytes(centers[c], 32);
		for (int k = 0; k < BF_PER_CENTER; k++) {
			uint8_t h[32];
			flip(h, centers[c], (unsigned)(rng() % 48));
			int l = (int)(rng() % BF_LISTS);
			text_hash(&t[l], h, 32);
			if (rng() % 20 == 0) /* the same hash in a second list */
				text_hash(&t[(l + 1 + rng() % (BF_LISTS - 1)) % BF_LISTS], h, 32);
		}
	}
	for (int l = 0; l < BF_LISTS; l++) {
		char name[16];
		snprintf(name, sizeof name, "bf-%02d", l);
		struct banks_settings s = {NULL, NULL, NULL, (int)(rng() % 65)};
		import_ok(f, name, &s, t[l].p ? t[l].p : "# empty\n", HASHLIST_PDQ, NULL);
		free(t[l].p);
	}
	struct bf b = {0};
	bf_read(f, &b);
	assert_true(b.n >= BF_CENTERS * BF_PER_CENTER);
	assert_int_equal(matcher_load(f->m, f->db), 0);
	bf_queries(f, f->m, &b, centers, 600);

	/* change things: disable 300 entries (more changes than one read of
	 * the change log), change four thresholds, remove two lists, add one */
	for (int i = 0; i < 300; i++) {
		const struct bf_entry *e = &b.e[rng() % b.n];
		assert_int_equal(banks_disable_id(f->db, ACTOR, e->id, true, "bf"), 0);
	}
	for (int i = 0; i < 20; i++) { /* and enable a few of those again */
		const struct bf_entry *e = &b.e[rng() % b.n];
		assert_int_equal(banks_disable_id(f->db, ACTOR, e->id, false, NULL), 0);
	}
	for (int i = 0; i < 4; i++) {
		char name[16];
		snprintf(name, sizeof name, "bf-%02d", (int)(rng() % BF_LISTS));
		struct banks_settings s = {NULL, NULL, NULL, (int)(rng() % 65)};
		const char *code;
		assert_int_equal(banks_set(f->db, ACTOR, name, &s, &code), 0);
	}
	int64_t removed;
	assert_int_equal(banks_remove(f->db, ACTOR, "bf-03", &removed), 0);
	assert_int_equal(banks_remove(f->db, ACTOR, "bf-07", &removed), 0);
	struct text nt = {0};
	for (int i = 0; i < 200; i++) {
		uint8_t h[32];
		flip(h, centers[rng() % BF_CENTERS], (unsigned)(rng() % 40));
		text_hash(&nt, h, 32);
	}
	struct banks_settings s = {NULL, NULL, NULL, 50};
	import_ok(f, "bf-new", &s, nt.p, HASHLIST_PDQ, NULL);
	free(nt.p);

	follow(f);
	bf_read(f, &b);
	bf_queries(f, f->m, &b, centers, 600);
	/* a matcher loaded now agrees */
	struct matcher *m2 = matcher_new();
	assert_non_null(m2);
	assert_int_equal(matcher_load(m2, f->db), 0);
	bf_queries(f, m2, &b, centers, 300);
	struct matcher_stats s1, s2;
	matcher_get_stats(f->m, &s1);
	matcher_get_stats(m2, &s2);
	assert_int_equal(s1.pdq_entries, s2.pdq_entries);
	assert_int_equal(s1.lists, s2.lists);
	matcher_free(m2);
	free(b.e);
}

/* ---- lookups from other threads while lists change ---------------------- */

struct reader {
	struct matcher *m;
	const uint8_t *pdq, *md5;
	atomic_int *stop;
	long lookups, missing, errors;
};

static void *reader_run(void *arg)
{
	struct reader *r = arg;
	struct arena a;
	arena_init(&a, 64u << 20);
	while (!atomic_load(r->stop)) {
		struct report_match *v;
		size_t n;
		if (matcher_lookup(r->m, "pdq", r->pdq, 32, -1, &v, &n, &a))
			r->errors++;
		else if (n != 1)
			r->missing++;
		if (matcher_lookup(r->m, "md5", r->md5, 16, -1, &v, &n, &a))
			r->errors++;
		else if (n != 1)
			r->missing++;
		r->lookups++;
		arena_free(&a);
		arena_init(&a, 64u << 20);
	}
	arena_free(&a);
	return NULL;
}

static void test_concurrent_lookups(void **state)
{
	struct fx *f = *state;
	uint8_t p[32], m[16];
	rand_bytes(p, 32);
	rand_bytes(m, 16);
	char hp[65], hm[33], text[256];
	hex(p, 32, hp);
	hex(m, 16, hm);
	snprintf(text, sizeof text, "hash,algo\n%s,pdq\n%s,md5\n", hp, hm);
	import_ok(f, "steady", NULL, text, HASHLIST_CSV, NULL);
	assert_int_equal(matcher_load(f->m, f->db), 0);

	atomic_int stop = 0;
	struct reader r[2];
	pthread_t th[2];
	for (int i = 0; i < 2; i++) {
		r[i] = (struct reader){f->m, p, m, &stop, 0, 0, 0};
		assert_int_equal(pthread_create(&th[i], NULL, reader_run, &r[i]), 0);
	}
	/* lists come and go, entries are disabled and enabled, thresholds
	 * change, and the entry map grows past its first size */
	for (int round = 0; round < 8; round++) {
		struct text t = {0};
		for (int i = 0; i < 9000; i++) {
			uint8_t h[32];
			rand_bytes(h, 32);
			text_hash(&t, h, 32);
		}
		char name[16];
		snprintf(name, sizeof name, "churn-%d", round);
		int64_t id = import_ok(f, name, NULL, t.p, HASHLIST_PDQ, NULL);
		free(t.p);
		follow(f);
		struct banks_settings s = {NULL, NULL, NULL, (int)(rng() % 64)};
		const char *code;
		assert_int_equal(banks_set(f->db, ACTOR, name, &s, &code), 0);
		struct store_hashlist l;
		assert_int_equal(store_hashlist_get(f->db, NULL, id, &l, &f->a), 0);
		assert_int_equal(l.entries, 9000);
		follow(f);
		if (round % 2) {
			int64_t removed;
			assert_int_equal(banks_remove(f->db, ACTOR, name, &removed), 0);
			follow(f);
		}
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_true(r[i].lookups > 0);
		assert_int_equal(r[i].errors, 0);
		assert_int_equal(r[i].missing, 0);
	}
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_import_counts_and_settings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_import_csv_meta_and_long_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_import_longest_line_crlf, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_import_nul_byte, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lookup_each_algo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pdq_thresholds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pdq_crowded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_follow_imports, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_disable_enable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_settings_follow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remove_follow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_match_report, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bruteforce, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_lookups, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
