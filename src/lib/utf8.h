/* utf8.h — UTF-8 checks for untrusted text. Includes no application header. */
#ifndef HL_UTF8_H
#define HL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF). */
bool utf8_valid(const char *s, size_t n);
/* Number of code points in the valid UTF-8 string s. */
size_t utf8_length(const char *s);
/* True when s holds a C0 control character, DEL or a C1 control
 * (U+0080..U+009F). When allow_newlines, tab, LF and CR are allowed. */
bool utf8_has_controls(const char *s, bool allow_newlines);

#endif
