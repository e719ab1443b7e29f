/* report.c — the single validator and normaliser every intake channel
 * uses (see report.h). Returns message keys, never sentences. */
#include "report.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "hashlist.h"
#include "urlnorm.h"
#include "utf8.h"

const char *const report_kinds[] = {"abuse_material", "exploitation", "immediate_danger", NULL};
const char *const report_where_values[] = {"website", "social_media", "messaging", "forum",
					   "file_sharing", "email", "other", NULL};
const char *const report_exploitation_types[] = {"grooming", "sextortion", "prostitution",
						 "trafficking", "other", NULL};
const char *const report_languages[] = {"en", "fr", "nl", "de", NULL};
const char *const report_states[] = {"received", "under_analysis", "forwarded", "closed", NULL};
const char *const report_callers[] = {"child", "parent", "relative", "professional",
				      "third_party", "anonymous", NULL};
const char *const report_urgencies[] = {"low", "normal", "high", "immediate", NULL};
const char *const report_phone_kinds[] = {"abuse_material", "exploitation", "immediate_danger",
					  "needs_triage", NULL};

void field_errors_add(struct field_errors *errs, const char *field, const char *code)
{
	if (errs->n >= (int)(sizeof errs->e / sizeof errs->e[0]))
		return;
	struct field_error *e = &errs->e[errs->n++];
	int w = snprintf(e->field, sizeof e->field, "%s", field);
	if (w < 0 || (size_t)w >= sizeof e->field)
		e->field[sizeof e->field - 1] = '\0';
	e->code = code;
}

const char *field_errors_get(const struct field_errors *errs, const char *field)
{
	for (int i = 0; i < errs->n; i++)
		if (strcmp(errs->e[i].field, field) == 0)
			return errs->e[i].code;
	return NULL;
}

bool report_in_list(const char *const *list, const char *s)
{
	if (!s)
		return false;
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

const char *report_trim(const char *s, struct arena *a)
{
	if (!s)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n == 0)
		return NULL;
	return arena_strndup(a, s, n);
}

int report_split_lines(const char *text, size_t max, const char ***out, size_t *n, struct arena *a)
{
	*out = NULL;
	*n = 0;
	if (!text)
		return 0;
	size_t lines = 1;
	for (const char *p = text; *p; p++)
		if (*p == '\n')
			lines++;
	const char **v = arena_alloc(a, lines * sizeof *v);
	if (!v)
		return HL_ENOMEM;
	size_t k = 0;
	const char *p = text;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *line = arena_strndup(a, p, len);
		if (!line)
			return HL_ENOMEM;
		const char *t = report_trim(line, a);
		if (t) {
			if (k == max)
				return HL_ETOOBIG;
			v[k++] = t;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	*out = v;
	*n = k;
	return 0;
}

/* One spelling per URL (src/core/urlnorm.c), so reports of one page make
 * one item. */
const char *report_url_normalise(const char *url, const char **code, struct arena *a)
{
	if (strlen(url) > REPORT_MAX_URL_BYTES) {
		*code = "too_long";
		return NULL;
	}
	return urlnorm(url, code, a);
}

/* Checks one optional free-text field; text may hold newlines and tabs. */
static void check_text(const char *v, const char *field, size_t max, bool multiline,
		       struct field_errors *errs)
{
	if (!v)
		return;
	if (!utf8_valid(v, strlen(v)))
		field_errors_add(errs, field, "utf8.invalid");
	else if (utf8_length(v) > max)
		field_errors_add(errs, field, "too_long");
	else if (utf8_has_controls(v, multiline))
		field_errors_add(errs, field, "control_chars");
}

static bool email_ok(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || at - s > 64)
		return false;
	const char *dom = at + 1;
	const char *dot = strrchr(dom, '.');
	if (!dot || dot == dom || !dot[1])
		return false;
	for (const char *p = s; *p; p++)
		if (*p == ' ' || *p == '<' || *p == '>' || *p == '"' || *p == ',' || *p == ';' ||
		    *p == '\\' || (unsigned char)*p < 0x20)
			return false;
	return true;
}

static bool phone_ok(const char *s)
{
	int digits = 0;
	for (const char *p = s; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (!strchr(" +-()./", *p))
			return false;
	}
	return digits >= 3;
}

static int trim_field(const char **f, struct arena *a)
{
	if (!*f)
		return 0;
	const char *t = report_trim(*f, a);
	if (!t && **f && strspn(*f, " \t\r\n") != strlen(*f))
		return HL_ENOMEM;
	*f = t;
	return 0;
}

/* "YYYY-MM-DDTHH:MM" with an optional ":SS" and "Z": a plausible time. */
static bool report_time_ok(const char *s)
{
	int y, mo, d, h, mi, se = 0;
	char tail[4] = "";
	int n = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%3s", &y, &mo, &d, &h, &mi, &se, tail);
	if (n < 5) {
		n = sscanf(s, "%4d-%2d-%2dT%2d:%2d%3s", &y, &mo, &d, &h, &mi, tail);
		if (n < 5)
			return false;
	}
	size_t len = strlen(s);
	if (len != 16 && len != 17 && len != 19 && len != 20)
		return false;
	return y >= 2000 && y <= 2100 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 &&
	       h <= 23 && mi >= 0 && mi <= 59 && se >= 0 && se <= 59 &&
	       (tail[0] == '\0' || (tail[0] == 'Z' && tail[1] == '\0'));
}

/* Browsers send CR LF in text areas: keep LF only, and read a lone CR as LF. */
void report_newlines_normalise(const char *s)
{
	if (!s || !strchr(s, '\r'))
		return;
	char *w = (char *)s; /* arena copy made by report_trim */
	for (const char *p = s; *p; p++) {
		if (*p == '\r') {
			*w++ = '\n';
			if (p[1] == '\n')
				p++;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
}

int report_validate(struct report *r, struct field_errors *errs, struct arena *a)
{
	const char **fields[] = {&r->kind, &r->where_seen, &r->exploitation_type, &r->description,
				 &r->location, &r->language, &r->contact_name, &r->contact_email,
				 &r->contact_phone};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (trim_field(fields[i], a))
			return HL_ENOMEM;

	report_newlines_normalise(r->description);
	report_newlines_normalise(r->location);

	bool phone = r->channel && strcmp(r->channel, "phone") == 0;
	bool email = r->channel && strcmp(r->channel, "email") == 0;
	if (!r->kind)
		field_errors_add(errs, "kind", "required");
	else if (!report_in_list(phone || email ? report_phone_kinds : report_kinds, r->kind))
		field_errors_add(errs, "kind", "invalid");
	if (phone) {
		const char **times[] = {&r->call_started_at, &r->call_ended_at};
		for (int i = 0; i < 2; i++)
			if (trim_field(times[i], a))
				return HL_ENOMEM;
		if (!r->call_started_at)
			field_errors_add(errs, "call_started_at", "required");
		else if (!report_time_ok(r->call_started_at))
			field_errors_add(errs, "call_started_at", "invalid");
		if (r->call_ended_at && !report_time_ok(r->call_ended_at))
			field_errors_add(errs, "call_ended_at", "invalid");
		else if (r->call_ended_at && r->call_started_at &&
			 strcmp(r->call_ended_at, r->call_started_at) < 0)
			field_errors_add(errs, "call_ended_at", "invalid");
		if (!report_in_list(report_callers, r->caller))
			field_errors_add(errs, "caller", r->caller ? "invalid" : "required");
		if (!report_in_list(report_urgencies, r->urgency))
			field_errors_add(errs, "urgency", r->urgency ? "invalid" : "required");
	}

	if (r->where_seen && !report_in_list(report_where_values, r->where_seen))
		field_errors_add(errs, "where", "invalid");
	if (r->exploitation_type && !report_in_list(report_exploitation_types, r->exploitation_type))
		field_errors_add(errs, "exploitation_type", "invalid");
	if (r->language && !report_in_list(report_languages, r->language))
		field_errors_add(errs, "language", "invalid");

	check_text(r->description, "description", REPORT_MAX_TEXT, true, errs);
	check_text(r->location, "location", REPORT_MAX_TEXT, true, errs);
	check_text(r->contact_name, "contact.name", REPORT_MAX_NAME, false, errs);
	check_text(r->contact_email, "contact.email", REPORT_MAX_EMAIL, false, errs);
	check_text(r->contact_phone, "contact.phone", REPORT_MAX_PHONE, false, errs);
	if (r->contact_email && !field_errors_get(errs, "contact.email") && !email_ok(r->contact_email))
		field_errors_add(errs, "contact.email", "email.invalid");
	if (r->contact_phone && !field_errors_get(errs, "contact.phone") && !phone_ok(r->contact_phone))
		field_errors_add(errs, "contact.phone", "phone.invalid");
	if ((r->may_contact || r->contact_given) && !r->contact_name && !r->contact_email &&
	    !r->contact_phone && !field_errors_get(errs, "contact.name") &&
	    !field_errors_get(errs, "contact.email") && !field_errors_get(errs, "contact.phone"))
		field_errors_add(errs, "contact", "required");

	bool is_material = r->kind && strcmp(r->kind, "abuse_material") == 0;
	if (r->subject && trim_field(&r->subject, a))
		return HL_ENOMEM;
	check_text(r->subject, "subject", REPORT_MAX_SUBJECT, false, errs);
	if (r->nattachments > REPORT_MAX_ATTACHMENTS)
		field_errors_add(errs, "attachments", "too_many");
	if (r->nhashes > REPORT_MAX_HASHES)
		field_errors_add(errs, "hashes", "too_many");
	/* an e-mail keeps whatever could be read; a hash or a file is enough */
	bool has_evidence = r->nattachments || r->nhashes;
	if (r->kind && !email && (phone || !is_material) &&
	    report_in_list(report_phone_kinds, r->kind) && !r->description)
		field_errors_add(errs, "description", "required"); /* a call's summary */

	if (r->nurls > REPORT_MAX_URLS) {
		field_errors_add(errs, "urls", "too_many");
	} else {
		size_t kept = 0;
		r->urls_norm = arena_alloc(a, (r->nurls ? r->nurls : 1) * sizeof *r->urls_norm);
		if (!r->urls_norm)
			return HL_ENOMEM;
		for (size_t i = 0; i < r->nurls; i++) {
			char field[32];
			snprintf(field, sizeof field, "urls[%zu]", i);
			const char *u = r->urls[i] ? report_trim(r->urls[i], a) : NULL;
			if (!u) {
				field_errors_add(errs, field, "required");
				continue;
			}
			if (!utf8_valid(u, strlen(u))) {
				field_errors_add(errs, field, "utf8.invalid");
				continue;
			}
			const char *code = NULL;
			const char *norm = report_url_normalise(u, &code, a);
			if (!norm) {
				if (!code)
					return HL_ENOMEM;
				field_errors_add(errs, field, code);
				continue;
			}
			r->urls[kept] = u;
			r->urls_norm[kept] = norm;
			kept++;
		}
		if (is_material && !phone && !email && r->nurls == 0 && !has_evidence)
			field_errors_add(errs, "urls", "required");
	}
	return errs->n ? HL_EINVAL : 0;
}

int report_hash_parse(const char *algo, const char *hex, struct report_hash *h)
{
	const char *name = algo ? hashlist_algo_name(algo) : NULL;
	size_t len = hashlist_algo_len(name);
	/* exact names only: the API's values are "pdq", "md5", "sha1", "sha256" */
	if (!name || strcmp(name, algo) != 0 || !hex || !h ||
	    hashlist_hex_decode(hex, strlen(hex), h->bytes, len))
		return HL_EINVAL;
	h->algo = name;
	h->len = len;
	return 0;
}
