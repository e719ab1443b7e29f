/* campaign.c — loading, validating and computing the campaign estimates
 * (see campaign.h). Every check names the file, the row and the column,
 * because the people who fix these files are not programmers. */
#include "campaign.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "embedded.h"
#include "err.h"
#include "utf8.h"

#define CAMPAIGN_FILE_MAX (2u << 20)
#define CAMPAIGN_FIELD_MAX 4000
#define CAMPAIGN_ROWS_MAX 10000

static const char *const faq_langs[] = {"en", "fr", "nl", "de", NULL};

struct campaign_file {
	const char *name; /* "sources.csv" */
	char *text;       /* owned, NUL-terminated */
	size_t len;
	char origin[4096]; /* a path or "shipped" */
};

struct campaign {
	char currency[4];
	struct campaign_file files[3 + 4]; /* sources, conversions, estimates, faq.* */
	struct campaign_source *src;
	size_t nsrc;
	struct campaign_conversion *conv;
	size_t nconv;
	struct campaign_estimate *est;
	size_t nest;
	char **strings; /* every field string, freed together */
	size_t nstrings, capstrings;
};

/* ---- errors --------------------------------------------------------- */

struct cerr {
	char *buf;
	size_t len;
	bool set;
};

static int fail(struct cerr *e, const char *file, int row, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int fail(struct cerr *e, const char *file, int row, const char *col, const char *fmt, ...)
{
	if (e->set || !e->len)
		return HL_EINVAL;
	e->set = true;
	int w;
	if (row && col)
		w = snprintf(e->buf, e->len, "%s: row %d, column \"%s\": ", file, row, col);
	else if (row)
		w = snprintf(e->buf, e->len, "%s: row %d: ", file, row);
	else if (col)
		w = snprintf(e->buf, e->len, "%s: column \"%s\": ", file, col);
	else
		w = snprintf(e->buf, e->len, "%s: ", file);
	if (w < 0 || (size_t)w >= e->len)
		return HL_EINVAL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->buf + w, e->len - (size_t)w, fmt, ap);
	va_end(ap);
	return HL_EINVAL;
}

/* ---- strings owned by the campaign --------------------------------- */

static const char *keep(struct campaign *c, char *s)
{
	if (!s)
		return NULL;
	if (c->nstrings == c->capstrings) {
		size_t cap = c->capstrings ? c->capstrings * 2 : 256;
		char **n = realloc(c->strings, cap * sizeof *n);
		if (!n) {
			free(s);
			return NULL;
		}
		c->strings = n;
		c->capstrings = cap;
	}
	c->strings[c->nstrings++] = s;
	return s;
}

/* ---- CSV ----------------------------------------------------------- */

/* One record: fields (owned by the caller through keep()), the line where
 * it starts. */
struct csv_rec {
	int row;
	int n;
	char **f;
	int cap;
};

struct csv {
	const char *p, *end;
	int line;
};

/* Reads the next record. Returns 1 (a record), 0 (end), or HL_EINVAL with
 * err set (an unterminated quote, a stray quote, a field too long). */
static int csv_next(struct csv *cs, struct csv_rec *rec, const char *file, struct cerr *e)
{
	for (int i = 0; i < rec->n; i++)
		free(rec->f[i]);
	rec->n = 0;
	/* skip blank lines */
	while (cs->p < cs->end && (*cs->p == '\n' || *cs->p == '\r')) {
		if (*cs->p == '\n')
			cs->line++;
		cs->p++;
	}
	if (cs->p >= cs->end)
		return 0;
	rec->row = cs->line;
	struct buf fld;
	buf_init(&fld, CAMPAIGN_FIELD_MAX);
	for (;;) {
		buf_reset(&fld);
		if (cs->p < cs->end && *cs->p == '"') {
			int start_line = cs->line;
			cs->p++;
			for (;;) {
				if (cs->p >= cs->end) {
					buf_free(&fld);
					return fail(e, file, start_line, NULL,
					            "a quoted field is never closed");
				}
				char ch = *cs->p++;
				if (ch == '"') {
					if (cs->p < cs->end && *cs->p == '"') {
						cs->p++;
					} else {
						break;
					}
				}
				if (ch == '\n')
					cs->line++;
				if (buf_putc(&fld, ch)) {
					buf_free(&fld);
					return fail(e, file, rec->row, NULL,
					            "a field is longer than %d bytes",
					            CAMPAIGN_FIELD_MAX);
				}
			}
			if (cs->p < cs->end && *cs->p != ',' && *cs->p != '\n' && *cs->p != '\r') {
				buf_free(&fld);
				return fail(e, file, cs->line, NULL,
				            "text after a closing quote (write \"\" for a quote "
				            "inside a quoted field)");
			}
		} else {
			while (cs->p < cs->end && *cs->p != ',' && *cs->p != '\n' &&
			       *cs->p != '\r') {
				if (*cs->p == '"') {
					buf_free(&fld);
					return fail(e, file, cs->line, NULL,
					            "a quote inside an unquoted field (quote the "
					            "whole field and double the quote)");
				}
				if (buf_putc(&fld, *cs->p++)) {
					buf_free(&fld);
					return fail(e, file, rec->row, NULL,
					            "a field is longer than %d bytes",
					            CAMPAIGN_FIELD_MAX);
				}
			}
		}
		if (rec->n == rec->cap) {
			int cap = rec->cap ? rec->cap * 2 : 32;
			if (cap > 256) {
				buf_free(&fld);
				return fail(e, file, rec->row, NULL, "more than 256 columns");
			}
			char **nf = realloc(rec->f, (size_t)cap * sizeof *nf);
			if (!nf) {
				buf_free(&fld);
				return HL_ENOMEM;
			}
			rec->f = nf;
			rec->cap = cap;
		}
		char *s = strdup(buf_str(&fld));
		if (!s) {
			buf_free(&fld);
			return HL_ENOMEM;
		}
		rec->f[rec->n++] = s;
		if (cs->p < cs->end && *cs->p == ',') {
			cs->p++;
			continue;
		}
		/* end of record */
		if (cs->p < cs->end && *cs->p == '\r')
			cs->p++;
		if (cs->p < cs->end && *cs->p == '\n') {
			cs->p++;
			cs->line++;
		}
		break;
	}
	buf_free(&fld);
	return 1;
}

static void csv_rec_free(struct csv_rec *rec)
{
	for (int i = 0; i < rec->n; i++)
		free(rec->f[i]);
	free(rec->f);
	rec->f = NULL;
	rec->n = rec->cap = 0;
}

/* Column positions of one file, by name. */
struct cols {
	const char *const *names;
	int pos[32];
};

static int header_read(struct csv *cs, struct csv_rec *rec, struct cols *cols, const char *file,
                       struct cerr *e)
{
	int rc = csv_next(cs, rec, file, e);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return fail(e, file, 1, NULL, "the file is empty (a header row is needed)");
	for (int i = 0; cols->names[i]; i++) {
		cols->pos[i] = -1;
		for (int j = 0; j < rec->n; j++)
			if (strcmp(rec->f[j], cols->names[i]) == 0)
				cols->pos[i] = j;
		if (cols->pos[i] < 0)
			return fail(e, file, 1, cols->names[i],
			            "this column is missing from the header");
	}
	return 0;
}

/* The field of column i, kept by the campaign; checks UTF-8 and controls. */
static const char *field(struct campaign *c, struct csv_rec *rec, struct cols *cols, int i,
                         const char *file, struct cerr *e, int *rc)
{
	int p = cols->pos[i];
	if (p >= rec->n) {
		*rc = fail(e, file, rec->row, cols->names[i],
		           "missing (the row has %d columns, the header more)", rec->n);
		return NULL;
	}
	const char *s = rec->f[p];
	if (!utf8_valid(s, strlen(s)) || utf8_has_controls(s, false)) {
		*rc = fail(e, file, rec->row, cols->names[i],
		           "not valid UTF-8 text, or holds control characters");
		return NULL;
	}
	/* trim spaces around the value */
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	const char *k = keep(c, strndup(s, n));
	if (!k)
		*rc = HL_ENOMEM;
	return k;
}

/* ---- small validators ---------------------------------------------- */

bool campaign_number_parse(const char *s, double *out)
{
	if (!s || !*s || strlen(s) > 40)
		return false;
	const char *p = s;
	if (*p == '-')
		p++;
	int digits = 0, dots = 0;
	for (const char *q = p; *q; q++) {
		if (isdigit((unsigned char)*q))
			digits++;
		else if (*q == '.' && !dots && q != p && q[1])
			dots++;
		else
			return false;
	}
	if (!digits)
		return false;
	errno = 0;
	char *end;
	double v = strtod(s, &end);
	if (*end || errno || !isfinite(v))
		return false;
	*out = v;
	return true;
}

bool campaign_url_valid(const char *s)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (n > 2000)
		return false;
	const char *host;
	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch <= ' ' || ch == 0x7f || ch == '"' || ch == '<' || ch == '>' || ch == '\\' ||
		    ch == '`' || ch == '{' || ch == '}' || ch == '|' || ch == '^' || ch >= 0x80)
			return false;
	}
	size_t hl = strcspn(host, "/?#");
	if (hl == 0 || hl > 253)
		return false;
	bool dot = false;
	for (size_t i = 0; i < hl; i++) {
		char ch = host[i];
		if (ch == '.')
			dot = true;
		else if (!isalnum((unsigned char)ch) && ch != '-' && ch != ':')
			return false; /* no user:pass@, no odd characters */
	}
	if (!dot || host[0] == '.' || host[0] == '-' || host[hl - 1] == '.')
		return false;
	if (memchr(host, ':', hl)) { /* a port: digits only */
		const char *colon = memchr(host, ':', hl);
		if (colon + 1 == host + hl)
			return false;
		for (const char *q = colon + 1; q < host + hl; q++)
			if (!isdigit((unsigned char)*q))
				return false;
	}
	return true;
}

static bool is_year(const char *s)
{
	return strlen(s) == 4 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	       isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]);
}

static bool is_currency_code(const char *s)
{
	return strlen(s) == 3 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]) &&
	       isupper((unsigned char)s[2]);
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

bool campaign_date_valid(const char *s)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1970 || m < 1 || m > 12 || d < 1)
		return false;
	int max = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	return d <= max;
}

bool campaign_dates_active(const char *start, const char *end, time_t now)
{
	if (!campaign_date_valid(start) || !campaign_date_valid(end))
		return false;
	struct tm tm;
	if (!localtime_r(&now, &tm))
		return false;
	char today[48];
	snprintf(today, sizeof today, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday);
	/* YYYY-MM-DD compares as text */
	return strcmp(start, today) <= 0 && strcmp(today, end) <= 0;
}

/* ---- files ---------------------------------------------------------- */

static int file_load(struct campaign_file *f, const char *data_dir, struct cerr *e, bool optional)
{
	char path[4096];
	if (data_dir) {
		int w = snprintf(path, sizeof path, "%s/campaign/%s", data_dir, f->name);
		if (w > 0 && (size_t)w < sizeof path) {
			FILE *fp = fopen(path, "rb");
			if (fp) {
				struct buf b;
				buf_init(&b, CAMPAIGN_FILE_MAX);
				char chunk[8192];
				size_t n;
				int rc = 0;
				while (!rc && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
					rc = buf_append(&b, chunk, n);
				if (ferror(fp))
					rc = HL_EIO;
				fclose(fp);
				if (rc) {
					buf_free(&b);
					return fail(e, path, 0, NULL, "%s",
					            rc == HL_ETOOBIG ? "larger than 2 MiB"
					                             : "cannot be read");
				}
				f->len = b.len;
				f->text = b.data ? buf_steal(&b) : strdup("");
				snprintf(f->origin, sizeof f->origin, "%s", path);
				return f->text ? 0 : HL_ENOMEM;
			}
			if (errno != ENOENT)
				return fail(e, path, 0, NULL, "cannot be read: %s",
				            strerror(errno));
		}
	}
	char name[256];
	snprintf(name, sizeof name, "data/campaign/%s", f->name);
	const struct embedded_file *ef = embedded_find(name);
	if (!ef) {
		if (optional)
			return 0;
		return fail(e, name, 0, NULL, "missing (neither shipped nor in the data folder)");
	}
	f->text = strndup((const char *)ef->data, ef->len);
	f->len = ef->len;
	snprintf(f->origin, sizeof f->origin, "%s", name);
	return f->text ? 0 : HL_ENOMEM;
}

/* ---- sources.csv --------------------------------------------------- */

static const char *const source_cols[] = {
    "id",         "publisher", "title",      "year",           "url",   "metric", "value",
    "value_high", "unit",      "currency",   "reference_year", "scope", "area",   "population",
    "role",       "check",     "check_note", "note",           NULL,
};

static const char *const roles[] = {
    "per_victim_profit",
    "total_profit",
    "total_revenue",
    "count",
    "share",
    "change",
    "context",
    "case",
    "per_victim_revenue",
    "per_exploiter_profit",
    NULL,
};
static const char *const money_roles[] = {
    "per_victim_profit",    "total_profit", "total_revenue", "case", "per_victim_revenue",
    "per_exploiter_profit", NULL,
};
static const char *const checks[] = {"page", "corroborated", "consistent", "unverified", NULL};

static bool currency_known(const struct campaign *c, const char *code)
{
	for (size_t i = 0; i < c->nconv; i++)
		if (strcmp(c->conv[i].kind, "fx") == 0 &&
		    (strcmp(c->conv[i].from, code) == 0 || strcmp(c->conv[i].to, code) == 0))
			return true;
	return false;
}

static bool id_ok(const char *s)
{
	if (!*s || strlen(s) > 32)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			return false;
	return true;
}

static int sources_parse(struct campaign *c, struct campaign_file *f, struct cerr *e)
{
	struct csv cs = {f->text, f->text + f->len, 1};
	struct csv_rec rec = {0};
	struct cols cols = {.names = source_cols};
	const char *file = f->origin;
	int rc = header_read(&cs, &rec, &cols, file, e);
	size_t cap = 0;
	while (!rc && (rc = csv_next(&cs, &rec, file, e)) == 1) {
		rc = 0;
		if (c->nsrc >= CAMPAIGN_ROWS_MAX) {
			rc = fail(e, file, rec.row, NULL, "more than %d rows", CAMPAIGN_ROWS_MAX);
			break;
		}
		if (c->nsrc == cap) {
			cap = cap ? cap * 2 : 128;
			struct campaign_source *n = realloc(c->src, cap * sizeof *n);
			if (!n) {
				rc = HL_ENOMEM;
				break;
			}
			c->src = n;
		}
		struct campaign_source *s = &c->src[c->nsrc];
		memset(s, 0, sizeof *s);
		s->row = rec.row;
		const char **dst[] = {&s->id,
		                      &s->publisher,
		                      &s->title,
		                      &s->year,
		                      &s->url,
		                      &s->metric,
		                      NULL,
		                      NULL,
		                      &s->unit,
		                      &s->currency,
		                      &s->reference_year,
		                      &s->scope,
		                      &s->area,
		                      &s->population,
		                      &s->role,
		                      &s->check,
		                      &s->check_note,
		                      &s->note};
		const char *value = NULL, *value_high = NULL;
		for (int i = 0; source_cols[i] && !rc; i++) {
			const char *v = field(c, &rec, &cols, i, file, e, &rc);
			if (i == 6)
				value = v;
			else if (i == 7)
				value_high = v;
			else
				*dst[i] = v;
		}
		if (rc)
			break;
		c->nsrc++;
		int row = rec.row;
		if (!id_ok(s->id)) {
			rc = fail(e, file, row, "id",
			          "an id is letters, digits, '.', '_' or '-' (got \"%s\")", s->id);
			break;
		}
		for (size_t j = 0; j + 1 < c->nsrc; j++)
			if (strcmp(c->src[j].id, s->id) == 0) {
				rc = fail(e, file, row, "id", "\"%s\" is already used on row %d",
				          s->id, c->src[j].row);
				break;
			}
		if (rc)
			break;
		if (!*s->publisher) {
			rc = fail(e, file, row, "publisher", "empty");
			break;
		}
		if (!*s->title) {
			rc = fail(e, file, row, "title", "empty");
			break;
		}
		if (*s->year && !is_year(s->year)) {
			rc = fail(e, file, row, "year",
			          "a year is four digits or empty (got \"%s\")", s->year);
			break;
		}
		if (!campaign_url_valid(s->url)) {
			rc = fail(e, file, row, "url",
			          "not a valid http(s) address (got \"%.200s\")", s->url);
			break;
		}
		if (!in_list(s->role, roles)) {
			rc = fail(e, file, row, "role", "unknown role \"%s\"", s->role);
			break;
		}
		if (!*value) {
			if (strcmp(s->role, "context") != 0) {
				rc = fail(e, file, row, "value",
				          "empty (only a context row may have no figure)");
				break;
			}
		} else if (!campaign_number_parse(value, &s->value)) {
			rc = fail(e, file, row, "value",
			          "not a number (write 21800 or 172.6: digits and one '.', no "
			          "thousands separators; got \"%s\")",
			          value);
			break;
		} else {
			s->has_value = true;
			if (s->value < 0 && strcmp(s->role, "change") != 0) {
				rc = fail(
				    e, file, row, "value",
				    "negative figure %s (only a \"change\" row may be negative)",
				    value);
				break;
			}
		}
		if (*value_high) {
			if (!s->has_value || !campaign_number_parse(value_high, &s->value_high)) {
				rc = fail(e, file, row, "value_high", "not a number (got \"%s\")",
				          value_high);
				break;
			}
			if (s->value_high < s->value) {
				rc = fail(
				    e, file, row, "value_high",
				    "smaller than value (a range is written low in value, high "
				    "in value_high)");
				break;
			}
			s->has_high = true;
		}
		if (!*s->unit) {
			rc = fail(e, file, row, "unit", "empty");
			break;
		}
		if (*s->currency) {
			if (!is_currency_code(s->currency) || !currency_known(c, s->currency)) {
				rc = fail(e, file, row, "currency",
				          "unknown currency \"%s\" (a three-letter code with an "
				          "exchange rate in conversions.csv)",
				          s->currency);
				break;
			}
		} else if (in_list(s->role, money_roles)) {
			rc = fail(e, file, row, "currency", "empty on a row of money (role %s)",
			          s->role);
			break;
		}
		bool area_ok = strcmp(s->area, "world") == 0 || strcmp(s->area, "europe") == 0 ||
		               strcmp(s->area, "eu") == 0 || strcmp(s->area, "region") == 0 ||
		               (strlen(s->area) == 2 && isupper((unsigned char)s->area[0]) &&
		                isupper((unsigned char)s->area[1]));
		if (!area_ok) {
			rc = fail(
			    e, file, row, "area",
			    "world, europe, eu, region or a two-letter country code (got \"%s\")",
			    s->area);
			break;
		}
		if (!in_list(s->check, checks)) {
			rc = fail(e, file, row, "check",
			          "one of page, corroborated, consistent, unverified (got \"%s\")",
			          s->check);
			break;
		}
		if (!*s->check_note) {
			rc = fail(e, file, row, "check_note", "empty: say how the row was checked");
			break;
		}
	}
	csv_rec_free(&rec);
	if (!rc && c->nsrc == 0)
		rc = fail(e, file, 0, NULL, "no rows");
	return rc < 0 ? rc : 0;
}

/* ---- conversions.csv ----------------------------------------------- */

static const char *const conv_cols[] = {
    "id",    "kind", "from",  "to",         "year", "value", "publisher",
    "title", "url",  "check", "check_note", "note", NULL,
};
static const char *const spans[] = {"second", "minute", "hour", "day", "year", NULL};

static int conversions_parse(struct campaign *c, struct campaign_file *f, struct cerr *e)
{
	struct csv cs = {f->text, f->text + f->len, 1};
	struct csv_rec rec = {0};
	struct cols cols = {.names = conv_cols};
	const char *file = f->origin;
	int rc = header_read(&cs, &rec, &cols, file, e);
	size_t cap = 0;
	while (!rc && (rc = csv_next(&cs, &rec, file, e)) == 1) {
		rc = 0;
		if (c->nconv >= 1000) {
			rc = fail(e, file, rec.row, NULL, "more than 1000 rows");
			break;
		}
		if (c->nconv == cap) {
			cap = cap ? cap * 2 : 32;
			struct campaign_conversion *n = realloc(c->conv, cap * sizeof *n);
			if (!n) {
				rc = HL_ENOMEM;
				break;
			}
			c->conv = n;
		}
		struct campaign_conversion *v = &c->conv[c->nconv];
		memset(v, 0, sizeof *v);
		v->row = rec.row;
		const char **dst[] = {&v->id,   &v->kind,  &v->from,       &v->to,
		                      &v->year, NULL,      &v->publisher,  &v->title,
		                      &v->url,  &v->check, &v->check_note, &v->note};
		const char *value = NULL;
		for (int i = 0; conv_cols[i] && !rc; i++) {
			const char *s = field(c, &rec, &cols, i, file, e, &rc);
			if (i == 5)
				value = s;
			else
				*dst[i] = s;
		}
		if (rc)
			break;
		c->nconv++;
		int row = rec.row;
		if (!id_ok(v->id)) {
			rc = fail(e, file, row, "id", "an id is letters, digits, '.', '_' or '-'");
			break;
		}
		if (!campaign_number_parse(value, &v->value) || v->value <= 0) {
			rc = fail(e, file, row, "value", "a positive number is needed (got \"%s\")",
			          value);
			break;
		}
		if (!*v->publisher) {
			rc = fail(e, file, row, "publisher", "empty");
			break;
		}
		if (strcmp(v->check, "definition") != 0 && !in_list(v->check, checks)) {
			rc = fail(e, file, row, "check",
			          "one of page, corroborated, consistent, unverified, definition");
			break;
		}
		if (*v->url ? !campaign_url_valid(v->url) : strcmp(v->check, "definition") != 0) {
			rc = fail(e, file, row, "url",
			          "not a valid http(s) address (got \"%.200s\")", v->url);
			break;
		}
		if (strcmp(v->kind, "fx") == 0) {
			if (!is_currency_code(v->from)) {
				rc = fail(e, file, row, "from", "a three-letter currency code");
				break;
			}
			if (!is_currency_code(v->to) || strcmp(v->to, v->from) == 0) {
				rc = fail(e, file, row, "to", "another three-letter currency code");
				break;
			}
			if (!is_year(v->year)) {
				rc = fail(e, file, row, "year",
				          "the year of the rate (four digits)");
				break;
			}
		} else if (strcmp(v->kind, "inflation") == 0) {
			if (!is_currency_code(v->from) || strcmp(v->from, v->to) != 0) {
				rc = fail(e, file, row, "to", "the same currency code as from");
				break;
			}
			if (!is_year(v->year)) {
				rc = fail(e, file, row, "year", "the data year it applies to");
				break;
			}
		} else if (strcmp(v->kind, "period") == 0) {
			if (!in_list(v->from, spans)) {
				rc =
				    fail(e, file, row, "from", "second, minute, hour, day or year");
				break;
			}
			if (strcmp(v->to, "year") != 0) {
				rc = fail(e, file, row, "to", "periods are counted per year");
				break;
			}
		} else {
			rc = fail(e, file, row, "kind", "fx, inflation or period (got \"%s\")",
			          v->kind);
			break;
		}
	}
	csv_rec_free(&rec);
	if (!rc && !c->nconv)
		rc = fail(e, file, 0, NULL, "no rows");
	return rc < 0 ? rc : 0;
}

/* ---- estimates.csv -------------------------------------------------- */

static const char *const est_cols[] = {
    "scope", "total", "per_victim_low", "per_victim_central", "per_victim_high", "note", NULL,
};

const struct campaign_source *campaign_source_find(const struct campaign *c, const char *id)
{
	for (size_t i = 0; i < c->nsrc; i++)
		if (strcmp(c->src[i].id, id) == 0)
			return &c->src[i];
	return NULL;
}

/* The multiplier a unit's first word stands for. */
static double unit_multiplier(const char *unit)
{
	if (strncmp(unit, "billion", 7) == 0)
		return 1e9;
	if (strncmp(unit, "million", 7) == 0)
		return 1e6;
	if (strncmp(unit, "thousand", 8) == 0)
		return 1e3;
	return 1;
}

static const struct campaign_conversion *conv_find(const struct campaign *c, const char *kind,
                                                   const char *from, const char *to,
                                                   const char *year)
{
	for (size_t i = 0; i < c->nconv; i++) {
		const struct campaign_conversion *v = &c->conv[i];
		if (strcmp(v->kind, kind) == 0 && strcmp(v->from, from) == 0 &&
		    strcmp(v->to, to) == 0 && (!year || strcmp(v->year, year) == 0))
			return v;
	}
	return NULL;
}

static int estimates_parse(struct campaign *c, struct campaign_file *f, struct cerr *e)
{
	struct csv cs = {f->text, f->text + f->len, 1};
	struct csv_rec rec = {0};
	struct cols cols = {.names = est_cols};
	const char *file = f->origin;
	int rc = header_read(&cs, &rec, &cols, file, e);
	size_t cap = 0;
	while (!rc && (rc = csv_next(&cs, &rec, file, e)) == 1) {
		rc = 0;
		if (c->nest >= 16) {
			rc = fail(e, file, rec.row, NULL, "more than 16 scopes");
			break;
		}
		if (c->nest == cap) {
			cap = cap ? cap * 2 : 4;
			struct campaign_estimate *n = realloc(c->est, cap * sizeof *n);
			if (!n) {
				rc = HL_ENOMEM;
				break;
			}
			c->est = n;
		}
		struct campaign_estimate *es = &c->est[c->nest];
		memset(es, 0, sizeof *es);
		const char *v[6];
		for (int i = 0; i < 6 && !rc; i++)
			v[i] = field(c, &rec, &cols, i, file, e, &rc);
		if (rc)
			break;
		c->nest++;
		int row = rec.row;
		es->scope = v[0];
		es->note = v[5];
		if (!*es->scope || strlen(es->scope) > 16 ||
		    strspn(es->scope, "abcdefghijklmnopqrstuvwxyz") != strlen(es->scope) ||
		    strcmp(es->scope, "country") == 0) {
			rc = fail(e, file, row, "scope",
			          "a short lower-case word other than \"country\" (got \"%s\")",
			          es->scope);
			break;
		}
		for (size_t j = 0; j + 1 < c->nest; j++)
			if (strcmp(c->est[j].scope, es->scope) == 0) {
				rc = fail(e, file, row, "scope", "\"%s\" appears twice", es->scope);
				break;
			}
		if (rc)
			break;
		es->total = campaign_source_find(c, v[1]);
		if (!es->total || strcmp(es->total->role, "total_profit") != 0 ||
		    !es->total->has_value || es->total->value <= 0) {
			rc = fail(e, file, row, "total",
			          "\"%s\" is not a row of sources.csv with role total_profit and a "
			          "positive value",
			          v[1]);
			break;
		}
		static const char *const pvcols[] = {"per_victim_low", "per_victim_central",
		                                     "per_victim_high"};
		for (int b = 0; b < 3 && !rc; b++) {
			es->pv[b] = campaign_source_find(c, v[2 + b]);
			if (!es->pv[b] || strcmp(es->pv[b]->role, "per_victim_profit") != 0 ||
			    !es->pv[b]->has_value || es->pv[b]->value <= 0)
				rc = fail(e, file, row, pvcols[b],
				          "\"%s\" is not a row of sources.csv with role "
				          "per_victim_profit and a positive value",
				          v[2 + b]);
			else if (strcmp(es->pv[b]->currency, es->total->currency) != 0)
				rc = fail(e, file, row, pvcols[b],
				          "row %s is in %s, the total in %s: a ratio needs one "
				          "currency",
				          es->pv[b]->id, es->pv[b]->currency, es->total->currency);
		}
		if (rc)
			break;
		if (es->pv[0]->value > es->pv[1]->value || es->pv[1]->value > es->pv[2]->value) {
			rc = fail(e, file, row, "per_victim_central",
			          "low, central and high must not decrease (%g, %g, %g)",
			          es->pv[0]->value, es->pv[1]->value, es->pv[2]->value);
			break;
		}
		char year[5];
		snprintf(year, sizeof year, "%s", es->total->reference_year);
		if (!is_year(year)) {
			rc =
			    fail(e, file, row, "total",
			         "row %s has no data year (its reference_year must start with four "
			         "digits)",
			         es->total->id);
			break;
		}
		es->multiplier = unit_multiplier(es->total->unit);
		const char *from = es->total->currency;
		es->inflation = conv_find(c, "inflation", from, from, year);
		if (!es->inflation) {
			rc = fail(e, file, row, "total",
			          "conversions.csv has no inflation row for %s %s (write one, with "
			          "value 1 when no adjustment is made)",
			          from, year);
			break;
		}
		if (strcmp(from, c->currency) == 0) {
			es->fx = NULL;
			es->fx_factor = 1;
		} else if ((es->fx = conv_find(c, "fx", c->currency, from, year))) {
			es->fx_factor = 1 / es->fx->value; /* 1 cur = value from */
		} else if ((es->fx = conv_find(c, "fx", from, c->currency, year))) {
			es->fx_factor = es->fx->value;
		} else {
			rc = fail(e, file, row, "total",
			          "conversions.csv has no exchange rate between %s and %s for %s",
			          from, c->currency, year);
			break;
		}
		for (int b = 0; b < 3; b++)
			es->yearly[b] = es->total->value * es->multiplier * es->pv[b]->value /
			                es->pv[CAMPAIGN_CENTRAL]->value * es->inflation->value *
			                es->fx_factor;
	}
	csv_rec_free(&rec);
	if (!rc && !c->nest)
		rc = fail(e, file, 0, NULL, "no rows");
	return rc < 0 ? rc : 0;
}

/* ---- FAQ ------------------------------------------------------------ */

static int faq_check(struct campaign_file *f, struct cerr *e)
{
	if (!f->text)
		return fail(e, f->origin[0] ? f->origin : f->name, 0, NULL, "missing");
	if (!utf8_valid(f->text, f->len) || utf8_has_controls(f->text, true))
		return fail(e, f->origin, 0, NULL, "not valid UTF-8 text");
	/* at least one question */
	const char *p = f->text;
	bool q = false;
	while (*p) {
		if (strncmp(p, "## ", 3) == 0)
			q = true;
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	if (!q)
		return fail(e, f->origin, 0, NULL, "no question (a line starting with \"## \")");
	return 0;
}

/* ---- the whole ------------------------------------------------------ */

void campaign_free(struct campaign *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < sizeof c->files / sizeof c->files[0]; i++)
		free(c->files[i].text);
	for (size_t i = 0; i < c->nstrings; i++)
		free(c->strings[i]);
	free(c->strings);
	free(c->src);
	free(c->conv);
	free(c->est);
	free(c);
}

int campaign_load(const char *data_dir, const struct profile *profile, struct campaign **out,
                  char *err, size_t errlen)
{
	struct cerr e = {err, errlen, false};
	if (err && errlen)
		err[0] = '\0';
	*out = NULL;
	struct campaign *c = calloc(1, sizeof *c);
	if (!c)
		return HL_ENOMEM;
	const char *cur = profile ? profile_get(profile, "currency", NULL) : "";
	if (!*cur)
		cur = "EUR";
	int rc = 0;
	if (!is_currency_code(cur))
		rc = fail(&e, "profile", 0, "currency",
		          "a three-letter currency code such as EUR (got \"%s\")", cur);
	snprintf(c->currency, sizeof c->currency, "%s", cur);
	const char *start = profile ? profile_get(profile, "campaign_start", NULL) : "";
	const char *end = profile ? profile_get(profile, "campaign_end", NULL) : "";
	if (!rc && (*start || *end)) {
		if (!campaign_date_valid(start))
			rc = fail(&e, "profile", 0, "campaign_start",
			          "a date written YYYY-MM-DD (got \"%s\")", start);
		else if (!campaign_date_valid(end))
			rc = fail(&e, "profile", 0, "campaign_end",
			          "a date written YYYY-MM-DD (got \"%s\")", end);
		else if (strcmp(start, end) > 0)
			rc = fail(&e, "profile", 0, "campaign_end", "before campaign_start");
	}
	static const char *const names[] = {"sources.csv", "conversions.csv", "estimates.csv",
	                                    "faq.en.md",   "faq.fr.md",       "faq.nl.md",
	                                    "faq.de.md"};
	for (int i = 0; i < 7 && !rc; i++) {
		c->files[i].name = names[i];
		rc = file_load(&c->files[i], data_dir, &e, false);
	}
	/* conversions first: sources name currencies that must have a rate */
	if (!rc)
		rc = conversions_parse(c, &c->files[1], &e);
	if (!rc)
		rc = sources_parse(c, &c->files[0], &e);
	if (!rc)
		rc = estimates_parse(c, &c->files[2], &e);
	if (!rc)
		for (const char *const *s = spans; *s && !rc; s++)
			if (!campaign_period(c, *s))
				rc = fail(&e, c->files[1].origin, 0, "from",
				          "no period row for \"%s\"", *s);
	for (int i = 3; i < 7 && !rc; i++)
		rc = faq_check(&c->files[i], &e);
	if (rc) {
		if (rc == HL_ENOMEM && err && errlen && !e.set)
			snprintf(err, errlen, "campaign data: out of memory");
		campaign_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

const char *campaign_currency(const struct campaign *c)
{
	return c->currency;
}

size_t campaign_sources(const struct campaign *c, const struct campaign_source **out)
{
	*out = c->src;
	return c->nsrc;
}

size_t campaign_conversions(const struct campaign *c, const struct campaign_conversion **out)
{
	*out = c->conv;
	return c->nconv;
}

size_t campaign_estimates(const struct campaign *c, const struct campaign_estimate **out)
{
	*out = c->est;
	return c->nest;
}

const struct campaign_estimate *campaign_estimate(const struct campaign *c, const char *scope)
{
	for (size_t i = 0; scope && i < c->nest; i++)
		if (strcmp(c->est[i].scope, scope) == 0)
			return &c->est[i];
	return NULL;
}

const struct campaign_conversion *campaign_period(const struct campaign *c, const char *span)
{
	if (!span)
		return NULL;
	return conv_find(c, "period", span, "year", NULL);
}

int campaign_amount(const struct campaign *c, const char *scope, const char *span, int bound,
                    double *out)
{
	const struct campaign_estimate *es = campaign_estimate(c, scope);
	const struct campaign_conversion *p = campaign_period(c, span);
	if (!es || !p || bound < 0 || bound > 2)
		return HL_ENOTFOUND;
	*out = es->yearly[bound] / p->value;
	return 0;
}

const char *campaign_faq(const struct campaign *c, const char *lang)
{
	for (int i = 0; faq_langs[i]; i++)
		if (lang && strcmp(lang, faq_langs[i]) == 0)
			return c->files[3 + i].text;
	return NULL;
}

const char *campaign_file(const struct campaign *c, const char *name, size_t *len,
                          const char **origin)
{
	for (int i = 0; i < 3; i++)
		if (name && strcmp(c->files[i].name, name) == 0) {
			if (len)
				*len = c->files[i].len;
			if (origin)
				*origin = c->files[i].origin;
			return c->files[i].text;
		}
	return NULL;
}
