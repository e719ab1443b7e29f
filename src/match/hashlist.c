/* hashlist.c — reading hash-list lines (see hashlist.h). */
#include "hashlist.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "utf8.h"

static const char *const algo_names[] = {"pdq", "md5", "sha1", "sha256"};
static const size_t algo_lens[] = {32, 16, 20, 32};

int hashlist_format_parse(const char *name, enum hashlist_format *out)
{
	static const char *const names[] = {"pdq", "md5", "sha1", "sha256", "csv"};
	for (int i = 0; name && i < 5; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum hashlist_format)i;
			return 0;
		}
	return HL_EINVAL;
}

const char *hashlist_algo_name(const char *algo)
{
	for (int i = 0; algo && i < 4; i++)
		if (strcasecmp(algo, algo_names[i]) == 0)
			return algo_names[i];
	if (algo && (strcasecmp(algo, "sha-1") == 0))
		return "sha1";
	if (algo && (strcasecmp(algo, "sha-256") == 0))
		return "sha256";
	return NULL;
}

size_t hashlist_algo_len(const char *algo)
{
	for (int i = 0; algo && i < 4; i++)
		if (strcmp(algo, algo_names[i]) == 0)
			return algo_lens[i];
	return 0;
}

int hashlist_hex_decode(const char *s, size_t slen, uint8_t *out, size_t len)
{
	if (slen != 2 * len)
		return HL_EINVAL;
	for (size_t i = 0; i < len; i++) {
		int v = 0;
		for (int d = 0; d < 2; d++) {
			char c = s[2 * i + d];
			int x = c >= '0' && c <= '9'   ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
				: c >= 'A' && c <= 'F' ? c - 'A' + 10
						       : -1;
			if (x < 0)
				return HL_EINVAL;
			v = v * 16 + x;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

void hashlist_reader_init(struct hashlist_reader *r, enum hashlist_format format,
			  const char *default_algo)
{
	memset(r, 0, sizeof *r);
	r->format = format;
	r->default_algo = hashlist_algo_name(default_algo);
	r->hash_col = r->algo_col = -1;
}

void hashlist_reader_free(struct hashlist_reader *r)
{
	for (int i = 0; i < r->ncols; i++)
		free(r->names[i]);
	r->ncols = 0;
}

/* Splits a CSV record into fields, unquoting into buf (len+1 bytes).
 * Returns the field count, or -1 (broken quotes), -2 (too many). */
static int csv_split(const char *s, size_t len, char *buf, const char **f, size_t *flen)
{
	int n = 0;
	size_t i = 0;
	char *w = buf;
	for (;;) {
		if (n == HASHLIST_MAX_COLUMNS)
			return -2;
		f[n] = w;
		if (i < len && s[i] == '"') {
			i++;
			for (;;) {
				if (i >= len)
					return -1;
				if (s[i] == '"') {
					if (i + 1 < len && s[i + 1] == '"') {
						*w++ = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				*w++ = s[i++];
			}
			if (i < len && s[i] != ',')
				return -1;
		} else {
			while (i < len && s[i] != ',') {
				if (s[i] == '"')
					return -1;
				*w++ = s[i++];
			}
		}
		flen[n] = (size_t)(w - f[n]);
		*w++ = '\0';
		n++;
		if (i >= len)
			return n;
		i++; /* the comma */
	}
}

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

static int decode(const char *algo, const char *s, size_t slen, struct hashlist_entry *out,
		  const char **code)
{
	size_t n = hashlist_algo_len(algo);
	if (!n) {
		*code = "algo.invalid";
		return HL_EINVAL;
	}
	if (hashlist_hex_decode(s, slen, out->hash, n)) {
		*code = "hash.invalid";
		return HL_EINVAL;
	}
	out->algo = hashlist_algo_name(algo);
	out->len = n;
	return 1;
}

static int read_header(struct hashlist_reader *r, const char **f, const size_t *fl, int n,
		       const char **code)
{
	for (int i = 0; i < n; i++) {
		r->names[i] = strndup(f[i], fl[i]);
		if (!r->names[i]) {
			r->ncols = i;
			return HL_ENOMEM;
		}
		const char *name = r->names[i];
		char *p = r->names[i];
		while (*p == ' ')
			memmove(p, p + 1, strlen(p));
		for (size_t k = strlen(p); k && p[k - 1] == ' '; k--)
			p[k - 1] = '\0';
		if (strcasecmp(name, "hash") == 0 && r->hash_col < 0) {
			r->hash_col = i;
		} else if ((strcasecmp(name, "algo") == 0 || strcasecmp(name, "type") == 0) &&
			   r->algo_col < 0) {
			r->algo_col = i;
		} else if (r->hash_col < 0 && (hashlist_algo_name(name) ||
					       strcasecmp(name, "pdq_hash") == 0)) {
			r->hash_col = i;
			r->col_algo = hashlist_algo_name(name) ? hashlist_algo_name(name) : "pdq";
		}
	}
	r->ncols = n;
	r->header_done = 1;
	if (r->hash_col < 0) {
		*code = "csv.no_hash_column";
		return HL_EINVAL;
	}
	return 0;
}

int hashlist_read_line(struct hashlist_reader *r, const char *line, size_t len,
		       struct hashlist_entry *out, const char **code)
{
	memset(out, 0, sizeof *out);
	*code = NULL;
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len > HASHLIST_MAX_LINE) {
		*code = "line.too_long";
		return HL_EINVAL;
	}
	/* a UTF-8 byte-order mark on the first line */
	if (!r->header_done && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		line += 3;
		len -= 3;
	}
	const char *s = line;
	size_t sl = len;
	trim(&s, &sl);
	if (r->format != HASHLIST_CSV) {
		r->header_done = 1;
		if (!sl || s[0] == '#')
			return 0;
		size_t k = 0;
		while (k < sl && s[k] != ',' && s[k] != ' ' && s[k] != '\t' && s[k] != ';')
			k++;
		return decode(algo_names[r->format], s, k, out, code);
	}
	if (!sl)
		return 0;
	if (!utf8_valid(line, len)) {
		*code = "utf8.invalid";
		return HL_EINVAL;
	}
	char *buf = malloc(len + HASHLIST_MAX_COLUMNS + 1);
	if (!buf)
		return HL_ENOMEM;
	const char *f[HASHLIST_MAX_COLUMNS];
	size_t fl[HASHLIST_MAX_COLUMNS];
	int n = csv_split(line, len, buf, f, fl);
	int rc;
	if (n < 0) {
		*code = n == -1 ? "csv.quote" : "csv.columns";
		rc = HL_EINVAL;
	} else if (!r->header_done) {
		rc = read_header(r, f, fl, n, code);
	} else if (r->hash_col < 0) {
		*code = "csv.no_hash_column";
		rc = HL_EINVAL;
	} else if (n != r->ncols) {
		*code = "csv.columns";
		rc = HL_EINVAL;
	} else {
		const char *algo = r->col_algo;
		char algobuf[16] = "";
		if (!algo && r->algo_col >= 0) {
			const char *a = f[r->algo_col];
			size_t al = fl[r->algo_col];
			trim(&a, &al);
			if (al < sizeof algobuf) {
				memcpy(algobuf, a, al);
				algobuf[al] = '\0';
			}
			algo = hashlist_algo_name(algobuf);
		}
		if (!algo && r->algo_col < 0)
			algo = r->default_algo;
		const char *h = f[r->hash_col];
		size_t hl = fl[r->hash_col];
		trim(&h, &hl);
		rc = algo ? decode(algo, h, hl, out, code) : (*code = "algo.invalid", HL_EINVAL);
		if (rc == 1) {
			json_t *meta = json_object();
			for (int i = 0; meta && i < n; i++) {
				if (i == r->hash_col || i == r->algo_col || !fl[i] || !r->names[i][0])
					continue;
				json_object_set_new(meta, r->names[i], json_stringn(f[i], fl[i]));
			}
			if (meta && json_object_size(meta))
				out->meta = json_dumps(meta, JSON_COMPACT);
			json_decref(meta);
		}
	}
	free(buf);
	return rc;
}
