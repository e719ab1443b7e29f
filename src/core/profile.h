/* profile.h — the organisation's profile: its name, numbers and addresses.
 *
 * These are configuration, not code: a text file of "key = value" lines
 * ('#' starts a comment). A value may be given per language with a
 * suffixed key ("child_helpline.fr = ..."), which wins for that language. */
#ifndef HL_PROFILE_H
#define HL_PROFILE_H

#include <stddef.h>

struct profile;

/* Parses the file at path. Returns 0 and *out, HL_EIO when it cannot be
 * read, or HL_EINVAL with *bad_line set for a line that is not key = value. */
int profile_load(const char *path, struct profile **out, int *bad_line);
/* Parses text[0..len) (the same format). */
int profile_parse(const char *text, size_t len, struct profile **out, int *bad_line);
/* The value of key for lang (lang may be NULL), or "" when not set. */
const char *profile_get(const struct profile *p, const char *key, const char *lang);
void profile_free(struct profile *p);

#endif
