/* fuzz_hashlist.c — libFuzzer target: hash-list lines (src/match/hashlist.c).
 *
 * The first byte picks the format (and, for CSV, the default algorithm):
 * 'p' pdq, 'm' md5, '1' sha1, '2' sha256, 'c' csv, 'C' csv with default
 * pdq, 'D' csv with default md5; any other byte is taken modulo the
 * choices. The rest is split at '\n' and every line goes, in a buffer of
 * its own exact size (so ASan sees any read past it), through one reader,
 * as banks_import feeds it. Checks what each call may return. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hashlist.h"

static const char *const defaults[] = {NULL, "pdq", "md5", "sha1", "sha256", "bogus"};

static void check_entry(const struct hashlist_reader *r, const struct hashlist_entry *e)
{
	if (!e->algo || hashlist_algo_name(e->algo) != e->algo)
		__builtin_trap();
	if (e->len != hashlist_algo_len(e->algo))
		__builtin_trap();
	static const char *const fmt_algo[] = {"pdq", "md5", "sha1", "sha256"};
	if (r->format != HASHLIST_CSV && strcmp(e->algo, fmt_algo[r->format]) != 0)
		__builtin_trap();
	if (r->format != HASHLIST_CSV && e->meta)
		__builtin_trap();
	if (e->meta) {
		/* an object of strings, none empty (a NUL in a field is written
		 * as \u0000: valid JSON, which jansson reads only when asked) */
		json_t *o = json_loads(e->meta, JSON_ALLOW_NUL, NULL);
		if (!o || !json_is_object(o) || json_object_size(o) == 0)
			__builtin_trap();
		const char *k;
		json_t *v;
		json_object_foreach(o, k, v)
		{
			if (!json_is_string(v) || json_string_length(v) == 0 || !*k)
				__builtin_trap();
		}
		json_decref(o);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum hashlist_format fmt;
	const char *def = NULL;
	switch (data[0]) {
	case 'p': fmt = HASHLIST_PDQ; break;
	case 'm': fmt = HASHLIST_MD5; break;
	case '1': fmt = HASHLIST_SHA1; break;
	case '2': fmt = HASHLIST_SHA256; break;
	case 'c': fmt = HASHLIST_CSV; break;
	case 'C':
		fmt = HASHLIST_CSV;
		def = "pdq";
		break;
	case 'D':
		fmt = HASHLIST_CSV;
		def = "md5";
		break;
	default: fmt = (enum hashlist_format)(data[0] % 5); def = defaults[(data[0] / 5) % 6];
	}
	struct hashlist_reader r;
	hashlist_reader_init(&r, fmt, def);
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	int no_hash_column = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* sometimes with its newline, as fgets gives it */
		size_t give = nl && (len & 1) ? len + 1 : len;
		char *line = malloc(give ? give : 1);
		if (!line)
			break;
		memcpy(line, p, give);
		struct hashlist_entry e;
		const char *code = NULL;
		int rc = hashlist_read_line(&r, line, give, &e, &code);
		if (rc == 1) {
			if (code || no_hash_column)
				__builtin_trap();
			check_entry(&r, &e);
		} else if (rc == 0) {
			if (code || e.meta || e.algo)
				__builtin_trap();
		} else if (rc == HL_EINVAL) {
			if (!code || e.meta)
				__builtin_trap();
			if (strcmp(code, "csv.no_hash_column") == 0)
				no_hash_column = 1;
		} else if (rc != HL_ENOMEM) {
			__builtin_trap();
		}
		free(e.meta);
		free(line);
		p += len + 1;
	}
	hashlist_reader_free(&r);

	/* the helpers on the raw bytes */
	uint8_t out[32];
	size_t n = size - 1 > 64 ? 64 : size - 1;
	if (hashlist_hex_decode((const char *)data + 1, n, out, n / 2) == 0 && (n & 1))
		__builtin_trap();
	char name[16];
	size_t k = size - 1 < sizeof name - 1 ? size - 1 : sizeof name - 1;
	memcpy(name, data + 1, k);
	name[k] = '\0';
	const char *an = hashlist_algo_name(name);
	if (an && !hashlist_algo_len(an))
		__builtin_trap();
	enum hashlist_format f2;
	if (hashlist_format_parse(name, &f2) == 0 && (int)f2 > HASHLIST_CSV)
		__builtin_trap();
	return 0;
}
