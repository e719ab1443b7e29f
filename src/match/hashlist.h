/* hashlist.h — the formats hash lists come in, one line at a time.
 *
 * Line formats ("pdq", "md5", "sha1", "sha256"): one hash in hex a line,
 * either case; anything after the hash that is separated by a comma, a tab
 * or spaces is ignored (so the reference PDQ tool's "hash,quality,file"
 * and md5sum/sha256sum output both read as they are). Empty lines and
 * lines starting with '#' are skipped.
 *
 * "csv": RFC 4180 fields (quotes, doubled quotes; one record a line). The
 * first record is a header naming the columns. The hash is in a column
 * named "pdq", "md5", "sha1" or "sha256" (the algorithm is the name), or
 * in a column "hash" with the algorithm in a column "algo" (or "type"), or
 * given by the caller's default algorithm. Every other column is kept as
 * metadata (a JSON object of header name -> value, empty values left out).
 *
 * Nothing here allocates except the metadata text; a reader holds only
 * the header. */
#ifndef HL_HASHLIST_H
#define HL_HASHLIST_H

#include <stddef.h>
#include <stdint.h>

#define HASHLIST_MAX_LINE 65536 /* longer lines are refused (line.too_long) */
#define HASHLIST_MAX_COLUMNS 64

enum hashlist_format { HASHLIST_PDQ, HASHLIST_MD5, HASHLIST_SHA1, HASHLIST_SHA256, HASHLIST_CSV };

/* The format named name ("pdq", "md5", "sha1", "sha256", "csv"): 0, or
 * HL_EINVAL. */
int hashlist_format_parse(const char *name, enum hashlist_format *out);

struct hashlist_reader {
	enum hashlist_format format;
	const char *default_algo; /* csv with a "hash" column and no "algo": may be NULL */
	/* private */
	int header_done;
	int ncols, hash_col, algo_col;
	const char *col_algo; /* the algorithm a named hash column gives */
	char *names[HASHLIST_MAX_COLUMNS];
};

struct hashlist_entry {
	const char *algo; /* static: "pdq", "md5", "sha1", "sha256" */
	uint8_t hash[32];
	size_t len;
	char *meta; /* malloc'd JSON object text, or NULL; the caller frees it */
};

/* Sets up a reader (default_algo may be NULL). */
void hashlist_reader_init(struct hashlist_reader *r, enum hashlist_format format,
			  const char *default_algo);
void hashlist_reader_free(struct hashlist_reader *r);

/* Reads one line (len bytes, no newline needed; a trailing CR or LF is
 * ignored). Returns 1 with *out filled, 0 for a line that holds no entry
 * (blank, comment, the CSV header), or HL_EINVAL with *code a message key:
 * "hash.invalid" (not hex of the right length), "algo.invalid",
 * "csv.quote" (a broken quoted field), "csv.columns" (too many columns),
 * "csv.no_hash_column" (the header names no hash column: every later line
 * fails the same way), "line.too_long", "utf8.invalid"; or HL_ENOMEM. */
int hashlist_read_line(struct hashlist_reader *r, const char *line, size_t len,
		       struct hashlist_entry *out, const char **code);

/* Decodes 2*len hex digits of s into out. 0 or HL_EINVAL. */
int hashlist_hex_decode(const char *s, size_t slen, uint8_t *out, size_t len);
/* The byte length of algo's hashes (32, 16, 20, 32) or 0 for unknown. */
size_t hashlist_algo_len(const char *algo);
/* The static name for algo, or NULL when unknown. */
const char *hashlist_algo_name(const char *algo);

#endif
