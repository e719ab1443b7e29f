/* urlnorm.c — URL normalisation for items (see urlnorm.h). */
#include "urlnorm.h"

#include <ctype.h>
#include <curl/curl.h>
#include <idn2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"

static bool unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Characters that may stand as they are in a path, query or user part:
 * unreserved, sub-delims, ":", "@", "/", "?" (RFC 3986 pchar and query). */
static bool allowed(unsigned char c, bool userinfo)
{
	return unreserved(c) || (c && strchr(userinfo ? "!$&'()*+,;=" : "!$&'()*+,;=:@/?", c));
}

/* Appends s with its escapes normalised: unreserved characters decoded,
 * other escapes upper-cased, a "%" that starts no escape and every byte
 * that may not stand in a URL encoded. */
static int put_escaped(struct buf *b, const char *s, bool userinfo)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
		if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			unsigned char v = (unsigned char)(hexval(p[1]) * 16 + hexval(p[2]));
			if (unreserved(v)) {
				rc = buf_putc(b, (char)v);
			} else {
				char e[3] = {'%', hex[v >> 4], hex[v & 15]};
				rc = buf_append(b, e, 3);
			}
			p += 2;
		} else if (*p != '%' && allowed(*p, userinfo)) {
			rc = buf_putc(b, (char)*p);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			rc = buf_append(b, e, 3);
		}
	}
	return rc;
}

/* RFC 3986 5.2.4 on an absolute path, in place. */
static void remove_dot_segments(char *path)
{
	char *in = path, *out = path;
	size_t n = strlen(path);
	char *end = path + n;
	/* out never passes in, so one buffer serves both */
	while (in < end) {
		if (strncmp(in, "../", 3) == 0) {
			in += 3;
		} else if (strncmp(in, "./", 2) == 0) {
			in += 2;
		} else if (strncmp(in, "/./", 3) == 0) {
			in += 2;
		} else if (end - in == 2 && strncmp(in, "/.", 2) == 0) {
			in[1] = '/';
			in += 1;
		} else if (strncmp(in, "/../", 4) == 0 || (end - in == 3 && strncmp(in, "/..", 3) == 0)) {
			in += 3;
			if (in == end) {
				in--;
				*in = '/';
			}
			while (out > path && *--out != '/')
				;
		} else if ((end - in == 1 && in[0] == '.') || (end - in == 2 && strncmp(in, "..", 2) == 0)) {
			in = end;
		} else {
			do
				*out++ = *in++;
			while (in < end && *in != '/');
		}
	}
	*out = '\0';
	if (out == path) {
		path[0] = '/';
		path[1] = '\0';
	}
}

/* Checks and lower-cases an ASCII host name into b: labels of letters,
 * digits, "-" and "_", 1 to 63 bytes, 253 at most in all. */
static bool put_ascii_host(struct buf *b, const char *h)
{
	size_t n = strlen(h), label = 0;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
		if (buf_putc(b, (char)tolower(c)))
			return false;
	}
	return label > 0;
}

static bool has_non_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* Length of a scheme-like prefix "abc+d.e-f:" at the start of s, or 0. */
static size_t scheme_len(const char *s)
{
	if (!isalpha((unsigned char)s[0]))
		return 0;
	size_t i = 1;
	while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
		i++;
	return s[i] == ':' ? i : 0;
}

static const char *fail(const char **code, const char *c)
{
	*code = c;
	return NULL;
}

static const char *urlnorm_once(const char *url, const char **code, struct arena *a,
				bool *again)
{
	size_t len = strlen(url);
	if (len > URLNORM_MAX_IN)
		return fail(code, "too_long");
	if (!utf8_valid(url, len))
		return fail(code, "utf8.invalid");
	if (utf8_has_controls(url, false))
		return fail(code, "control_chars");
	const char *full = url;
	size_t sl = scheme_len(url);
	if (sl && strncmp(url + sl, "://", 3) == 0) {
		if (!((sl == 4 && strncasecmp(url, "http", 4) == 0) ||
		      (sl == 5 && strncasecmp(url, "https", 5) == 0)))
			return fail(code, "url.scheme");
	} else if (sl && !isdigit((unsigned char)url[sl + 1])) {
		/* javascript:, data:, mailto:, "http:/x" ... (but not host:port) */
		return fail(code, "url.scheme");
	} else {
		/* people paste "www.example.org/page": read it as http */
		char *p = arena_alloc(a, len + 8);
		if (!p)
			return fail(code, "internal");
		memcpy(p, "http://", 7);
		memcpy(p + 7, url, len + 1);
		full = p;
	}
	CURLU *h = curl_url();
	if (!h)
		return fail(code, "internal");
	char *scheme = NULL, *user = NULL, *pass = NULL, *host = NULL, *port = NULL, *path = NULL,
	     *query = NULL, *zone = NULL;
	const char *result = NULL;
	struct buf b;
	buf_init(&b, URLNORM_MAX_OUT);
	*code = "url.invalid";
	if (curl_url_set(h, CURLUPART_URL, full, CURLU_PATH_AS_IS) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host)
		goto out;
	curl_url_get(h, CURLUPART_USER, &user, 0);
	curl_url_get(h, CURLUPART_PASSWORD, &pass, 0);
	curl_url_get(h, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT);
	curl_url_get(h, CURLUPART_PATH, &path, 0);
	curl_url_get(h, CURLUPART_QUERY, &query, 0);
	curl_url_get(h, CURLUPART_ZONEID, &zone, 0);
	if (zone || (port && strcmp(port, "0") == 0) || strchr(host, '%') || strchr(host, ' '))
		goto out;
	for (char *s = scheme; *s; s++)
		*s = (char)tolower((unsigned char)*s);
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		*code = "url.scheme";
		goto out;
	}
	int rc = buf_puts(&b, scheme) || buf_puts(&b, "://");
	if (user) {
		rc = rc || put_escaped(&b, user, true);
		if (pass)
			rc = rc || buf_putc(&b, ':') || put_escaped(&b, pass, true);
		rc = rc || buf_putc(&b, '@');
	}
	if (rc)
		goto out;
	size_t hl = strlen(host);
	if (host[0] == '[') {
		for (char *s = host; *s; s++)
			*s = (char)tolower((unsigned char)*s);
		if (buf_puts(&b, host))
			goto out;
	} else {
		if (hl > 1 && host[hl - 1] == '.') {
			host[--hl] = '\0'; /* "example.org." is "example.org" */
			*again = true;      /* "0x7f." may now read as an IPv4 number */
		}
		if (has_non_ascii(host)) {
			char *ascii = NULL;
			int irc = idn2_lookup_u8((const uint8_t *)host, (uint8_t **)&ascii,
						 IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
			bool ok = irc == IDN2_OK && ascii && put_ascii_host(&b, ascii);
			idn2_free(ascii);
			if (!ok)
				goto out;
			*again = true; /* the mapping may make a number of it ("²" is "2") */
		} else if (!put_ascii_host(&b, host)) {
			goto out;
		}
		/* a host curl decoded ("0%2e22") or whose dot went may now read
		 * as an IPv4 number: a second pass writes it dotted */
		if (strspn(host, "0123456789abcdefABCDEFxX.") == hl && strchr(full, '%'))
			*again = true;

	}
	if (port && (buf_putc(&b, ':') || buf_puts(&b, port)))
		goto out;
	struct buf pb;
	buf_init(&pb, URLNORM_MAX_OUT);
	rc = (path && path[0] == '/') ? 0 : buf_putc(&pb, '/');
	rc = rc || put_escaped(&pb, path ? path : "", false);
	if (rc) {
		buf_free(&pb);
		goto out;
	}
	char *p = (char *)buf_str(&pb);
	remove_dot_segments(p);
	rc = buf_puts(&b, p);
	buf_free(&pb);
	if (rc)
		goto out;
	if (query && *query && (buf_putc(&b, '?') || put_escaped(&b, query, false)))
		goto out;
	result = arena_strndup(a, buf_str(&b), b.len);
	*code = result ? NULL : "internal";
out:
	if (!result && b.len >= URLNORM_MAX_OUT - 4)
		*code = "too_long";
	buf_free(&b);
	curl_free(scheme);
	curl_free(user);
	curl_free(pass);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(zone);
	curl_url_cleanup(h);
	return result;
}

/* Recent answers, shared by all threads: in a viral spike the same few
 * thousand URLs come back thousands of times, and parsing one with libcurl
 * costs about as much as the rest of checking its report. Four ways per
 * set, chosen by a hash of the input, the oldest entry of a full set
 * replaced (direct-mapped, a quarter of 5,000 URLs shared a slot with
 * another and pushed each other out); inputs longer than URLNORM_CACHE_IN
 * are not kept, so the cache stays under a few MiB. Only URLs that
 * normalise are kept; refusals are rare and cheap. */
#define URLNORM_CACHE_SLOTS 16384 /* a power of two */
#define URLNORM_CACHE_WAYS 4
#define URLNORM_CACHE_SETS (URLNORM_CACHE_SLOTS / URLNORM_CACHE_WAYS)
#define URLNORM_CACHE_LOCKS 64
#define URLNORM_CACHE_IN 256

struct urlnorm_cached {
	uint64_t hash;
	size_t len; /* of in */
	char *in;   /* "in\0out\0", one allocation */
	const char *out;
};

static struct urlnorm_cached urlnorm_cache[URLNORM_CACHE_SLOTS];
static unsigned char urlnorm_cache_next[URLNORM_CACHE_SETS]; /* the way replaced next */
static pthread_mutex_t urlnorm_cache_lock[URLNORM_CACHE_LOCKS] = {
	[0 ... URLNORM_CACHE_LOCKS - 1] = PTHREAD_MUTEX_INITIALIZER};

static uint64_t urlnorm_hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

static size_t urlnorm_cache_set(uint64_t h) { return (size_t)(h & (URLNORM_CACHE_SETS - 1)); }

/* The way of set that holds url, or -1. Under the set's lock. */
static int urlnorm_cache_way(size_t set, const char *url, size_t len, uint64_t h)
{
	const struct urlnorm_cached *c = &urlnorm_cache[set * URLNORM_CACHE_WAYS];
	for (int w = 0; w < URLNORM_CACHE_WAYS; w++)
		if (c[w].in && c[w].hash == h && c[w].len == len && memcmp(c[w].in, url, len) == 0)
			return w;
	return -1;
}

/* The cached answer for url copied into a, or NULL. */
static const char *urlnorm_cache_get(const char *url, size_t len, uint64_t h, struct arena *a,
				     bool *found)
{
	size_t set = urlnorm_cache_set(h);
	pthread_mutex_t *lock = &urlnorm_cache_lock[set % URLNORM_CACHE_LOCKS];
	const char *copy = NULL;
	pthread_mutex_lock(lock);
	int w = urlnorm_cache_way(set, url, len, h);
	*found = w >= 0;
	if (*found)
		copy = arena_strdup(a, urlnorm_cache[set * URLNORM_CACHE_WAYS + (size_t)w].out);
	pthread_mutex_unlock(lock);
	return copy;
}

static void urlnorm_cache_put(const char *url, size_t len, uint64_t h, const char *out)
{
	size_t olen = strlen(out);
	char *in = malloc(len + 1 + olen + 1);
	if (!in)
		return;
	memcpy(in, url, len + 1);
	memcpy(in + len + 1, out, olen + 1);
	size_t set = urlnorm_cache_set(h);
	struct urlnorm_cached *c = &urlnorm_cache[set * URLNORM_CACHE_WAYS];
	pthread_mutex_t *lock = &urlnorm_cache_lock[set % URLNORM_CACHE_LOCKS];
	pthread_mutex_lock(lock);
	/* the same URL put by another thread meanwhile, or a free way, or the
	 * oldest */
	int w = urlnorm_cache_way(set, url, len, h);
	for (int i = 0; w < 0 && i < URLNORM_CACHE_WAYS; i++)
		if (!c[i].in)
			w = i;
	if (w < 0) {
		w = urlnorm_cache_next[set];
		urlnorm_cache_next[set] = (unsigned char)((w + 1) % URLNORM_CACHE_WAYS);
	}
	char *old = c[w].in;
	c[w].hash = h;
	c[w].len = len;
	c[w].in = in;
	c[w].out = in + len + 1;
	pthread_mutex_unlock(lock);
	free(old);
}

const char *urlnorm(const char *url, const char **code, struct arena *a)
{
	size_t len = strlen(url);
	uint64_t h = 0;
	bool cacheable = len <= URLNORM_CACHE_IN;
	if (cacheable) {
		bool found;
		h = urlnorm_hash(url, len);
		const char *n = urlnorm_cache_get(url, len, h, a, &found);
		if (found) {
			*code = n ? NULL : "internal";
			return n;
		}
	}
	bool again = false;
	const char *n = urlnorm_once(url, code, a, &again);
	if (n && again) {
		bool more = false;
		n = urlnorm_once(n, code, a, &more);
	}
	if (n && cacheable)
		urlnorm_cache_put(url, len, h, n);
	return n;
}

const char *urlnorm_host(const char *norm, struct arena *a)
{
	const char *p = strstr(norm, "://");
	if (!p)
		return NULL;
	p += 3;
	const char *end = p + strcspn(p, "/?#");
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		return close ? arena_strndup(a, p + 1, (size_t)(close - p - 1)) : NULL;
	}
	const char *colon = memchr(p, ':', (size_t)(end - p));
	if (colon)
		end = colon;
	return end > p ? arena_strndup(a, p, (size_t)(end - p)) : NULL;
}
