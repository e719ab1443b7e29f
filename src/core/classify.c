/* classify.c — classification schemes (see classify.h). */
#include "classify.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "embedded.h"
#include "err.h"
#include "log.h"

void classify_free(struct classify_scheme *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nfields; i++) {
		struct classify_field *f = &s->fields[i];
		for (size_t k = 0; k < f->nvalues; k++) {
			free(f->values[k].value);
			free(f->values[k].label);
		}
		free(f->values);
		free(f->name);
		free(f->label);
	}
	free(s->fields);
	free(s->scheme);
	free(s->title);
	free(s->source);
	free(s);
}

static char *dup_str(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? strdup(v) : NULL;
}

int classify_parse(const char *json, size_t len, struct classify_scheme **out)
{
	json_error_t err;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
	json_t *fields = root ? json_object_get(root, "fields") : NULL;
	if (!root || !json_is_array(fields) || json_array_size(fields) == 0 ||
	    json_array_size(fields) > 64) {
		json_decref(root);
		return HL_EINVAL;
	}
	struct classify_scheme *s = calloc(1, sizeof *s);
	int rc = s ? 0 : HL_ENOMEM;
	if (!rc) {
		s->scheme = dup_str(root, "scheme");
		s->title = dup_str(root, "title");
		s->source = dup_str(root, "source");
		s->nfields = json_array_size(fields);
		s->fields = calloc(s->nfields, sizeof *s->fields);
		if (!s->scheme || !s->fields)
			rc = HL_EINVAL;
	}
	for (size_t i = 0; !rc && i < s->nfields; i++) {
		json_t *f = json_array_get(fields, i);
		json_t *values = json_object_get(f, "values");
		struct classify_field *cf = &s->fields[i];
		cf->name = dup_str(f, "name");
		cf->label = dup_str(f, "label");
		cf->required = json_is_true(json_object_get(f, "required"));
		if (!cf->name || !cf->label || !json_is_array(values) || json_array_size(values) == 0 ||
		    json_array_size(values) > 256) {
			rc = HL_EINVAL;
			break;
		}
		cf->nvalues = json_array_size(values);
		cf->values = calloc(cf->nvalues, sizeof *cf->values);
		if (!cf->values) {
			rc = HL_ENOMEM;
			break;
		}
		for (size_t k = 0; k < cf->nvalues; k++) {
			json_t *v = json_array_get(values, k);
			cf->values[k].value = dup_str(v, "value");
			cf->values[k].label = dup_str(v, "label");
			if (!cf->values[k].value || !cf->values[k].label)
				rc = HL_EINVAL;
		}
	}
	json_decref(root);
	if (rc) {
		classify_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int classify_load(const char *name, const char *file, struct classify_scheme **out)
{
	if (file && *file) {
		FILE *f = fopen(file, "rb");
		if (!f) {
			log_error("cannot read classification file %s", file);
			return HL_EIO;
		}
		struct buf b;
		buf_init(&b, 1 << 20);
		char chunk[4096];
		size_t n;
		int rc = 0;
		while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
			rc = buf_append(&b, chunk, n);
		fclose(f);
		if (!rc)
			rc = classify_parse(buf_str(&b), b.len, out);
		buf_free(&b);
		if (rc)
			log_error("classification file %s is not a valid scheme", file);
		return rc;
	}
	char path[128];
	snprintf(path, sizeof path, "data/classification/%s.json", name && *name ? name : "inhope");
	const struct embedded_file *e = embedded_find(path);
	if (!e) {
		log_error("no classification scheme called '%s'", name);
		return HL_EINVAL;
	}
	return classify_parse((const char *)e->data, e->len, out);
}

int classify_check(const struct classify_scheme *s, const char *(*get)(void *arg, const char *name),
		   void *arg, const char **json_out, const char **bad_field, struct arena *a)
{
	json_t *o = json_object();
	if (!o)
		return HL_ENOMEM;
	for (size_t i = 0; i < s->nfields; i++) {
		const struct classify_field *f = &s->fields[i];
		const char *v = get(arg, f->name);
		if (!v || !*v) {
			if (f->required) {
				*bad_field = f->name;
				json_decref(o);
				return HL_EINVAL;
			}
			continue;
		}
		bool known = false;
		for (size_t k = 0; k < f->nvalues && !known; k++)
			known = strcmp(f->values[k].value, v) == 0;
		if (!known) {
			*bad_field = f->name;
			json_decref(o);
			return HL_EINVAL;
		}
		json_object_set_new(o, f->name, json_string(v));
	}
	json_object_set_new(o, "scheme", json_string(s->scheme));
	char *js = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!js)
		return HL_ENOMEM;
	*json_out = arena_strdup(a, js);
	free(js);
	return *json_out ? 0 : HL_ENOMEM;
}

const char *classify_label(const struct classify_scheme *s, const char *field, const char *value)
{
	for (size_t i = 0; i < s->nfields; i++) {
		if (strcmp(s->fields[i].name, field))
			continue;
		for (size_t k = 0; k < s->fields[i].nvalues; k++)
			if (value && strcmp(s->fields[i].values[k].value, value) == 0)
				return s->fields[i].values[k].label;
	}
	return NULL;
}
