/* api_reports.c — the public JSON API: file a report, read its status,
 * add information. Each JSON field is checked for its type here; every
 * other rule is the shared validator's (core/report.c). */
#include <sodium.h>

#define API_REPORT_MAX 65536u /* a report without attachments */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "api_json.h"
#include "attachment.h"
#include "hashlist.h"
#include "http.h"
#include "i18n.h"
#include "json_load.h"
#include "utf8.h"

json_t *api_json_object(const char *body, size_t len, const char **code)
{
	/* UTF-8 is checked in the parse (refusing what utf8_valid refuses):
	 * the body is read a second time only to name what was wrong */
	json_error_t jerr;
	json_t *v = json_load_body(body, len, &jerr);
	if (!v) {
		*code = utf8_valid(body, len) ? "json.malformed" : "utf8.invalid";
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		*code = "json.not_object";
		return NULL;
	}
	return v;
}

json_t *req_read_json(struct req *r)
{
	const char *ct = req_header(r, "Content-Type");
	if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
		reply_json_error(r, 415, "content_type.unsupported");
		return NULL;
	}
	const char *code = NULL;
	json_t *v = api_json_object(buf_str(&r->body), r->body.len, &code);
	if (!v)
		reply_json_error(r, 400, code);
	return v;
}

json_t *req_read_json_strings(struct req *r)
{
	json_t *body = req_read_json(r);
	const char *key;
	json_t *val;
	json_object_foreach(body, key, val)
	{
		if (!json_is_string(val) && !json_is_null(val)) {
			struct field_errors errs = {0};
			field_errors_add(&errs, key, "type");
			json_decref(body);
			reply_json_errors(r, 422, &errs);
			return NULL;
		}
	}
	return body;
}

/* The string at key, or NULL; records "type" when present but not a string. */
static const char *get_string(json_t *o, const char *key, const char *path,
			      struct field_errors *errs)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		field_errors_add(errs, path, "type");
		return NULL;
	}
	return json_string_value(v);
}

static bool check_unknown(json_t *o, const char *const *known, const char *prefix,
			  struct field_errors *errs)
{
	const char *key;
	json_t *val;
	bool ok = true;
	json_object_foreach(o, key, val)
	{
		(void)val;
		bool found = false;
		for (const char *const *k = known; *k; k++)
			if (strcmp(*k, key) == 0)
				found = true;
		if (!found) {
			char path[40];
			snprintf(path, sizeof path, "%s%.30s", prefix, key);
			field_errors_add(errs, path, "unknown");
			ok = false;
		}
	}
	return ok;
}

/* Reads "urls" (an array of strings) into arena memory. */
static void get_urls(struct arena *a, json_t *o, const char ***urls, size_t *n,
		     struct field_errors *errs)
{
	*urls = NULL;
	*n = 0;
	json_t *v = json_object_get(o, "urls");
	if (!v || json_is_null(v))
		return;
	if (!json_is_array(v)) {
		field_errors_add(errs, "urls", "type");
		return;
	}
	size_t len = json_array_size(v);
	if (len > REPORT_MAX_URLS) {
		field_errors_add(errs, "urls", "too_many");
		return;
	}
	const char **out = arena_alloc(a, (len + 1) * sizeof *out);
	if (!out)
		return;
	for (size_t i = 0; i < len; i++) {
		json_t *u = json_array_get(v, i);
		if (!json_is_string(u)) {
			char path[32];
			snprintf(path, sizeof path, "urls[%zu]", i);
			field_errors_add(errs, path, "type");
			out[i] = NULL;
			continue;
		}
		out[i] = json_string_value(u);
	}
	*urls = out;
	*n = len;
}

int api_hashes_from_json(json_t *v, const char *field, struct report_hash **out, size_t *n,
			 size_t max, struct field_errors *errs, struct arena *a)
{
	*out = NULL;
	*n = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v)) {
		field_errors_add(errs, field, "type");
		return 0;
	}
	size_t len = json_array_size(v);
	if (len > max) {
		field_errors_add(errs, field, "too_many");
		return 0;
	}
	struct report_hash *h = arena_alloc(a, (len ? len : 1) * sizeof *h);
	if (!h)
		return HL_ENOMEM;
	static const char *const known[] = {"algo", "hash", NULL};
	for (size_t i = 0; i < len; i++) {
		char path[48], p2[64];
		snprintf(path, sizeof path, "%s[%zu]", field, i);
		json_t *o = json_array_get(v, i);
		if (!json_is_object(o)) {
			field_errors_add(errs, path, "type");
			continue;
		}
		snprintf(p2, sizeof p2, "%s.", path);
		check_unknown(o, known, p2, errs);
		snprintf(p2, sizeof p2, "%s.algo", path);
		const char *algo = get_string(o, "algo", p2, errs);
		if (!algo) {
			if (!field_errors_get(errs, p2))
				field_errors_add(errs, p2, "required");
			continue;
		}
		if (!hashlist_algo_name(algo) || strcmp(hashlist_algo_name(algo), algo) != 0) {
			field_errors_add(errs, p2, "algo.invalid");
			continue;
		}
		snprintf(p2, sizeof p2, "%s.hash", path);
		const char *hex = get_string(o, "hash", p2, errs);
		if (!hex) {
			if (!field_errors_get(errs, p2))
				field_errors_add(errs, p2, "required");
			continue;
		}
		if (report_hash_parse(algo, hex, &h[i]))
			field_errors_add(errs, p2, "hash.invalid");
	}
	*out = h;
	*n = len;
	return 0;
}

int api_evidence_from_json(struct hotline *hl, json_t *body, struct report *rep,
			   struct field_errors *errs, struct arena *a)
{
	int rc = api_hashes_from_json(json_object_get(body, "hashes"), "hashes", &rep->hashes,
				      &rep->nhashes, REPORT_MAX_HASHES, errs, a);
	if (rc)
		return rc;
	json_t *v = json_object_get(body, "attachments");
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v)) {
		field_errors_add(errs, "attachments", "type");
		return 0;
	}
	size_t len = json_array_size(v);
	if (len > REPORT_MAX_ATTACHMENTS) {
		field_errors_add(errs, "attachments", "too_many");
		return 0;
	}
	struct report_attachment *f = arena_alloc(a, (len ? len : 1) * sizeof *f);
	if (!f)
		return HL_ENOMEM;
	static const char *const known[] = {"name", "type", "data", NULL};
	for (size_t i = 0; i < len; i++) {
		char path[48], p2[64];
		snprintf(path, sizeof path, "attachments[%zu]", i);
		memset(&f[i], 0, sizeof f[i]);
		json_t *o = json_array_get(v, i);
		if (!json_is_object(o)) {
			field_errors_add(errs, path, "type");
			continue;
		}
		snprintf(p2, sizeof p2, "%s.", path);
		check_unknown(o, known, p2, errs);
		snprintf(p2, sizeof p2, "%s.name", path);
		const char *name = get_string(o, "name", p2, errs);
		snprintf(p2, sizeof p2, "%s.type", path);
		const char *type = get_string(o, "type", p2, errs);
		snprintf(p2, sizeof p2, "%s.data", path);
		const char *b64 = get_string(o, "data", p2, errs);
		if (!b64) {
			if (!field_errors_get(errs, p2))
				field_errors_add(errs, p2, "required");
			continue;
		}
		/* decoded into a buffer of our own, hashed, wiped and freed: the
		 * bytes are never stored */
		size_t b64len = strlen(b64), cap = b64len / 4 * 3 + 3, got = 0;
		unsigned char *bytes = malloc(cap ? cap : 1);
		if (!bytes)
			return HL_ENOMEM;
		if (sodium_base642bin(bytes, cap, b64, b64len, " \r\n", &got, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0) {
			free(bytes);
			field_errors_add(errs, p2, "base64.invalid");
			continue;
		}
		rc = attachment_hash(hl, bytes, got, name, type, &f[i], a);
		sodium_memzero(bytes, got);
		free(bytes);
		if (rc)
			return rc;
	}
	rep->attachments = f;
	rep->nattachments = len;
	return 0;
}

static void created(struct req *r)
{
	if (r->job_rc)
		return reply_json_error(r, 503, "store.unavailable");
	r->no_store = true;
	/* digits, dashes and base32 only: no escaping needed, no JSON library */
	char body[128], loc[64];
	int n = snprintf(body, sizeof body, "{\"number\":\"%s\",\"secret\":\"%s\",\"state\":\"received\"}",
			 r->receipt.number, r->receipt.secret);
	int m = snprintf(loc, sizeof loc, "/api/v1/reports/%s/status", r->receipt.number);
	if (n < 0 || (size_t)n >= sizeof body || m < 0 || (size_t)m >= sizeof loc)
		return reply_json_error(r, 500, "internal");
	reply_created(r, "application/json", body, (size_t)n, loc);
}

int api_report_from_json(struct hotline *hl, json_t *body, struct report *rep,
			 struct field_errors *errs, struct arena *a)
{
	static const char *const known[] = {"kind", "urls", "where", "description",
					    "exploitation_type", "location", "language",
					    "contact", "attachments", "hashes", NULL};
	static const char *const contact_known[] = {"name", "email", "phone", "may_contact", NULL};
	memset(rep, 0, sizeof *rep);
	check_unknown(body, known, "", errs);
	rep->channel = "api";
	rep->kind = get_string(body, "kind", "kind", errs);
	rep->where_seen = get_string(body, "where", "where", errs);
	rep->description = get_string(body, "description", "description", errs);
	rep->exploitation_type = get_string(body, "exploitation_type", "exploitation_type", errs);
	rep->location = get_string(body, "location", "location", errs);
	rep->language = get_string(body, "language", "language", errs);
	get_urls(a, body, &rep->urls, &rep->nurls, errs);
	int rc = api_evidence_from_json(hl, body, rep, errs, a);
	if (rc == HL_ENOMEM)
		return rc;
	json_t *contact = json_object_get(body, "contact");
	if (contact && !json_is_null(contact)) {
		if (!json_is_object(contact)) {
			field_errors_add(errs, "contact", "type");
		} else {
			check_unknown(contact, contact_known, "contact.", errs);
			rep->contact_name = get_string(contact, "name", "contact.name", errs);
			rep->contact_email = get_string(contact, "email", "contact.email", errs);
			rep->contact_phone = get_string(contact, "phone", "contact.phone", errs);
			json_t *mc = json_object_get(contact, "may_contact");
			if (mc && !json_is_boolean(mc) && !json_is_null(mc))
				field_errors_add(errs, "contact.may_contact", "type");
			rep->may_contact = mc && json_is_true(mc);
			rep->contact_given = true;
		}
	}
	if (errs->n)
		return HL_EINVAL;
	/* report_validate copies every string it keeps into the arena, so the
	 * report no longer points into body afterwards */
	return report_validate(rep, errs, a);
}

void api_reports_create(struct req *r)
{
	/* 64 KiB for a report; up to the route's 8 MiB only for one that
	 * carries files (base64 in "attachments") */
	if (r->body.len > API_REPORT_MAX &&
	    !memmem(buf_str(&r->body), r->body.len, "\"attachments\"", 13))
		return reply_json_error(r, 413, "body.too_large");
	json_t *body = req_read_json(r);
	if (!body)
		return;
	struct report *rep = arena_alloc(&r->arena, sizeof *rep);
	if (!rep) {
		json_decref(body);
		return reply_json_error(r, 500, "internal");
	}
	struct field_errors errs = {0};
	int rc = api_report_from_json(r->hl, body, rep, &errs, &r->arena);
	json_decref(body);
	if (rc == HL_ENOMEM)
		return reply_json_error(r, 500, "internal");
	if (errs.n)
		return reply_json_errors(r, 422, &errs);
	r->state = rep;
	req_suspend(r, created);
	if (intake_submit_report(r->hl, rep, &r->arena, &r->receipt, req_resume, r))
		req_resume(r, HL_ENOMEM);
}

/* Looks up {number} with the bearer secret; answers 404/429 itself. */
static bool api_lookup(struct req *r, struct report_view *view)
{
	const char *auth = req_header(r, "Authorization");
	const char *secret = NULL;
	if (auth && strncasecmp(auth, "Bearer ", 7) == 0)
		secret = auth + 7;
	uint64_t client = req_client(r);
	unsigned retry = 0;
	bool blocked = ratelimit_blocked(r->hl->lookups, client, &retry);
	int rc = hotline_lookup(r->hl, r->arg, secret, view, &r->arena);
	if (rc == 0)
		return true;
	if (rc != HL_ENOTFOUND) {
		reply_json_error(r, 503, "store.unavailable");
		return false;
	}
	if (blocked) {
		reply_json_error(r, 429, "rate_limited");
		char s[16];
		snprintf(s, sizeof s, "%u", retry);
		reply_header(r, "Retry-After", s);
		return false;
	}
	ratelimit_fail(r->hl->lookups, client);
	reply_json_error(r, 404, "not_found");
	return false;
}

static void reply_status(struct req *r, unsigned status, const struct report_view *view)
{
	char key[64];
	snprintf(key, sizeof key, "state.%s", view->state);
	r->no_store = true;
	reply_json(r, status,
		   json_pack("{s:s, s:s, s:s, s:o}", "number", view->number, "state", view->state,
			     "state_label", i18n_get(r->lang, key), "message",
			     view->message ? json_string(view->message) : json_null()));
}

void api_reports_status(struct req *r)
{
	struct report_view view;
	if (api_lookup(r, &view))
		reply_status(r, 200, &view);
}

static void addition_created(struct req *r)
{
	if (r->job_rc)
		return reply_json_error(r, 503, "store.unavailable");
	reply_status(r, 201, r->state);
}

void api_reports_add(struct req *r)
{
	struct report_view *view = arena_alloc(&r->arena, sizeof *view);
	if (!view)
		return reply_json_error(r, 500, "internal");
	if (!api_lookup(r, view))
		return;
	json_t *body = req_read_json(r);
	if (!body)
		return;
	static const char *const known[] = {"text", "urls", NULL};
	struct field_errors errs = {0};
	check_unknown(body, known, "", &errs);
	const char *text = report_trim(get_string(body, "text", "text", &errs), &r->arena);
	report_newlines_normalise(text);
	const char **urls;
	size_t n;
	get_urls(&r->arena, body, &urls, &n, &errs);
	const char **norms = arena_alloc(&r->arena, (n + 1) * sizeof *norms);
	const char **kept = arena_alloc(&r->arena, (n + 1) * sizeof *kept);
	if (!norms || !kept) {
		json_decref(body);
		return reply_json_error(r, 500, "internal");
	}
	for (size_t i = 0; i < n && urls[i]; i++) {
		char path[32];
		snprintf(path, sizeof path, "urls[%zu]", i);
		const char *code = NULL;
		kept[i] = report_trim(urls[i], &r->arena);
		norms[i] = kept[i] ? report_url_normalise(kept[i], &code, &r->arena) : NULL;
		if (!norms[i])
			field_errors_add(&errs, path, code ? code : "required");
	}
	if (text && utf8_length(text) > REPORT_MAX_TEXT)
		field_errors_add(&errs, "text", "too_long");
	else if (text && utf8_has_controls(text, true))
		field_errors_add(&errs, "text", "control_chars");
	if (!errs.n && !text && n == 0)
		field_errors_add(&errs, "text", "required");
	json_decref(body);
	if (errs.n)
		return reply_json_errors(r, 422, &errs);
	r->state = view;
	req_suspend(r, addition_created);
	if (intake_submit_addition(r->hl, view->id, text, kept, norms, n, &r->arena, req_resume, r))
		req_resume(r, HL_ENOMEM);
}
