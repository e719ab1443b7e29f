/* i18n.h — the site's languages and its message catalogues.
 *
 * Every string a person reads comes from locales/<lang>.po (compiled into
 * the binary); C code only ever names keys. A key missing in a language
 * falls back to English, then to "" (tests check that every key used
 * exists in every catalogue). */
#ifndef HL_I18N_H
#define HL_I18N_H

#include <stdbool.h>

/* Loads the catalogues. Returns 0, or HL_EINVAL (logged) for a broken one. */
int i18n_init(void);
void i18n_free(void);
/* The text of key in lang ("en", "fr", "nl", "de"). Never NULL. */
const char *i18n_get(const char *lang, const char *key);
/* True when key exists in lang's own catalogue (no fallback). */
bool i18n_has(const char *lang, const char *key);
/* The language to use: query (a ?lang= value) when supported, else the
 * best supported match of an Accept-Language header, else "en". */
const char *i18n_pick(const char *query, const char *accept_language);
/* True when lang is one of the supported languages; *canon is then the
 * static string for it. */
bool i18n_supported(const char *lang, const char **canon);

extern const char *const i18n_languages[]; /* NULL-terminated */

#endif
