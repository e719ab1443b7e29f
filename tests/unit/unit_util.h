/* unit_util.h — small helpers shared by the unit tests: a fresh temporary
 * folder per test and its removal, and reading or writing whole files. */
#ifndef HL_UNIT_UTIL_H
#define HL_UNIT_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Creates a new folder under /tmp into out (at least 64 bytes); 0 or -1. */
static inline int ut_tmpdir(char *out, size_t size)
{
	int w = snprintf(out, size, "/tmp/hotline-unit-XXXXXX");
	if (w < 0 || (size_t)w >= size)
		return -1;
	return mkdtemp(out) ? 0 : -1;
}

static inline int ut_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything under it. */
static inline void ut_rmtree(const char *dir)
{
	if (dir && strncmp(dir, "/tmp/hotline-unit-", 18) == 0)
		nftw(dir, ut_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes len bytes of data to path with mode; 0 or -1. */
static inline int ut_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int ok = fwrite(data, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	return ok && chmod(path, mode) == 0 ? 0 : -1;
}

/* Reads the whole file at path (malloc'd, NUL-terminated) or NULL. */
static inline char *ut_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0, r;
	char *p = malloc(cap + 1);
	while (p && (r = fread(p + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *q = realloc(p, cap * 2 + 1);
			if (!q) {
				free(p);
				p = NULL;
				break;
			}
			p = q;
			cap *= 2;
		}
	}
	fclose(f);
	if (p) {
		p[n] = '\0';
		if (len)
			*len = n;
	}
	return p;
}

#endif
