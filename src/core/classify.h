/* classify.h — classification schemes as data, not code.
 *
 * A scheme is a JSON file: {"scheme", "title", "source", "fields": [{"name",
 * "label", "required", "values": [{"value", "label"}]}]}. Hotline ships
 * data/classification/inhope.json (the default) and uk.json; the profile's
 * "classification" names a shipped scheme, or "classification_file" points
 * at a hotline's own file. */
#ifndef HL_CLASSIFY_H
#define HL_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

struct classify_value {
	char *value, *label;
};

struct classify_field {
	char *name, *label;
	bool required;
	struct classify_value *values;
	size_t nvalues;
};

struct classify_scheme {
	char *scheme, *title, *source;
	struct classify_field *fields;
	size_t nfields;
};

/* Parses a scheme. Returns 0 and *out (free with classify_free), or
 * HL_EINVAL when the JSON or its shape is wrong. */
int classify_parse(const char *json, size_t len, struct classify_scheme **out);
/* The shipped scheme called name ("inhope", "uk"), or a file. */
int classify_load(const char *name, const char *file, struct classify_scheme **out);
void classify_free(struct classify_scheme *s);

/* Checks values given per field (get returns NULL or "" for none) and writes
 * them as a JSON object (arena memory). Returns 0, or HL_EINVAL with
 * *bad_field set to the field that is missing or has a value not in the
 * scheme. */
int classify_check(const struct classify_scheme *s, const char *(*get)(void *arg, const char *name),
		   void *arg, const char **json_out, const char **bad_field, struct arena *a);
/* The label of a field's value, or NULL. */
const char *classify_label(const struct classify_scheme *s, const char *field, const char *value);

#endif
