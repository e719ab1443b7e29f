/* ingest.c — an e-mail message into plain values, with GMime (see
 * ingest.h). GMime builds the MIME tree; this file bounds what goes in,
 * walks the tree, decodes each part itself (so a truncated base64 or a bad
 * quoted-printable escape is noticed, not smoothed over), converts
 * charsets with iconv, turns HTML into text and finds URLs. */
#include "ingest.h"

#include <ctype.h>
#include <errno.h>
#include <gmime/gmime.h>
#include <iconv.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "err.h"
#include "utf8.h"

#define WARN_MAX 32

struct walk {
	struct arena *a;
	struct mail_parsed *out;
	struct buf text;
	const char *urls[MAIL_MAX_URLS];
	size_t nurls;
	const char *warn[WARN_MAX];
	size_t nwarn;
	mail_attachment_fn fn;
	void *arg;
	size_t parts;
	bool text_full;
};

static void warn(struct walk *w, const char *code)
{
	for (size_t i = 0; i < w->nwarn; i++)
		if (strcmp(w->warn[i], code) == 0)
			return;
	if (w->nwarn < WARN_MAX)
		w->warn[w->nwarn++] = code;
}

static void gmime_setup(void)
{
	g_mime_init();
}

/* ---- GMime's own warnings -------------------------------------------------- */

static void parser_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer arg)
{
	(void)offset;
	(void)item;
	struct walk *w = arg;
	switch (code) {
	case GMIME_WARN_MALFORMED_MULTIPART:
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
	case GMIME_WARN_PART_WITHOUT_CONTENT:
		warn(w, "boundary");
		break;
	case GMIME_WARN_TRUNCATED_MESSAGE:
		warn(w, "truncated");
		break;
	case GMIME_CRIT_NESTING_OVERFLOW:
		warn(w, "depth");
		break;
	case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
	case GMIME_WARN_UNENCODED_8BIT_HEADER:
		warn(w, "header_encoding");
		break;
	case GMIME_WARN_INVALID_CONTENT_TYPE:
	case GMIME_CRIT_INVALID_HEADER_NAME:
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
	case GMIME_WARN_MALFORMED_MESSAGE:
		warn(w, "malformed");
		break;
	default:
		break; /* duplicated headers and parameters: harmless here */
	}
}

/* ---- header blocks: drop absurd fields before GMime sees them --------------- */

/* Copies raw into out, dropping header fields longer than
 * MAIL_MAX_HEADER_FIELD and those past MAIL_MAX_HEADER_FIELDS in the top
 * header block, and a leading mbox "From " line. Returns the number of
 * fields kept (0: the input has no header field at all). */
static size_t headers_bound(const char *raw, size_t len, struct buf *out, struct walk *w)
{
	const char *p = raw, *end = raw + len;
	if (len > 5 && memcmp(p, "From ", 5) == 0) {
		const char *nl = memchr(p, '\n', len);
		p = nl ? nl + 1 : end;
	}
	size_t kept = 0, fields = 0;
	while (p < end) {
		/* one field: a line and its continuation lines */
		const char *f = p;
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))
			break; /* the blank line: the body follows */
		const char *colon = NULL;
		for (const char *q = p; q < end && *q != '\n'; q++) {
			if (*q == ':') {
				colon = q;
				break;
			}
			if (*q == ' ' || *q == '\t' || (unsigned char)*q < 33 || (unsigned char)*q > 126)
				break;
		}
		if (!colon || colon == p) {
			if (fields == 0)
				return 0; /* not a header: not a message */
			break;    /* GMime takes what follows as the body */
		}
		const char *q = p;
		for (;;) {
			const char *nl = memchr(q, '\n', (size_t)(end - q));
			q = nl ? nl + 1 : end;
			if (q >= end || (*q != ' ' && *q != '\t'))
				break;
		}
		p = q;
		fields++;
		if ((size_t)(p - f) > MAIL_MAX_HEADER_FIELD) {
			warn(w, "header_too_long");
			continue;
		}
		if (kept >= MAIL_MAX_HEADER_FIELDS) {
			warn(w, "headers_too_many");
			continue;
		}
		if (buf_append(out, f, (size_t)(p - f)))
			return 0;
		kept++;
	}
	if (p < end && buf_append(out, p, (size_t)(end - p)))
		return 0;
	return kept;
}

/* ---- decoding ---------------------------------------------------------------- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes base64 leniently: white space skipped, anything else foreign is
 * skipped with a warning, a missing tail is noticed. */
static int decode_base64(const unsigned char *s, size_t n, struct buf *out, struct walk *w)
{
	uint32_t acc = 0;
	int bits = 0, rc = 0;
	size_t count = 0;
	bool pad = false, bad = false;
	for (size_t i = 0; i < n && !rc; i++) {
		unsigned char c = s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad = true;
			continue;
		}
		int v = b64_value(c);
		if (v < 0 || pad) {
			bad = true;
			if (v < 0)
				continue;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		count++;
		if (bits >= 8) {
			bits -= 8;
			rc = buf_putc(out, (char)((acc >> bits) & 0xFF));
		}
	}
	if (count % 4 == 1 || (count % 4 && !pad))
		warn(w, "base64");
	if (bad)
		warn(w, "base64");
	return rc;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int decode_qp(const unsigned char *s, size_t n, struct buf *out, struct walk *w)
{
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		if (s[i] != '=') {
			rc = buf_putc(out, (char)s[i]);
			continue;
		}
		if (i + 1 < n && s[i + 1] == '\n') {
			i++;
			continue;
		}
		if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
			continue;
		}
		/* soft break with trailing white space */
		size_t k = i + 1;
		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (k < n && s[k] == '\n' && k > i + 1) {
			i = k;
			continue;
		}
		int hi = i + 1 < n ? hexval(s[i + 1]) : -1, lo = i + 2 < n ? hexval(s[i + 2]) : -1;
		if (hi < 0 || lo < 0) {
			warn(w, "quoted_printable");
			rc = buf_putc(out, '=');
			continue;
		}
		rc = buf_putc(out, (char)(hi * 16 + lo));
		i += 2;
	}
	return rc;
}

/* Reads a part's content, still encoded, then decodes it into out. */
static int part_bytes(GMimePart *part, struct buf *out, struct walk *w)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	if (!dw)
		return 0;
	GMimeStream *s = g_mime_data_wrapper_get_stream(dw);
	if (!s)
		return 0;
	struct buf raw;
	buf_init(&raw, MAIL_MAX_BYTES);
	g_mime_stream_reset(s);
	char chunk[16384];
	ssize_t r;
	int rc = 0;
	while (!rc && (r = g_mime_stream_read(s, chunk, sizeof chunk)) > 0)
		rc = buf_append(&raw, chunk, (size_t)r);
	g_mime_stream_reset(s);
	if (rc) {
		buf_free(&raw);
		return rc;
	}
	const unsigned char *d = (const unsigned char *)buf_str(&raw);
	switch (g_mime_data_wrapper_get_encoding(dw)) {
	case GMIME_CONTENT_ENCODING_BASE64:
		rc = decode_base64(d, raw.len, out, w);
		break;
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
		rc = decode_qp(d, raw.len, out, w);
		break;
	case GMIME_CONTENT_ENCODING_DEFAULT:
	case GMIME_CONTENT_ENCODING_7BIT:
	case GMIME_CONTENT_ENCODING_8BIT:
	case GMIME_CONTENT_ENCODING_BINARY:
		rc = buf_append(out, d, raw.len);
		break;
	default:
		warn(w, "encoding");
		rc = buf_append(out, d, raw.len);
		break;
	}
	buf_free(&raw);
	return rc;
}

/* ---- charsets ----------------------------------------------------------------- */

/* Rewrites out[from..] so it is valid UTF-8 (RFC 3629): a byte that does
 * not start a valid sequence becomes U+FFFD. iconv's UTF-8 is older and
 * lets 5- and 6-byte forms and values past U+10FFFF through. */
static int utf8_scrub(struct buf *out, size_t from)
{
	if (out->len <= from || utf8_valid(out->data + from, out->len - from))
		return 0;
	struct buf clean;
	buf_init(&clean, out->max);
	const unsigned char *p = (const unsigned char *)out->data + from;
	const unsigned char *end = (const unsigned char *)out->data + out->len;
	int rc = 0;
	while (p < end && !rc) {
		size_t n = *p < 0x80 ? 1 : *p >= 0xC2 && *p <= 0xDF ? 2 : *p >= 0xE0 && *p <= 0xEF ? 3
			   : *p >= 0xF0 && *p <= 0xF4 ? 4 : 0;
		if (n && (size_t)(end - p) >= n && utf8_valid((const char *)p, n)) {
			rc = buf_append(&clean, p, n);
			p += n;
		} else {
			rc = buf_puts(&clean, "\xEF\xBF\xBD");
			p++;
		}
	}
	out->len = from;
	if (!rc)
		rc = buf_append(out, buf_str(&clean), clean.len);
	buf_free(&clean);
	return rc;
}

/* Appends s[0..n) converted from charset to UTF-8. ISO-8859-1 and ASCII
 * are read as Windows-1252, as every mail reader does; a byte the
 * charset does not define becomes U+FFFD. */
static int to_utf8(const char *charset, const char *s, size_t n, struct buf *out, struct walk *w)
{
	const char *cs = charset;
	if (!cs || !*cs) {
		if (utf8_valid(s, n))
			return buf_append(out, s, n);
		cs = "WINDOWS-1252";
	} else if (strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0) {
		if (utf8_valid(s, n))
			return buf_append(out, s, n);
	} else if (strcasecmp(cs, "iso-8859-1") == 0 || strcasecmp(cs, "latin1") == 0 ||
		   strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0 ||
		   strcasecmp(cs, "iso8859-1") == 0 || strcasecmp(cs, "iso_8859-1") == 0) {
		cs = "WINDOWS-1252";
	}
	size_t start = out->len;
	iconv_t cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1) {
		warn(w, "charset_unknown");
		if (utf8_valid(s, n))
			return buf_append(out, s, n);
		cd = iconv_open("UTF-8", "WINDOWS-1252");
		if (cd == (iconv_t)-1)
			return HL_ENOMEM;
	}
	char *in = (char *)s;
	size_t left = n;
	int rc = 0;
	char tmp[8192];
	while (left && !rc) {
		char *o = tmp;
		size_t ol = sizeof tmp;
		size_t r = iconv(cd, &in, &left, &o, &ol);
		rc = buf_append(out, tmp, (size_t)(o - tmp));
		if (r == (size_t)-1 && !rc) {
			if (errno == E2BIG)
				continue;
			/* EILSEQ or EINVAL (cut short): one byte becomes U+FFFD */
			warn(w, "charset_invalid");
			rc = buf_puts(out, "\xEF\xBF\xBD");
			in++;
			left--;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	iconv_close(cd);
	return rc ? rc : utf8_scrub(out, start);
}

/* A header value GMime decoded: kept when valid UTF-8, else read as
 * Windows-1252. Control characters (C0, DEL, C1) become spaces. */
static const char *header_utf8(const char *v, size_t max, struct walk *w)
{
	if (!v)
		return NULL;
	size_t n = strlen(v);
	if (n > max)
		n = max;
	struct buf b;
	buf_init(&b, max * 3 + 16);
	if (!utf8_valid(v, n)) {
		/* a cut in the middle of a sequence, or another charset */
		size_t k = n;
		while (k > 0 && k > n - 4 && !utf8_valid(v, k))
			k--;
		if (k > 0 && k > n - 4 && utf8_valid(v, k))
			n = k;
		else {
			warn(w, "header_encoding");
			to_utf8("WINDOWS-1252", v, n, &b, w);
		}
	}
	if (!b.len)
		buf_append(&b, v, n);
	char *s = arena_strndup(w->a, buf_str(&b), b.len);
	buf_free(&b);
	if (!s)
		return NULL;
	for (unsigned char *p = (unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = ' ';
		else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			p[0] = p[1] = ' '; /* a C1 control (U+0080..U+009F) */
	}
	const char *t = s;
	while (*t == ' ')
		t++;
	size_t tl = strlen(t);
	while (tl && t[tl - 1] == ' ')
		tl--;
	return tl ? arena_strndup(w->a, t, tl) : NULL;
}

/* ---- URLs ----------------------------------------------------------------------- */

static void url_add(struct walk *w, const char *u, size_t n)
{
	if (n < 8 || n > 2048)
		return;
	for (size_t i = 0; i < w->nurls; i++)
		if (strlen(w->urls[i]) == n && memcmp(w->urls[i], u, n) == 0)
			return;
	if (w->nurls == MAIL_MAX_URLS) {
		warn(w, "urls_too_many");
		return;
	}
	const char *c = arena_strndup(w->a, u, n);
	if (c)
		w->urls[w->nurls++] = c;
}

static bool url_char(unsigned char c)
{
	return c > 32 && c != 127 && c != '<' && c != '>' && c != '"' && c != '`' && c != '{' &&
	       c != '}' && c != '|' && c != '\\' && c != '^';
}

/* One candidate starting at s (scheme or "www."): refangs hxxp and [.],
 * trims trailing punctuation, keeps http(s) only. */
static size_t url_take(struct walk *w, const char *s, const char *end)
{
	const char *e = s;
	while (e < end && url_char((unsigned char)*e)) {
		/* typographic quotes and guillemets end a URL: “ ” ‘ ’ „ « » */
		const unsigned char *u = (const unsigned char *)e;
		if (u[0] == 0xE2 && end - e >= 3 && u[1] == 0x80 &&
		    (u[2] == 0x98 || u[2] == 0x99 || u[2] == 0x9C || u[2] == 0x9D || u[2] == 0x9E))
			break;
		if (u[0] == 0xC2 && end - e >= 2 && (u[1] == 0xAB || u[1] == 0xBB))
			break;
		e++;
	}
	size_t len = (size_t)(e - s), taken = len;
	/* trailing punctuation belongs to the sentence; a ')' only when unbalanced */
	for (;;) {
		if (!len)
			break;
		char c = s[len - 1];
		if (strchr(".,;:!?'*", c) || c == ']' || c == '}') {
			if (c == ']' && len >= 3 && memcmp(s + len - 3, "[.]", 3) == 0)
				break;
			len--;
			continue;
		}
		if (c == ')') {
			int open = 0;
			for (size_t i = 0; i < len; i++)
				open += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
			if (open < 0) {
				len--;
				continue;
			}
		}
		break;
	}
	char tmp[2100];
	size_t t = 0;
	size_t i = 0;
	if (len >= 4 && strncasecmp(s, "www.", 4) == 0) {
		memcpy(tmp, "http://", 7);
		t = 7;
	} else if (len >= 4 && strncasecmp(s, "hxxp", 4) == 0) {
		memcpy(tmp, "http", 4);
		t = 4;
		i = 4;
	}
	for (; i < len && t < sizeof tmp - 1; i++) {
		if (s[i] == '[' && i + 2 < len && s[i + 1] == '.' && s[i + 2] == ']') {
			tmp[t++] = '.';
			i += 2;
			continue;
		}
		tmp[t++] = s[i];
	}
	if (i == len && t > 0 && t <= 2048) {
		const char *sep = memchr(tmp, ':', t);
		if (sep && (size_t)(sep - tmp) <= 5 && t > (size_t)(sep - tmp) + 3 &&
		    (size_t)(sep - tmp) >= 4)
			url_add(w, tmp, t);
	}
	return taken ? taken : 1;
}

static void urls_scan(struct walk *w, const char *s, size_t n)
{
	const char *end = s + n;
	for (const char *p = s; p < end;) {
		unsigned char c = (unsigned char)*p;
		bool boundary = p == s || !isalnum((unsigned char)p[-1]);
		size_t left = (size_t)(end - p);
		if (boundary && (c == 'h' || c == 'H') &&
		    ((left > 7 && strncasecmp(p, "http://", 7) == 0) ||
		     (left > 8 && strncasecmp(p, "https://", 8) == 0) ||
		     (left > 7 && strncasecmp(p, "hxxp://", 7) == 0) ||
		     (left > 8 && strncasecmp(p, "hxxps://", 8) == 0))) {
			p += url_take(w, p, end);
			continue;
		}
		if (boundary && (c == 'w' || c == 'W') && left > 5 && strncasecmp(p, "www.", 4) == 0 &&
		    isalnum((unsigned char)p[4])) {
			p += url_take(w, p, end);
			continue;
		}
		p++;
	}
}

static void href_found(void *arg, const char *href, size_t n)
{
	struct walk *w = arg;
	while (n && (*href == ' ' || *href == '\t' || *href == '\n' || *href == '\r'))
		href++, n--;
	if ((n > 7 && strncasecmp(href, "http://", 7) == 0) ||
	    (n > 8 && strncasecmp(href, "https://", 8) == 0))
		urls_scan(w, href, n);
}

/* ---- HTML ------------------------------------------------------------------------ */

static const struct {
	const char *name, *utf8;
} entities[] = {
	{"amp", "&"},       {"lt", "<"},         {"gt", ">"},        {"quot", "\""},
	{"apos", "'"},      {"nbsp", " "},       {"eacute", "é"},    {"egrave", "è"},
	{"ecirc", "ê"},     {"euml", "ë"},       {"agrave", "à"},    {"acirc", "â"},
	{"auml", "ä"},      {"ccedil", "ç"},     {"icirc", "î"},     {"iuml", "ï"},
	{"ocirc", "ô"},     {"ouml", "ö"},       {"ucirc", "û"},     {"uuml", "ü"},
	{"ugrave", "ù"},    {"szlig", "ß"},      {"Eacute", "É"},    {"Auml", "Ä"},
	{"Ouml", "Ö"},      {"Uuml", "Ü"},       {"euro", "€"},      {"laquo", "«"},
	{"raquo", "»"},     {"hellip", "…"},     {"rsquo", "’"},     {"lsquo", "‘"},
	{"ldquo", "“"},     {"rdquo", "”"},      {"ndash", "–"},     {"mdash", "—"},
	{"copy", "©"},      {"shy", ""},         {"oelig", "œ"},     {"ij", "ĳ"},
};

static int put_codepoint(struct buf *b, unsigned long cp)
{
	char u[4];
	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF || (cp < 0x20 && cp != '\t' && cp != '\n'))
		return buf_puts(b, "\xEF\xBF\xBD");
	if (cp < 0x80)
		return buf_putc(b, (char)cp);
	if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		return buf_append(b, u, 2);
	}
	if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		return buf_append(b, u, 3);
	}
	u[0] = (char)(0xF0 | (cp >> 18));
	u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	u[3] = (char)(0x80 | (cp & 0x3F));
	return buf_append(b, u, 4);
}

/* Decodes the entity at s ('&'); returns the bytes used (0: not one). */
static size_t entity(const char *s, const char *end, struct buf *b)
{
	const char *semi = memchr(s, ';', (size_t)(end - s) < 12 ? (size_t)(end - s) : 12);
	if (!semi)
		return 0;
	if (s[1] == '#') {
		unsigned long cp = 0;
		const char *p = s + 2;
		bool hex = p < semi && (*p == 'x' || *p == 'X');
		if (hex)
			p++;
		if (p == semi)
			return 0;
		for (; p < semi; p++) {
			int v = hex ? hexval((unsigned char)*p) : (*p >= '0' && *p <= '9' ? *p - '0' : -1);
			if (v < 0)
				return 0;
			cp = cp * (hex ? 16 : 10) + (unsigned long)v;
			if (cp > 0x10FFFF)
				cp = 0x110000;
		}
		put_codepoint(b, cp);
		return (size_t)(semi - s) + 1;
	}
	for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++) {
		size_t n = strlen(entities[i].name);
		if ((size_t)(semi - s - 1) == n && memcmp(s + 1, entities[i].name, n) == 0) {
			buf_puts(b, entities[i].utf8);
			return n + 2;
		}
	}
	return 0;
}

/* The value of attribute attr in the tag text t[0..n), entity-decoded. */
static bool tag_attr(const char *t, size_t n, const char *attr, struct buf *val)
{
	size_t al = strlen(attr);
	for (size_t i = 0; i + al < n; i++) {
		if (strncasecmp(t + i, attr, al) != 0 || (i && !isspace((unsigned char)t[i - 1])))
			continue;
		size_t k = i + al;
		while (k < n && isspace((unsigned char)t[k]))
			k++;
		if (k >= n || t[k] != '=')
			continue;
		k++;
		while (k < n && isspace((unsigned char)t[k]))
			k++;
		char q = k < n && (t[k] == '"' || t[k] == '\'') ? t[k++] : 0;
		size_t start = k;
		while (k < n && (q ? t[k] != q : !isspace((unsigned char)t[k])))
			k++;
		for (size_t j = start; j < k;) {
			size_t used = t[j] == '&' ? entity(t + j, t + k, val) : 0;
			if (!used)
				buf_putc(val, t[j]), used = 1;
			j += used;
		}
		return true;
	}
	return false;
}

static bool tag_is(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

int mail_html_to_text(const char *html, size_t len, struct buf *out,
		      void (*url)(void *arg, const char *href, size_t n), void *arg)
{
	const char *p = html, *end = html + len;
	bool space = true; /* collapse white space; none at the start */
	int newlines = 2, rc = 0;
	const char *skip_until = NULL; /* "script" or "style" or "head" or "title" */
	while (p < end && !rc) {
		if (*p == '<') {
			if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
				const char *c = NULL;
				for (const char *q = p + 4; q + 2 < end; q++)
					if (q[0] == '-' && q[1] == '-' && q[2] == '>') {
						c = q;
						break;
					}
				p = c ? c + 3 : end;
				continue;
			}
			const char *gt = memchr(p, '>', (size_t)(end - p));
			if (!gt)
				break;
			const char *t = p + 1;
			bool closing = t < gt && *t == '/';
			if (closing)
				t++;
			const char *ne = t;
			while (ne < gt && (isalnum((unsigned char)*ne)))
				ne++;
			size_t nl = (size_t)(ne - t);
			p = gt + 1;
			if (skip_until) {
				if (closing && tag_is(t, nl, skip_until))
					skip_until = NULL;
				continue;
			}
			if (!closing && (tag_is(t, nl, "script") || tag_is(t, nl, "style") ||
					 tag_is(t, nl, "head") || tag_is(t, nl, "title"))) {
				skip_until = tag_is(t, nl, "script")  ? "script"
					     : tag_is(t, nl, "style") ? "style"
					     : tag_is(t, nl, "head")  ? "head"
								      : "title";
				continue;
			}
			if (!closing && tag_is(t, nl, "a") && url) {
				struct buf v;
				buf_init(&v, 4096);
				if (tag_attr(ne, (size_t)(gt - ne), "href", &v))
					url(arg, buf_str(&v), v.len);
				buf_free(&v);
			}
			bool block = tag_is(t, nl, "br") || tag_is(t, nl, "p") || tag_is(t, nl, "div") ||
				     tag_is(t, nl, "tr") || tag_is(t, nl, "li") || tag_is(t, nl, "hr") ||
				     tag_is(t, nl, "blockquote") || tag_is(t, nl, "table") ||
				     (nl == 2 && (t[0] == 'h' || t[0] == 'H') && t[1] >= '1' && t[1] <= '6');
			if (block && newlines < 2 && !(tag_is(t, nl, "br") && newlines > 1)) {
				rc = buf_putc(out, '\n');
				newlines++;
				space = true;
			} else if (tag_is(t, nl, "td") && !space) {
				rc = buf_putc(out, ' ');
				space = true;
			}
			continue;
		}
		if (skip_until) {
			p++;
			continue;
		}
		unsigned char c = (unsigned char)*p;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (!space) {
				rc = buf_putc(out, ' ');
				space = true;
			}
			p++;
			continue;
		}
		size_t used = c == '&' ? entity(p, end, out) : 0;
		if (!used) {
			rc = buf_putc(out, (char)c);
			used = 1;
		}
		p += used;
		space = false;
		newlines = 0;
	}
	return rc;
}

/* ---- text --------------------------------------------------------------------------- */

/* Appends UTF-8 text to the message's text: CR LF as LF, controls but tab
 * and LF dropped, bounded by MAIL_MAX_TEXT. */
static void text_add(struct walk *w, const char *s, size_t n)
{
	if (w->text_full)
		return;
	if (w->text.len && buf_puts(&w->text, "\n\n"))
		goto full;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r') {
			if (i + 1 < n && s[i + 1] == '\n')
				continue;
			c = '\n';
		}
		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			continue;
		/* C1 controls (U+0080..U+009F) are C2 80..C2 9F in UTF-8 */
		if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9F) {
			i++;
			continue;
		}
		if (w->text.len + 4 >= MAIL_MAX_TEXT) {
			/* cut on a character boundary */
			while (w->text.len && ((unsigned char)w->text.data[w->text.len - 1] & 0xC0) == 0x80)
				w->text.len--;
			if (w->text.len && (unsigned char)w->text.data[w->text.len - 1] >= 0xC0)
				w->text.len--;
			w->text.data[w->text.len] = '\0';
			goto full;
		}
		if (buf_putc(&w->text, (char)c))
			goto full;
	}
	return;
full:
	w->text_full = true;
	warn(w, "text_truncated");
}

/* A text part (plain or HTML) into the text, or only its URLs. */
static void text_part(struct walk *w, GMimePart *part, bool html, bool urls_only)
{
	struct buf raw, utf, plain;
	buf_init(&raw, MAIL_MAX_BYTES);
	buf_init(&utf, MAIL_MAX_BYTES);
	buf_init(&plain, MAIL_MAX_BYTES);
	if (part_bytes(part, &raw, w) == 0) {
		size_t n = raw.len > 4 * MAIL_MAX_TEXT ? 4 * MAIL_MAX_TEXT : raw.len;
		const char *cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
		if (to_utf8(cs, buf_str(&raw), n, &utf, w) == 0) {
			if (html) {
				mail_html_to_text(buf_str(&utf), utf.len, &plain, href_found, w);
				if (!urls_only)
					text_add(w, buf_str(&plain), plain.len);
				urls_scan(w, buf_str(&plain), plain.len);
			} else {
				if (!urls_only)
					text_add(w, buf_str(&utf), utf.len);
				urls_scan(w, buf_str(&utf), utf.len);
			}
		}
	}
	buf_free(&raw);
	buf_free(&utf);
	buf_free(&plain);
}

static void attachment_part(struct walk *w, GMimePart *part)
{
	if (w->out->nattachments >= MAIL_MAX_ATTACHMENTS) {
		warn(w, "attachments_too_many");
		return;
	}
	struct buf data;
	buf_init(&data, MAIL_MAX_BYTES);
	if (part_bytes(part, &data, w) == 0) {
		GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
		char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
		const char *name = g_mime_part_get_filename(part);
		const char *n = header_utf8(name, 255, w);
		const char *t = header_utf8(type, 127, w);
		if (t)
			for (char *q = (char *)t; *q; q++)
				*q = (char)tolower((unsigned char)*q);
		w->out->nattachments++;
		if (w->fn && w->fn(w->arg, buf_str(&data), data.len, n, t))
			warn(w, "attachment_unreadable");
		g_free(type);
	}
	buf_free(&data);
}

static bool is_type(GMimeObject *o, const char *type, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	return ct && g_mime_content_type_is_type(ct, type, subtype);
}

static bool is_attachment(GMimeObject *o)
{
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(o);
	if (d && g_mime_content_disposition_is_attachment(d))
		return true;
	return false;
}

static void walk(struct walk *w, GMimeObject *o, int depth);

static void forwarded(struct walk *w, GMimeMessage *m, int depth)
{
	w->out->nforwarded++;
	struct buf h;
	buf_init(&h, 8192);
	buf_puts(&h, "---------- Forwarded message ----------");
	InternetAddressList *from = g_mime_message_get_from(m);
	char *fs = from ? internet_address_list_to_string(from, NULL, FALSE) : NULL;
	const char *f = header_utf8(fs, 400, w);
	if (f)
		buf_printf(&h, "\nFrom: %s", f);
	g_free(fs);
	GDateTime *dt = g_mime_message_get_date(m);
	if (dt) {
		GDateTime *u = g_date_time_to_utc(dt);
		char *s = u ? g_date_time_format(u, "%Y-%m-%d %H:%M UTC") : NULL;
		if (s)
			buf_printf(&h, "\nDate: %s", s);
		g_free(s);
		if (u)
			g_date_time_unref(u);
	}
	const char *subj = header_utf8(g_mime_message_get_subject(m), 400, w);
	if (subj) {
		buf_printf(&h, "\nSubject: %s", subj);
		urls_scan(w, subj, strlen(subj));
	}
	text_add(w, buf_str(&h), h.len);
	buf_free(&h);
	GMimeObject *body = g_mime_message_get_mime_part(m);
	if (body)
		walk(w, body, depth + 1);
}

static void walk(struct walk *w, GMimeObject *o, int depth)
{
	if (depth > MAIL_MAX_DEPTH) {
		warn(w, "depth");
		return;
	}
	if (++w->parts > MAIL_MAX_PARTS) {
		warn(w, "parts_too_many");
		return;
	}
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		if (m)
			forwarded(w, m, depth);
		else
			warn(w, "malformed");
		return;
	}
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);
		if (n <= 0) {
			/* the boundary never matched: what GMime took for the
			 * prologue is the content; keep it as text */
			warn(w, "boundary");
			const char *pro = g_mime_multipart_get_prologue(mp);
			if (pro && *pro) {
				struct buf utf;
				buf_init(&utf, MAIL_MAX_BYTES);
				size_t pl = strlen(pro);
				if (to_utf8(NULL, pro, pl > 4 * MAIL_MAX_TEXT ? 4 * MAIL_MAX_TEXT : pl, &utf,
					    w) == 0) {
					text_add(w, buf_str(&utf), utf.len);
					urls_scan(w, buf_str(&utf), utf.len);
				}
				buf_free(&utf);
			}
			return;
		}
		if (is_type(o, "multipart", "alternative")) {
			/* one text: plain when there is one, else HTML; the
			 * other alternatives still give their URLs */
			int plain = -1, html = -1;
			for (int i = 0; i < n; i++) {
				GMimeObject *c = g_mime_multipart_get_part(mp, i);
				if (!GMIME_IS_PART(c) || is_attachment(c))
					continue;
				if (plain < 0 && is_type(c, "text", "plain"))
					plain = i;
				else if (html < 0 && is_type(c, "text", "html"))
					html = i;
			}
			int chosen = plain >= 0 ? plain : html;
			for (int i = 0; i < n; i++) {
				GMimeObject *c = g_mime_multipart_get_part(mp, i);
				if (i == plain || i == html) {
					if (++w->parts > MAIL_MAX_PARTS) {
						warn(w, "parts_too_many");
						return;
					}
					w->out->nparts++;
					text_part(w, GMIME_PART(c), i == html, i != chosen);
				} else {
					walk(w, c, depth + 1);
				}
			}
			return;
		}
		for (int i = 0; i < n; i++)
			walk(w, g_mime_multipart_get_part(mp, i), depth + 1);
		return;
	}
	if (!GMIME_IS_PART(o))
		return;
	w->out->nparts++;
	GMimePart *part = GMIME_PART(o);
	bool text = is_type(o, "text", "plain") || is_type(o, "text", "html") ||
		    (is_type(o, "text", "*") && !g_mime_part_get_filename(part));
	if (text && !is_attachment(o))
		text_part(w, part, is_type(o, "text", "html"), false);
	else
		attachment_part(w, part);
}

/* ---- language ---------------------------------------------------------------------- */

static const char *guess_language(const char *text)
{
	static const char *const words[4][10] = {
		{"the", "and", "you", "this", "that", "with", "have", "is", "are", "not"},
		{"le", "la", "les", "et", "est", "une", "des", "pas", "vous", "que"},
		{"het", "een", "en", "niet", "ik", "van", "dat", "zijn", "op", "met"},
		{"der", "die", "und", "das", "ist", "nicht", "ich", "ein", "mit", "sie"},
	};
	static const char *const langs[] = {"en", "fr", "nl", "de"};
	int score[4] = {0};
	const char *p = text;
	int seen = 0;
	while (*p && seen < 2000) {
		while (*p && !isalpha((unsigned char)*p))
			p++;
		const char *s = p;
		while (*p && isalpha((unsigned char)*p))
			p++;
		size_t n = (size_t)(p - s);
		if (!n || n > 6)
			continue;
		seen++;
		for (int l = 0; l < 4; l++)
			for (int k = 0; k < 10; k++)
				if (strlen(words[l][k]) == n && strncasecmp(words[l][k], s, n) == 0)
					score[l]++;
	}
	int best = -1, top = 2; /* at least 3 hits to guess */
	for (int l = 0; l < 4; l++)
		if (score[l] > top)
			top = score[l], best = l;
	return best < 0 ? NULL : langs[best];
}

/* ---- the message ---------------------------------------------------------------------- */

bool mail_usable(const struct mail_parsed *m)
{
	for (const char *t = m->text; t && *t; t++)
		if (!isspace((unsigned char)*t))
			return true;
	return (m->subject && *m->subject) || m->nurls || m->nattachments;
}

int mail_parse(const void *raw, size_t len, mail_attachment_fn fn, void *arg,
	       struct mail_parsed *out, struct arena *a)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	memset(out, 0, sizeof *out);
	out->text = "";
	if (len > MAIL_MAX_BYTES)
		return HL_ETOOBIG;
	unsigned char digest[32];
	crypto_hash_sha256(digest, raw, len);
	sodium_bin2hex(out->digest, sizeof out->digest, digest, sizeof digest);
	pthread_once(&once, gmime_setup);
	struct walk w = {.a = a, .out = out, .fn = fn, .arg = arg};
	buf_init(&w.text, MAIL_MAX_TEXT + 16);
	struct buf bounded;
	buf_init(&bounded, MAIL_MAX_BYTES + 1);
	size_t fields = headers_bound(raw, len, &bounded, &w);
	if (!fields) {
		buf_free(&bounded);
		buf_free(&w.text);
		return HL_EINVAL;
	}
	GMimeParserOptions *po = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(po, parser_warning, &w);
	size_t blen = bounded.len;
	GByteArray *ba = g_byte_array_new_take((guint8 *)buf_steal(&bounded), blen);
	GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(ba);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	GMimeMessage *msg = g_mime_parser_construct_message(parser, po);
	int rc = 0;
	if (!msg) {
		rc = HL_EINVAL;
		goto done;
	}
	InternetAddressList *from = g_mime_message_get_from(msg);
	if (!from || internet_address_list_length(from) == 0)
		from = g_mime_message_get_sender(msg);
	InternetAddress *ia = NULL;
	for (int i = 0; from && i < internet_address_list_length(from) && i < 20; i++) {
		InternetAddress *c = internet_address_list_get_address(from, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(c)) {
			ia = c;
			break;
		}
	}
	if (ia) {
		const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
		const char *ad = header_utf8(addr, 254, &w);
		bool ok = ad && strlen(ad) <= 254 && strchr(ad, '@') && !strpbrk(ad, " <>,;\"\\") &&
			  ad[0] != '@' && ad[strlen(ad) - 1] != '@';
		out->from_addr = ok ? ad : NULL;
		out->from_name = header_utf8(internet_address_get_name(ia), 200, &w);
	}
	if (!out->from_addr)
		warn(&w, "from_invalid");
	out->subject = header_utf8(g_mime_message_get_subject(msg), MAIL_MAX_SUBJECT, &w);
	GDateTime *dt = g_mime_message_get_date(msg);
	if (dt) {
		GDateTime *u = g_date_time_to_utc(dt);
		char *s = u ? g_date_time_format(u, "%Y-%m-%dT%H:%M:%SZ") : NULL;
		if (s && strlen(s) == 20)
			out->date = arena_strdup(a, s);
		g_free(s);
		if (u)
			g_date_time_unref(u);
	}
	const char *mid = g_mime_message_get_message_id(msg);
	if (mid && *mid && strlen(mid) <= 900) {
		bool ok = true;
		for (const char *p = mid; *p; p++)
			if ((unsigned char)*p <= 32 || (unsigned char)*p >= 127)
				ok = false;
		out->message_id = ok ? arena_strdup(a, mid) : NULL;
	}
	/* GMime files Content-* headers under the body part, not the message */
	const char *cl = g_mime_object_get_header(GMIME_OBJECT(msg), "Content-Language");
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	if (!cl && top)
		cl = g_mime_object_get_header(top, "Content-Language");
	if (cl) {
		static const char *const ours[] = {"en", "fr", "nl", "de"};
		for (size_t i = 0; i < 4 && !out->language; i++)
			if (strncasecmp(cl, ours[i], 2) == 0 && !isalpha((unsigned char)cl[2]))
				out->language = ours[i];
	}
	if (out->subject)
		urls_scan(&w, out->subject, strlen(out->subject));
	GMimeObject *body = g_mime_message_get_mime_part(msg);
	if (body)
		walk(&w, body, 0);
	out->text = arena_strndup(a, buf_str(&w.text), w.text.len);
	if (!out->text) {
		rc = HL_ENOMEM;
		goto done;
	}
	if (!out->language)
		out->language = guess_language(out->text);
	out->urls = arena_alloc(a, (w.nurls + 1) * sizeof *out->urls);
	out->warnings = arena_alloc(a, (w.nwarn + 1) * sizeof *out->warnings);
	if (!out->urls || !out->warnings) {
		rc = HL_ENOMEM;
		goto done;
	}
	memcpy(out->urls, w.urls, w.nurls * sizeof *w.urls);
	out->nurls = w.nurls;
	memcpy(out->warnings, w.warn, w.nwarn * sizeof *w.warn);
	out->nwarnings = w.nwarn;
done:
	if (msg)
		g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(stream);
	g_mime_parser_options_free(po);
	buf_free(&bounded);
	buf_free(&w.text);
	return rc;
}
