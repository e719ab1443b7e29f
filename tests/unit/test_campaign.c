/* test_campaign.c — the campaign calculator: every displayed amount
 * recomputed from the data/campaign CSV files by an independent path (a separate
 * small CSV reader and the arithmetic written out again); broken data
 * files (missing column, unknown currency, negative figure, broken URL,
 * bad quotes, dangling references, bad dates) rejected with file, row and
 * column; a hotline's own copies winning over the shipped ones; the
 * campaign dates; the share card's PNG. */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "campaign.h"
#include "campaign_card.h"
#include "err.h"
#include "profile.h"
#include "unit_util.h"

/* ---- an independent reader of the data files ------------------------ */

#define MAXF 32
#define MAXR 400

struct table {
	int nrows;
	int ncols;
	char *cell[MAXR][MAXF];
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

/* One character at a time, a state machine: different code from
 * campaign.c's reader on purpose. */
static void table_read(const char *path, struct table *t)
{
	char *s = slurp(path);
	memset(t, 0, sizeof *t);
	int r = 0, c = 0, quoted = 0;
	char fld[8192];
	size_t fl = 0;
	for (char *p = s;; p++) {
		char ch = *p;
		if (quoted) {
			if (ch == '"' && p[1] == '"') {
				fld[fl++] = '"';
				p++;
			} else if (ch == '"') {
				quoted = 0;
			} else {
				fld[fl++] = ch;
			}
			continue;
		}
		if (ch == '"') {
			quoted = 1;
		} else if (ch == ',' || ch == '\n' || ch == '\0') {
			fld[fl] = '\0';
			if (!(ch != ',' && c == 0 && fl == 0)) { /* skip empty lines */
				t->cell[r][c++] = strdup(fld);
				if (ch != ',') {
					if (c > t->ncols)
						t->ncols = c;
					r++;
					c = 0;
				}
			}
			fl = 0;
			if (ch == '\0')
				break;
		} else if (ch != '\r') {
			fld[fl++] = ch;
		}
		assert_true(r < MAXR && c < MAXF && fl < sizeof fld - 1);
	}
	t->nrows = r;
	free(s);
}

static void table_free(struct table *t)
{
	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < MAXF; c++)
			free(t->cell[r][c]);
}

static int col(const struct table *t, const char *name)
{
	for (int c = 0; c < t->ncols; c++)
		if (t->cell[0][c] && strcmp(t->cell[0][c], name) == 0)
			return c;
	fail_msg("no column %s", name);
	return -1;
}

static const char *lookup(const struct table *t, const char *key_col, const char *key,
                          const char *want)
{
	int k = col(t, key_col), w = col(t, want);
	for (int r = 1; r < t->nrows; r++)
		if (strcmp(t->cell[r][k], key) == 0)
			return t->cell[r][w];
	fail_msg("no row %s", key);
	return NULL;
}

static void data_path(char *out, size_t n, const char *file)
{
	snprintf(out, n, "%s/data/campaign/%s", HOTLINE_SOURCE_DIR, file);
}

static struct profile *prof(const char *text)
{
	struct profile *p = NULL;
	int bad = 0;
	assert_int_equal(profile_parse(text, strlen(text), &p, &bad), 0);
	return p;
}

/* ---- the arithmetic ----------------------------------------------------- */

static void test_amounts_recomputed(void **state)
{
	(void)state;
	static const char *const currencies[] = {"EUR", "USD"};
	char path[1024];
	struct table src, conv, est;
	data_path(path, sizeof path, "sources.csv");
	table_read(path, &src);
	data_path(path, sizeof path, "conversions.csv");
	table_read(path, &conv);
	data_path(path, sizeof path, "estimates.csv");
	table_read(path, &est);
	for (int ci = 0; ci < 2; ci++) {
		char ptext[64];
		snprintf(ptext, sizeof ptext, "currency = %s\n", currencies[ci]);
		struct profile *p = prof(ptext);
		struct campaign *c = NULL;
		char err[512];
		assert_int_equal(campaign_load(NULL, p, &c, err, sizeof err), 0);
		int checked = 0;
		for (int r = 1; r < est.nrows; r++) {
			const char *scope = est.cell[r][col(&est, "scope")];
			const char *total_id = est.cell[r][col(&est, "total")];
			double total = atof(lookup(&src, "id", total_id, "value"));
			const char *unit = lookup(&src, "id", total_id, "unit");
			const char *from = lookup(&src, "id", total_id, "currency");
			char year[8];
			snprintf(year, sizeof year, "%.4s",
			         lookup(&src, "id", total_id, "reference_year"));
			double mult = strstr(unit, "billion") == unit   ? 1e9
			              : strstr(unit, "million") == unit ? 1e6
			                                                : 1;
			double pvc = atof(lookup(
			    &src, "id", est.cell[r][col(&est, "per_victim_central")], "value"));
			/* exchange: find the row by hand */
			double fx = 1;
			if (strcmp(from, currencies[ci]) != 0) {
				int found = 0;
				for (int k = 1; k < conv.nrows; k++) {
					if (strcmp(conv.cell[k][col(&conv, "kind")], "fx") != 0 ||
					    strcmp(conv.cell[k][col(&conv, "year")], year) != 0)
						continue;
					const char *f = conv.cell[k][col(&conv, "from")];
					const char *t = conv.cell[k][col(&conv, "to")];
					double v = atof(conv.cell[k][col(&conv, "value")]);
					if (strcmp(f, currencies[ci]) == 0 && strcmp(t, from) == 0)
						fx = 1 / v, found = 1;
					else if (strcmp(f, from) == 0 &&
					         strcmp(t, currencies[ci]) == 0)
						fx = v, found = 1;
				}
				assert_true(found);
			}
			double infl = 0;
			for (int k = 1; k < conv.nrows; k++)
				if (strcmp(conv.cell[k][col(&conv, "kind")], "inflation") == 0 &&
				    strcmp(conv.cell[k][col(&conv, "year")], year) == 0)
					infl = atof(conv.cell[k][col(&conv, "value")]);
			assert_true(infl > 0);
			static const char *const bcols[] = {"per_victim_low", "per_victim_central",
			                                    "per_victim_high"};
			static const char *const spans[] = {"second", "minute", "hour", "day",
			                                    "year"};
			for (int b = 0; b < 3; b++) {
				double pv = atof(
				    lookup(&src, "id", est.cell[r][col(&est, bcols[b])], "value"));
				double yearly = total * mult * pv / pvc * infl * fx;
				for (int s = 0; s < 5; s++) {
					double per = 0;
					for (int k = 1; k < conv.nrows; k++)
						if (strcmp(conv.cell[k][col(&conv, "kind")],
						           "period") == 0 &&
						    strcmp(conv.cell[k][col(&conv, "from")],
						           spans[s]) == 0)
							per =
							    atof(conv.cell[k][col(&conv, "value")]);
					assert_true(per > 0);
					double want = yearly / per, got = -1;
					assert_int_equal(
					    campaign_amount(c, scope, spans[s], b, &got), 0);
					assert_true(fabs(got - want) <= 1e-9 * want);
					checked++;
				}
			}
		}
		assert_int_equal(checked, (est.nrows - 1) * 3 * 5);
		campaign_free(c);
		profile_free(p);
	}
	table_free(&src);
	table_free(&conv);
	table_free(&est);
}

/* The central world figure per minute, done on paper:
 * 172.6e9 USD / 1.1827 USD per EUR / 525,600 minutes = 277,658.41 EUR. */
static void test_world_minute_by_hand(void **state)
{
	(void)state;
	struct profile *p = prof("currency = EUR\n");
	struct campaign *c;
	char err[512];
	assert_int_equal(campaign_load(NULL, p, &c, err, sizeof err), 0);
	double v;
	assert_int_equal(campaign_amount(c, "world", "minute", CAMPAIGN_CENTRAL, &v), 0);
	assert_true(fabs(v - 277658.41) < 0.01);
	assert_int_equal(campaign_amount(c, "world", "year", CAMPAIGN_CENTRAL, &v), 0);
	assert_true(fabs(v - 172.6e9 / 1.1827) < 1);
	/* ILO's own figures agree: per victim × victims ≈ total (within 1%) */
	const struct campaign_source *pv = campaign_source_find(c, "S04.6");
	const struct campaign_source *n = campaign_source_find(c, "S04.12");
	const struct campaign_source *t = campaign_source_find(c, "S04.9");
	assert_true(fabs(pv->value * n->value * 1e6 - t->value * 1e9) < 0.01 * t->value * 1e9);
	/* unknown scope or span */
	assert_int_equal(campaign_amount(c, "mars", "minute", 1, &v), HL_ENOTFOUND);
	assert_int_equal(campaign_amount(c, "world", "fortnight", 1, &v), HL_ENOTFOUND);
	assert_int_equal(campaign_amount(c, "world", "minute", 3, &v), HL_ENOTFOUND);
	/* low < central < high */
	double lo, hi;
	campaign_amount(c, "europe", "day", 0, &lo);
	campaign_amount(c, "europe", "day", 1, &v);
	campaign_amount(c, "europe", "day", 2, &hi);
	assert_true(lo < v && v < hi);
	/* every source row's checks are within the allowed words, and money
	 * rows all carry a currency */
	const struct campaign_source *s;
	size_t ns = campaign_sources(c, &s);
	assert_true(ns > 90);
	for (size_t i = 0; i < ns; i++)
		assert_true(campaign_url_valid(s[i].url));
	assert_non_null(campaign_faq(c, "de"));
	assert_null(campaign_faq(c, "xx"));
	campaign_free(c);
	profile_free(p);
}

/* ---- broken files -------------------------------------------------------- */

/* Writes the shipped file name into DIR/campaign/ with line `line` (1 =
 * header) replaced by text (NULL: unchanged), then loads; returns rc and
 * the message. */
static int load_with(const char *dir, const char *file, int line, const char *text,
                     const char *profile_text, char *err, size_t errlen)
{
	char path[1024];
	data_path(path, sizeof path, file);
	char *s = slurp(path);
	struct buf b;
	buf_init(&b, 8u << 20);
	int n = 1;
	for (char *p = s; *p;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
		if (n == line && text) {
			buf_puts(&b, text);
			buf_puts(&b, "\n");
		} else {
			buf_append(&b, p, len);
		}
		p += len;
		n++;
	}
	free(s);
	char sub[1024];
	snprintf(sub, sizeof sub, "%s/campaign", dir);
	mkdir(sub, 0700);
	snprintf(path, sizeof path, "%s/campaign/%s", dir, file);
	assert_int_equal(ut_write_file(path, b.data, b.len, 0600), 0);
	buf_free(&b);
	struct profile *p = prof(profile_text ? profile_text : "currency = EUR\n");
	struct campaign *c = NULL;
	int rc = campaign_load(dir, p, &c, err, errlen);
	campaign_free(c);
	profile_free(p);
	unlink(path);
	return rc;
}

/* The line of the shipped file whose first field is id, and the line. */
static int line_of(const char *file, const char *id, char *out, size_t n)
{
	char path[1024];
	data_path(path, sizeof path, file);
	char *s = slurp(path);
	int line = 1;
	size_t idl = strlen(id);
	for (char *p = s; *p; line++) {
		char *nl = strchr(p, '\n');
		if (strncmp(p, id, idl) == 0 && p[idl] == ',') {
			snprintf(out, n, "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
			free(s);
			return line;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	free(s);
	fail_msg("no line %s", id);
	return 0;
}

/* Replaces the first occurrence of from in line by to. */
static void replace(char *line, size_t n, const char *from, const char *to)
{
	char *at = strstr(line, from);
	assert_non_null(at);
	char rest[8192];
	snprintf(rest, sizeof rest, "%s", at + strlen(from));
	snprintf(at, n - (size_t)(at - line), "%s%s", to, rest);
}

static void expect_msg(int rc, const char *err, const char *a, const char *b)
{
	if (rc != HL_EINVAL)
		fail_msg("rc %d, expected a rejection with \"%s\"", rc, a);
	if (!strstr(err, a) || (b && !strstr(err, b)))
		fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", err, a, b ? b : "");
}

static void test_bad_sources(void **state)
{
	(void)state;
	char dir[64], err[1024], line[8192], want[256];
	assert_int_equal(ut_tmpdir(dir, sizeof dir), 0);

	/* missing column: the header without "currency" */
	char header[2048];
	line_of("sources.csv", "id", header, sizeof header);
	replace(header, sizeof header, ",currency,", ",");
	int rc = load_with(dir, "sources.csv", 1, header, NULL, err, sizeof err);
	expect_msg(rc, err, "campaign/sources.csv: row 1, column \"currency\"", "missing");

	/* unknown currency */
	int n = line_of("sources.csv", "S04.9", line, sizeof line);
	replace(line, sizeof line, ",USD,", ",XYZ,");
	rc = load_with(dir, "sources.csv", n, line, NULL, err, sizeof err);
	snprintf(want, sizeof want, "sources.csv: row %d, column \"currency\"", n);
	expect_msg(rc, err, want, "unknown currency \"XYZ\"");

	/* negative figure */
	n = line_of("sources.csv", "S01.3", line, sizeof line);
	replace(line, sizeof line, ",21800,", ",-21800,");
	rc = load_with(dir, "sources.csv", n, line, NULL, err, sizeof err);
	snprintf(want, sizeof want, "sources.csv: row %d, column \"value\"", n);
	expect_msg(rc, err, want, "negative figure");

	/* broken URLs */
	static const char *const bad_urls[] = {"htp://www.ilo.org/x", "https://",
	                                       "https://nodot/x",     "https://www.ilo.org/a b",
	                                       "javascript:alert(1)", "https://user@www.ilo.org/",
	                                       "https://ilo.org:/x",  "https://<script>.org/"};
	for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
		n = line_of("sources.csv", "S04.6", line, sizeof line);
		replace(line, sizeof line,
		        "https://fibre2fashion.com/news/textile-news/"
		        "global-forced-labour-generates-236-bn-in-illegal-profits-ilo-report-"
		        "293922-newsdetails.htm",
		        bad_urls[i]);
		rc = load_with(dir, "sources.csv", n, line, NULL, err, sizeof err);
		snprintf(want, sizeof want, "sources.csv: row %d, column \"url\"", n);
		expect_msg(rc, err, want, NULL);
	}

	/* not a number, thousands separators, a range in one cell */
	static const char *const bad_values[] = {",\"21,800\",", ",21800 / 2500,", ",2e4,",
	                                         ",abc,"};
	for (size_t i = 0; i < 4; i++) {
		n = line_of("sources.csv", "S01.3", line, sizeof line);
		replace(line, sizeof line, ",21800,", bad_values[i]);
		rc = load_with(dir, "sources.csv", n, line, NULL, err, sizeof err);
		snprintf(want, sizeof want, "row %d, column \"value\"", n);
		expect_msg(rc, err, want, NULL);
	}

	/* money without currency, unknown role, duplicate id, bad check */
	n = line_of("sources.csv", "S04.9", line, sizeof line);
	replace(line, sizeof line, ",USD,", ",,");
	rc = load_with(dir, "sources.csv", n, line, NULL, err, sizeof err);
	expect_msg(rc, err, "column \"currency\"", "empty on a row of money");
	n = line_of("sources.csv", "S04.9", line, sizeof line);
	replace(line, sizeof line, ",total_profit,", ",jackpot,");
	rc = load_with(dir, "sources.csv", n, line, NULL, err, sizeof err);
	expect_msg(rc, err, "column \"role\"", "jackpot");
	n = line_of("sources.csv", "S04.9", line, sizeof line);
	replace(line, sizeof line, "S04.9,", "S04.6,");
	rc = load_with(dir, "sources.csv", n, line, NULL, err, sizeof err);
	expect_msg(rc, err, "column \"id\"", "already used");

	/* an unterminated quote names the row where it starts */
	n = line_of("sources.csv", "S04.9", line, sizeof line);
	replace(line, sizeof line, ",USD,", ",\"USD,");
	rc = load_with(dir, "sources.csv", n, line, NULL, err, sizeof err);
	expect_msg(rc, err, "sources.csv: row", "quote");

	/* a short row */
	rc = load_with(dir, "sources.csv", 2, "S99.1,Someone", NULL, err, sizeof err);
	expect_msg(rc, err, "sources.csv: row 2, column \"title\"", NULL);

	/* invalid UTF-8 */
	n = line_of("sources.csv", "S04.9", line, sizeof line);
	replace(line, sizeof line, "Statista", "Stat\xff\xfe");
	rc = load_with(dir, "sources.csv", n, line, NULL, err, sizeof err);
	expect_msg(rc, err, "column \"publisher\"", "UTF-8");
	ut_rmtree(dir);
}

static void test_bad_other_files(void **state)
{
	(void)state;
	char dir[64], err[1024], line[8192], want[256];
	assert_int_equal(ut_tmpdir(dir, sizeof dir), 0);

	/* estimates naming a row that does not exist, or of the wrong role */
	int rc = load_with(dir, "estimates.csv", 2, "world,S99.9,S01.3,S04.6,S51.1,x", NULL, err,
	                   sizeof err);
	expect_msg(rc, err, "estimates.csv: row 2, column \"total\"", "S99.9");
	rc = load_with(dir, "estimates.csv", 2, "world,S04.12,S01.3,S04.6,S51.1,x", NULL, err,
	               sizeof err);
	expect_msg(rc, err, "estimates.csv: row 2, column \"total\"", NULL);
	rc = load_with(dir, "estimates.csv", 2, "world,S04.9,S51.1,S04.6,S01.3,x", NULL, err,
	               sizeof err);
	expect_msg(rc, err, "estimates.csv: row 2", "must not decrease");
	rc = load_with(dir, "estimates.csv", 2, "country,S04.9,S01.3,S04.6,S51.1,x", NULL, err,
	               sizeof err);
	expect_msg(rc, err, "column \"scope\"", NULL);

	/* a currency with no exchange rate */
	rc = load_with(dir, "estimates.csv", 0, NULL, "currency = GBP\n", err, sizeof err);
	expect_msg(rc, err, "estimates.csv: row 2, column \"total\"",
	           "exchange rate between USD and GBP");
	rc = load_with(dir, "estimates.csv", 0, NULL, "currency = euro\n", err, sizeof err);
	expect_msg(rc, err, "profile: column \"currency\"", NULL);

	/* conversions: a negative rate, an unknown kind */
	int n = line_of("conversions.csv", "C01", line, sizeof line);
	replace(line, sizeof line, ",1.1827,", ",-1.1827,");
	rc = load_with(dir, "conversions.csv", n, line, NULL, err, sizeof err);
	snprintf(want, sizeof want, "conversions.csv: row %d, column \"value\"", n);
	expect_msg(rc, err, want, NULL);
	n = line_of("conversions.csv", "C04", line, sizeof line);
	replace(line, sizeof line, ",period,", ",magic,");
	rc = load_with(dir, "conversions.csv", n, line, NULL, err, sizeof err);
	expect_msg(rc, err, "column \"kind\"", NULL);
	/* a missing period row */
	n = line_of("conversions.csv", "C04", line, sizeof line);
	replace(line, sizeof line, ",minute,", ",second,");
	rc = load_with(dir, "conversions.csv", n, line, NULL, err, sizeof err);
	expect_msg(rc, err, "conversions.csv", "\"minute\"");

	/* a FAQ with no question */
	char path[256];
	snprintf(path, sizeof path, "%s/campaign", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/campaign/faq.nl.md", dir);
	ut_write_file(path, "# Only a title\n\nText.\n", 22, 0600);
	struct profile *p = prof("currency = EUR\n");
	struct campaign *c = NULL;
	rc = campaign_load(dir, p, &c, err, sizeof err);
	expect_msg(rc, err, "faq.nl.md", "question");
	unlink(path);

	/* campaign dates */
	profile_free(p);
	static const char *const bad_dates[] = {
	    "campaign_start = 2025-02-30\ncampaign_end = 2025-03-01\n",
	    "campaign_start = 2025-11-10\n",
	    "campaign_start = 2025-11-10\ncampaign_end = 18/11/2025\n",
	    "campaign_start = 2025-11-30\ncampaign_end = 2025-11-10\n",
	};
	for (size_t i = 0; i < 4; i++) {
		p = prof(bad_dates[i]);
		rc = campaign_load(NULL, p, &c, err, sizeof err);
		expect_msg(rc, err, "profile: column \"campaign_", NULL);
		profile_free(p);
	}
	ut_rmtree(dir);
}

/* A hotline's own file in DATA/campaign/ replaces the shipped one. */
static void test_own_copy_wins(void **state)
{
	(void)state;
	char dir[64], err[1024], line[8192];
	assert_int_equal(ut_tmpdir(dir, sizeof dir), 0);
	int n = line_of("sources.csv", "S04.9", line, sizeof line);
	replace(line, sizeof line, ",172.6,", ",100,");
	char path[1024];
	data_path(path, sizeof path, "sources.csv");
	char *s = slurp(path);
	/* write the whole file with the changed line and keep it while loading */
	struct buf b;
	buf_init(&b, 8u << 20);
	int ln = 1;
	for (char *p = s; *p; ln++) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
		if (ln == n) {
			buf_puts(&b, line);
			buf_puts(&b, "\n");
		} else {
			buf_append(&b, p, len);
		}
		p += len;
	}
	free(s);
	snprintf(path, sizeof path, "%s/campaign", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/campaign/sources.csv", dir);
	assert_int_equal(ut_write_file(path, b.data, b.len, 0600), 0);
	buf_free(&b);
	struct profile *p = prof("currency = USD\n");
	struct campaign *c;
	assert_int_equal(campaign_load(dir, p, &c, err, sizeof err), 0);
	double v;
	campaign_amount(c, "world", "year", CAMPAIGN_CENTRAL, &v);
	assert_true(fabs(v - 100e9) < 1);
	const char *origin;
	campaign_file(c, "sources.csv", NULL, &origin);
	assert_string_equal(origin, path);
	campaign_file(c, "conversions.csv", NULL, &origin);
	assert_string_equal(origin, "data/campaign/conversions.csv");
	campaign_free(c);
	profile_free(p);
	ut_rmtree(dir);
}

/* ---- small parts ---------------------------------------------------------- */

static void test_dates(void **state)
{
	(void)state;
	struct tm tm = {.tm_year = 2025 - 1900, .tm_mon = 10, .tm_mday = 18, .tm_hour = 12};
	time_t t = mktime(&tm);
	assert_true(campaign_dates_active("2025-11-10", "2025-11-30", t));
	assert_true(campaign_dates_active("2025-11-18", "2025-11-18", t));
	assert_false(campaign_dates_active("2025-11-19", "2025-11-30", t));
	assert_false(campaign_dates_active("2025-11-01", "2025-11-17", t));
	assert_false(campaign_dates_active("", "", t));
	assert_false(campaign_dates_active("2025-11-01", "garbage", t));
	assert_true(campaign_date_valid("2024-02-29"));
	assert_false(campaign_date_valid("2023-02-29"));
	assert_false(campaign_date_valid("2023-13-01"));
	assert_false(campaign_date_valid("2023-1-01"));
	assert_false(campaign_date_valid(NULL));
}

static void test_numbers_and_urls(void **state)
{
	(void)state;
	double v;
	assert_true(campaign_number_parse("172.6", &v) && v == 172.6);
	assert_true(campaign_number_parse("-24", &v) && v == -24);
	static const char *const bad[] = {
	    "",    "-",    ".5", "5.", "1.2.3", "1e9", "nan",
	    "inf", "0x10", " 1", "1 ", "1,000", "--1", "12345678901234567890123456789012345678901"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(campaign_number_parse(bad[i], &v));
	assert_true(campaign_url_valid("https://www.ilo.org/global/x?y=1#z"));
	assert_true(campaign_url_valid("http://example.org:8080/"));
	assert_false(campaign_url_valid("ftp://example.org/"));
	assert_false(campaign_url_valid("https://exa\"mple.org/"));
	assert_false(campaign_url_valid("https://example.org/\xc3\xa9"));
	assert_false(campaign_url_valid("https://.example.org/"));
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_card(void **state)
{
	(void)state;
	char folded[64];
	campaign_card_fold("Été 2025 · 278 000 € ß", folded, sizeof folded);
	assert_string_equal(folded, "ETE 2025 - 278 000 EUR SS");
	campaign_card_fold("\xff\xfe<>", folded, sizeof folded);
	assert_string_equal(folded, "?"
	                            "?<>");
	campaign_card_fold("abcdefghijklmnop", folded, 5);
	assert_string_equal(folded, "ABCD");
	struct campaign_card_line lines[] = {
	    {"A very long line that must wrap at spaces because it is far wider than the card "
	     "can hold at this size, again and again and again",
	     8, CARD_TEXT, 4},
	    {"EUR 278,000", 12, CARD_ACCENT, 0},
	};
	struct buf png;
	buf_init(&png, 4u << 20);
	assert_int_equal(campaign_card_png(lines, 2, &png), 0);
	const unsigned char *d = (const unsigned char *)png.data;
	assert_true(png.len > 33);
	assert_memory_equal(d, "\x89PNG\r\n\x1a\n", 8);
	assert_memory_equal(d + 12, "IHDR", 4);
	assert_int_equal(be32(d + 16), CAMPAIGN_CARD_W);
	assert_int_equal(be32(d + 20), CAMPAIGN_CARD_H);
	buf_free(&png);
	struct campaign_card_line bad = {"x", 99, CARD_TEXT, 0};
	buf_init(&png, 4u << 20);
	assert_int_equal(campaign_card_png(&bad, 1, &png), HL_EINVAL);
	buf_free(&png);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_amounts_recomputed), cmocka_unit_test(test_world_minute_by_hand),
	    cmocka_unit_test(test_bad_sources),        cmocka_unit_test(test_bad_other_files),
	    cmocka_unit_test(test_own_copy_wins),      cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_numbers_and_urls),   cmocka_unit_test(test_card),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
