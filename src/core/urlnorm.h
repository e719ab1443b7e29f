/* urlnorm.h — one spelling for every URL, so many reports of one page make
 * one item.
 *
 * The URL is parsed with libcurl's URL API and rebuilt with RFC 3986's
 * normalisations: scheme and host lower-cased; internationalised host
 * names in punycode (libidn2, IDNA 2008 with the UTS 46 mapping); a
 * trailing dot on the host dropped; IPv4 numbers in dotted decimal and
 * IPv6 literals compressed (libcurl); the default port dropped;
 * percent-encoded unreserved characters decoded and every other escape
 * upper-cased, bytes that may not stand in a URL (non-ASCII, space, "<"
 * ...) percent-encoded; dot segments resolved after the decoding (so
 * "%2e%2e" is ".."); an empty path made "/"; the fragment and an empty
 * query dropped; the query and the user information otherwise kept.
 * A URL without a scheme ("www.example.org/page") is read as http. */
#ifndef HL_URLNORM_H
#define HL_URLNORM_H

#include <stddef.h>

#include "arena.h"

#define URLNORM_MAX_IN 2048   /* bytes of input accepted */
#define URLNORM_MAX_OUT 8192  /* bytes of output at most (escapes triple a byte) */

/* Normalises url (NUL-terminated, as a reporter typed it, trimmed). Returns
 * the normalised URL allocated in a, or NULL with *code set to a message
 * key suffix: "too_long", "control_chars", "utf8.invalid", "url.scheme"
 * (not http or https), "url.invalid" (does not parse, no host, a bad host
 * name, port 0, an IPv6 zone), or "internal" when out of memory. */
const char *urlnorm(const char *url, const char **code, struct arena *a);

/* The host of a normalised URL (as urlnorm wrote it; IPv6 without the
 * brackets), allocated in a, or NULL when it has none. */
const char *urlnorm_host(const char *norm, struct arena *a);

#endif
