/* json_load.c — request bodies parsed into jansson values (see json_load.h). */
#include "json_load.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "utf8.h"

/* Deeper bodies are left to jansson (which refuses beyond 2,048). */
#define FAST_DEPTH_MAX 32

struct load {
	json_t *root;
	json_t *stack[FAST_DEPTH_MAX]; /* the open objects and arrays, borrowed */
	int depth;
	char *key; /* the key waiting for its value (yajl's copy may not last) */
	size_t keylen, keycap;
	yajl_handle h;
	size_t end; /* where the body's object ends */
};

/* Puts v where the parser is: the root, the next element of an array, or
 * the value of the waiting key. Takes v's reference; 0 stops the parse. */
static int put(struct load *l, json_t *v)
{
	if (!v)
		return 0;
	if (l->depth == 0) {
		if (l->root || !json_is_object(v)) { /* a scalar or array body: jansson's */
			json_decref(v);
			return 0;
		}
		l->root = v;
		return 1;
	}
	json_t *parent = l->stack[l->depth - 1];
	if (json_is_array(parent))
		return json_array_append_new(parent, v) == 0;
	if (json_object_getn(parent, l->key, l->keylen)) { /* a duplicate key */
		json_decref(v);
		return 0;
	}
	return json_object_setn_new_nocheck(parent, l->key, l->keylen, v) == 0;
}

static int on_null(void *ctx)
{
	return put(ctx, json_null());
}

static int on_boolean(void *ctx, int b)
{
	return put(ctx, json_boolean(b));
}

/* yajl checked the number's grammar; only plain integers of up to 18
 * digits, which cannot overflow, are read here. */
static int on_number(void *ctx, const char *s, size_t n)
{
	size_t i = s[0] == '-';
	if (n - i < 1 || n - i > 18 || (s[i] == '0' && n - i > 1))
		return 0;
	json_int_t v = 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return put(ctx, json_integer(s[0] == '-' ? -v : v));
}

static int on_string(void *ctx, const unsigned char *s, size_t n)
{
	/* the body was checked to be UTF-8, and without \u escapes or control
	 * characters there is no NUL in a string */
	return put(ctx, json_stringn_nocheck((const char *)s, n));
}

static int open_one(struct load *l, json_t *v)
{
	if (l->depth == FAST_DEPTH_MAX) {
		json_decref(v);
		return 0;
	}
	if (!put(l, v)) /* put let go of v */
		return 0;
	l->stack[l->depth++] = v;
	return 1;
}

static int on_start_map(void *ctx)
{
	return open_one(ctx, json_object());
}

static int on_start_array(void *ctx)
{
	return open_one(ctx, json_array()); /* an array body: put leaves it to jansson */
}

static int on_end(void *ctx)
{
	struct load *l = ctx;
	if (--l->depth == 0)
		l->end = yajl_get_bytes_consumed(l->h);
	return 1;
}

static int on_map_key(void *ctx, const unsigned char *k, size_t n)
{
	struct load *l = ctx;
	if (n + 1 > l->keycap) {
		size_t cap = n + 1 > 256 ? n + 1 : 256;
		char *p = realloc(l->key, cap);
		if (!p)
			return 0;
		l->key = p;
		l->keycap = cap;
	}
	memcpy(l->key, k, n);
	l->key[n] = '\0';
	l->keylen = n;
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_end,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end,
};

/* What the fast path leaves to jansson, seen before parsing: a control
 * character other than tab, LF and CR (yajl takes VT and FF for white
 * space; jansson refuses them, as it does any control character in a
 * string), a \u escape (yajl turns a lone surrogate into '?' and \u0000
 * into a NUL), and text that is not UTF-8. */
static bool fast_can_read(const char *buf, size_t len)
{
	static const bool stop[256] = {
		[0x00 ... 0x08] = true, [0x0b ... 0x0c] = true, [0x0e ... 0x1f] = true,
		['\\'] = true, /* tab, LF and CR (9, 10, 13) pass */
	};
	const unsigned char *s = (const unsigned char *)buf;
	for (size_t i = 0; i < len; i++) {
		if (!stop[s[i]])
			continue;
		if (s[i] != '\\' || (i + 1 < len && s[i + 1] == 'u'))
			return false;
	}
	return utf8_valid(buf, len);
}

json_t *json_load_body_fast(const char *buf, size_t len)
{
	if (!buf || !fast_can_read(buf, len))
		return NULL;
	struct load l = {0};
	yajl_handle h = l.h = yajl_alloc(&callbacks, NULL, &l);
	if (!h)
		return NULL;
	/* fast_can_read checked the whole body */
	yajl_config(h, yajl_dont_validate_strings, 1);
	bool ok = yajl_parse(h, (const unsigned char *)buf, len) == yajl_status_ok &&
		  yajl_complete_parse(h) == yajl_status_ok && l.root && l.depth == 0;
	/* yajl takes an unfinished string after the value for one that may
	 * yet end: only white space may follow */
	for (size_t i = l.end; ok && i < len; i++)
		ok = buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r';
	yajl_free(h);
	free(l.key);
	if (!ok) {
		json_decref(l.root); /* with whatever was built under it */
		return NULL;
	}
	return l.root;
}

json_t *json_load_body(const char *buf, size_t len, json_error_t *err)
{
	json_t *v = json_load_body_fast(buf, len);
	if (v)
		return v;
	return json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, err);
}
