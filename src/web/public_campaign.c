/* public_campaign.c — the awareness campaign on the public site: the
 * estimate calculator (/campaign), its methodology, the FAQ, the share
 * card, the raw data files and the optional counter script.
 *
 * Everything works without JavaScript: the span and scope are a GET form.
 * Nothing about the visitor is read or kept: no cookie, no log line; the
 * query parameters only pick among known values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "campaign.h"
#include "campaign_card.h"
#include "embedded.h"
#include "http.h"
#include "i18n.h"
#include "page.h"

static const char *const span_names[] = {"minute", "hour", "day", "year", NULL};
static const char *const bound_names[] = {"low", "central", "high"};

/* ---- numbers ---------------------------------------------------------- */

/* Writes v (already rounded) with decimals digits after the separator,
 * digits grouped in threes, in lang's way. */
static void fmt_grouped(char *out, size_t n, double v, int decimals, const char *lang)
{
	const char *group = ",", *dec = ".";
	if (strcmp(lang, "fr") == 0) {
		group = "\xC2\xA0"; /* no-break space */
		dec = ",";
	} else if (strcmp(lang, "nl") == 0 || strcmp(lang, "de") == 0) {
		group = ".";
		dec = ",";
	}
	char raw[64];
	snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v));
	char *point = strchr(raw, '.');
	size_t intlen = point ? (size_t)(point - raw) : strlen(raw);
	size_t o = 0;
	if (v < 0 && o + 1 < n)
		out[o++] = '-';
	for (size_t i = 0; i < intlen && o + 4 < n; i++) {
		if (i && (intlen - i) % 3 == 0)
			for (const char *g = group; *g && o + 1 < n; g++)
				out[o++] = *g;
		out[o++] = raw[i];
	}
	if (point)
		for (const char *d = dec, *q = point + 1; o + 2 < n;) {
			if (*d)
				out[o++] = *d++;
			else if (*q)
				out[o++] = *q++;
			else
				break;
		}
	out[o] = '\0';
}

/* v to three significant figures, in words for millions and billions:
 * "146 billion", "278,000". Arena memory. */
static const char *fmt_amount_plain(struct req *r, double v)
{
	double scale = 1;
	const char *word = NULL;
	if (v >= 1e9) {
		scale = 1e9;
		word = "campaign.num.billion";
	} else if (v >= 1e6) {
		scale = 1e6;
		word = "campaign.num.million";
	}
	double x = v / scale;
	int digits = x >= 1 ? (int)floor(log10(x)) + 1 : 1;
	int decimals = 0;
	if (word) {
		decimals = digits >= 3 ? 0 : 3 - digits;
		double p = pow(10, decimals);
		x = round(x * p) / p;
	} else if (x >= 100) {
		double p = pow(10, digits - 3);
		x = round(x / p) * p;
	} else {
		decimals = x >= 10 ? 1 : 2;
	}
	char num[64];
	fmt_grouped(num, sizeof num, x, decimals, r->lang);
	if (!word)
		return arena_strdup(&r->arena, num);
	const char *tpl = i18n_get(r->lang, word);
	const char *at = strstr(tpl, "{n}");
	char out[128];
	if (at)
		snprintf(out, sizeof out, "%.*s%s%s", (int)(at - tpl), tpl, num, at + 3);
	else
		snprintf(out, sizeof out, "%s %s", num, tpl);
	return arena_strdup(&r->arena, out);
}

/* The amount with the currency, in lang's order ("EUR 278,000"). */
static const char *fmt_money(struct req *r, double v, const char *currency)
{
	const char *amount = fmt_amount_plain(r, v);
	const char *tpl = i18n_get(r->lang, "campaign.money");
	struct buf b;
	buf_init(&b, 512);
	for (const char *p = tpl; *p; p++) {
		if (strncmp(p, "{amount}", 8) == 0) {
			buf_puts(&b, amount);
			p += 7;
		} else if (strncmp(p, "{currency}", 10) == 0) {
			buf_puts(&b, currency);
			p += 9;
		} else {
			buf_putc(&b, *p);
		}
	}
	const char *s = arena_strdup(&r->arena, buf_str(&b));
	buf_free(&b);
	return s;
}

/* A figure as written in a data file, for the methodology ("21,800"). */
static const char *fmt_figure(struct req *r, double v)
{
	char s[64];
	double frac = v - floor(v);
	int decimals = frac == 0 ? 0 : (fabs(v) < 10 ? 4 : 2);
	if (decimals) {
		/* drop trailing zeros */
		char tmp[64];
		snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
		size_t l = strlen(tmp);
		while (l && tmp[l - 1] == '0')
			tmp[--l] = '\0';
		char *dot = strchr(tmp, '.');
		decimals = dot ? (int)strlen(dot + 1) : 0;
	}
	fmt_grouped(s, sizeof s, v, decimals, r->lang);
	return arena_strdup(&r->arena, s);
}

/* ---- common ------------------------------------------------------------ */

static bool campaign_ready(struct req *r)
{
	if (r->hl->campaign)
		return true;
	reply_html_error(r, 404, "not_found");
	return false;
}

static const char *pick(const char *given, const char *const *allowed, const char *dflt)
{
	for (const char *const *a = allowed; given && *a; a++)
		if (strcmp(given, *a) == 0)
			return *a;
	return dflt;
}

/* The scope asked for: an estimate's scope, "country" when the profile
 * names one, else "world". */
static const char *pick_scope(struct req *r)
{
	const char *q = req_query(r, "scope");
	if (q && strcmp(q, "country") == 0 && *profile_get(r->hl->profile, "country", NULL))
		return "country";
	const struct campaign_estimate *es = campaign_estimate(r->hl->campaign, q);
	if (es)
		return es->scope;
	const struct campaign_estimate *all;
	size_t n = campaign_estimates(r->hl->campaign, &all);
	const struct campaign_estimate *w = campaign_estimate(r->hl->campaign, "world");
	return w ? w->scope : n ? all[0].scope : "world";
}

static struct tpl_vars *campaign_vars(struct req *r, const char *switch_path)
{
	struct tpl_vars *v = arena_alloc(&r->arena, sizeof *v);
	if (!v)
		return NULL;
	memset(v, 0, sizeof *v);
	page_vars(r, v, switch_path);
	static const char *const extra[] = {"country_name", "public_url", "campaign_reason",
	                                    "child_helpline_name", NULL};
	for (const char *const *k = extra; *k; k++)
		tpl_set(v, *k, profile_get(r->hl->profile, *k, r->lang));
	tpl_set(v, "currency", campaign_currency(r->hl->campaign));
	return v;
}

/* An absolute URL on the public site when public_url is configured, else
 * the path alone. */
static const char *site_url(struct req *r, const char *path)
{
	const char *base = profile_get(r->hl->profile, "public_url", NULL);
	if (!*base || !campaign_url_valid(base))
		return arena_strdup(&r->arena, path);
	size_t bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	char out[2200];
	snprintf(out, sizeof out, "%.*s%s", (int)bl, base, path);
	return arena_strdup(&r->arena, out);
}

/* Adds "key=value" to a URL being built for a query (percent-encoded). */
static void url_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			buf_putc(b, (char)*p);
		else
			buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
}

/* The list of source links ("S04.9, S01.3") for a bound, as HTML. */
static void source_links(struct req *r, struct buf *b, const struct campaign_source *const *s,
                         size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_puts(b, ", ");
		buf_puts(b, "<a href=\"/campaign/methodology?lang=");
		buf_puts(b, r->lang);
		buf_puts(b, "#src-");
		buf_put_html(b, s[i]->id);
		buf_puts(b, "\">");
		buf_put_html(b, s[i]->id);
		buf_puts(b, "</a>");
	}
}

/* ---- /campaign --------------------------------------------------------- */

/* The country panel: counted figures (never money) for the profile's
 * country, newest first as they come in the file. */
static const char *country_panel(struct req *r, const char *country)
{
	const struct campaign_source *src;
	size_t n = campaign_sources(r->hl->campaign, &src);
	struct buf b;
	buf_init(&b, 1 << 18);
	int shown = 0;
	for (size_t i = 0; i < n && shown < 12; i++) {
		const struct campaign_source *s = &src[i];
		if (strcmp(s->area, country) != 0 || strcmp(s->role, "count") != 0 ||
		    strcmp(s->check, "unverified") == 0 || !s->has_value)
			continue;
		shown++;
		buf_puts(&b, "<li><strong>");
		buf_put_html(&b, fmt_figure(r, s->value));
		if (s->has_high) {
			buf_puts(&b, "–");
			buf_put_html(&b, fmt_figure(r, s->value_high));
		}
		buf_puts(&b, "</strong> ");
		buf_put_html(&b, s->unit);
		buf_puts(&b, " · ");
		buf_put_html(&b, s->metric);
		buf_puts(&b, " · ");
		buf_put_html(&b, s->reference_year);
		buf_puts(&b, " · ");
		buf_put_html(&b, s->publisher);
		buf_puts(&b, " (");
		const struct campaign_source *one[1] = {s};
		source_links(r, &b, one, 1);
		buf_puts(&b, ")</li>");
	}
	const char *out = shown ? arena_strdup(&r->arena, buf_str(&b)) : NULL;
	buf_free(&b);
	return out;
}

/* Context figures shown beside the estimate: people and reports. */
static void context_vars(struct req *r, struct tpl_vars *v)
{
	static const struct {
		const char *var, *id;
	} ctx[] = {
	    {"ctx_victims", "S04.12"}, {"ctx_children", "S06.3"},   {"ctx_inhope", "S25.1"},
	    {"ctx_iwf", "S22.1"},      {"ctx_commercial", "S22.2"},
	};
	for (size_t i = 0; i < sizeof ctx / sizeof ctx[0]; i++) {
		const struct campaign_source *s = campaign_source_find(r->hl->campaign, ctx[i].id);
		if (!s || !s->has_value)
			continue;
		char name[48];
		snprintf(name, sizeof name, "%s_value", ctx[i].var);
		tpl_set(v, arena_strdup(&r->arena, name), fmt_figure(r, s->value));
		snprintf(name, sizeof name, "%s_year", ctx[i].var);
		tpl_set(v, arena_strdup(&r->arena, name), s->reference_year);
		snprintf(name, sizeof name, "%s_id", ctx[i].var);
		tpl_set(v, arena_strdup(&r->arena, name), s->id);
		tpl_set(v, ctx[i].var, "1");
	}
}

static void share_vars(struct req *r, struct tpl_vars *v, const char *headline)
{
	char path[64];
	snprintf(path, sizeof path, "/campaign?lang=%s", r->lang);
	const char *url = site_url(r, path);
	snprintf(path, sizeof path, "/campaign/share.png?lang=%s", r->lang);
	const char *img = site_url(r, path);
	tpl_set(v, "og_title", i18n_get(r->lang, "campaign.title"));
	tpl_set(v, "og_description", headline);
	tpl_set(v, "og_image", img);
	tpl_set(v, "og_url", url);
	tpl_set(v, "og_image_w", "1200");
	tpl_set(v, "og_image_h", "630");
	struct buf b;
	buf_init(&b, 8192);
	buf_puts(&b, "mailto:?subject=");
	url_encode(&b, i18n_get(r->lang, "campaign.title"));
	buf_puts(&b, "&body=");
	url_encode(&b, headline);
	buf_puts(&b, "%0A%0A");
	url_encode(&b, url);
	tpl_set(v, "share_mail", arena_strdup(&r->arena, buf_str(&b)));
	/* plain links to the big networks: nothing loads from them unless the
	 * visitor clicks; only offered with an absolute address to share */
	if (url[0] != '/') {
		static const struct {
			const char *var, *prefix;
		} nets[] = {
		    {"share_x", "https://x.com/intent/post?url="},
		    {"share_facebook", "https://www.facebook.com/sharer/sharer.php?u="},
		    {"share_linkedin", "https://www.linkedin.com/sharing/share-offsite/?url="},
		    {"share_whatsapp", "https://wa.me/?text="},
		    {"share_bluesky", "https://bsky.app/intent/compose?text="},
		};
		for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
			buf_reset(&b);
			buf_puts(&b, nets[i].prefix);
			url_encode(&b, url);
			tpl_set(v, nets[i].var, arena_strdup(&r->arena, buf_str(&b)));
		}
		tpl_set(v, "share_networks", "1");
	}
	tpl_set(v, "share_url", url);
	buf_free(&b);
}

void public_campaign(struct req *r)
{
	if (!campaign_ready(r))
		return;
	struct campaign *c = r->hl->campaign;
	const char *span = pick(req_query(r, "span"), span_names, "minute");
	const char *scope = pick_scope(r);
	char path[96];
	snprintf(path, sizeof path, "/campaign?span=%s&scope=%s", span, scope);
	struct tpl_vars *v = campaign_vars(r, path);
	if (!v)
		return reply_error(r, 500, "internal");
	tpl_set(v, "title", i18n_get(r->lang, "campaign.title"));
	tpl_set(v, "script", "/static/campaign.js");
	r->allow_script = true;
	tpl_set(v, "span", span);
	tpl_set(v, "scope", scope);
	char key[64];
	snprintf(key, sizeof key, "campaign.span.%s.lead", span);
	tpl_set(v, "span_lead", i18n_get(r->lang, key));

	/* the span and scope choosers */
	struct buf b;
	buf_init(&b, 1 << 16);
	for (const char *const *s = span_names; *s; s++) {
		snprintf(key, sizeof key, "campaign.span.%s", *s);
		buf_printf(&b, "<option value=\"%s\"%s>", *s,
		           strcmp(*s, span) == 0 ? " selected" : "");
		buf_put_html(&b, i18n_get(r->lang, key));
		buf_puts(&b, "</option>");
	}
	tpl_set(v, "span_options", arena_strdup(&r->arena, buf_str(&b)));
	buf_reset(&b);
	const struct campaign_estimate *all;
	size_t ne = campaign_estimates(c, &all);
	for (size_t i = 0; i < ne; i++) {
		snprintf(key, sizeof key, "campaign.scope.%s", all[i].scope);
		buf_printf(&b, "<option value=\"%s\"%s>", all[i].scope,
		           strcmp(all[i].scope, scope) == 0 ? " selected" : "");
		buf_put_html(&b, i18n_has("en", key) ? i18n_get(r->lang, key) : all[i].scope);
		buf_puts(&b, "</option>");
	}
	const char *country = profile_get(r->hl->profile, "country", NULL);
	if (*country) {
		buf_printf(&b, "<option value=\"country\"%s>",
		           strcmp(scope, "country") == 0 ? " selected" : "");
		const char *cn = profile_get(r->hl->profile, "country_name", r->lang);
		buf_put_html(&b, *cn ? cn : country);
		buf_puts(&b, "</option>");
	}
	tpl_set(v, "scope_options", arena_strdup(&r->arena, buf_str(&b)));
	buf_free(&b);

	/* the world's central yearly figure heads the share text */
	const struct campaign_estimate *world = campaign_estimate(c, "world");
	if (!world)
		world = &all[0];
	double per_minute;
	campaign_amount(c, world->scope, "minute", CAMPAIGN_CENTRAL, &per_minute);
	const char *money_min = fmt_money(r, per_minute, campaign_currency(c));
	tpl_set(v, "headline_amount", money_min);
	char headline[512];
	{
		const char *t = i18n_get(r->lang, "campaign.share.text");
		const char *at = strstr(t, "{amount}");
		if (at)
			snprintf(headline, sizeof headline, "%.*s%s%s", (int)(at - t), t, money_min,
			         at + 8);
		else
			snprintf(headline, sizeof headline, "%s", t);
	}
	share_vars(r, v, arena_strdup(&r->arena, headline));

	if (strcmp(scope, "country") == 0) {
		tpl_set(v, "is_country", "1");
		tpl_set(v, "country_list", country_panel(r, country));
	} else {
		const struct campaign_estimate *es = campaign_estimate(c, scope);
		tpl_set(v, "has_estimate", "1");
		snprintf(key, sizeof key, "campaign.scope.%s", es->scope);
		tpl_set(v, "scope_label", i18n_has("en", key) ? i18n_get(r->lang, key) : es->scope);
		tpl_set(v, "total_year", es->total->reference_year);
		for (int bnd = 0; bnd < 3; bnd++) {
			double amount, per_second;
			campaign_amount(c, scope, span, bnd, &amount);
			campaign_amount(c, scope, "second", bnd, &per_second);
			char name[48], num[64];
			snprintf(name, sizeof name, "amount_%s", bound_names[bnd]);
			tpl_set(v, arena_strdup(&r->arena, name),
			        fmt_money(r, amount, campaign_currency(c)));
			snprintf(name, sizeof name, "exact_%s", bound_names[bnd]);
			snprintf(num, sizeof num, "%.6f", amount);
			tpl_set(v, arena_strdup(&r->arena, name), arena_strdup(&r->arena, num));
			snprintf(name, sizeof name, "rate_%s", bound_names[bnd]);
			snprintf(num, sizeof num, "%.6f", per_second);
			tpl_set(v, arena_strdup(&r->arena, name), arena_strdup(&r->arena, num));
			const struct campaign_source *used[2] = {es->total, es->pv[bnd]};
			struct buf sl;
			buf_init(&sl, 4096);
			source_links(r, &sl, used, bnd == CAMPAIGN_CENTRAL ? 1 : 2);
			if (bnd != CAMPAIGN_CENTRAL) {
				const struct campaign_source *c1[1] = {es->pv[CAMPAIGN_CENTRAL]};
				buf_puts(&sl, ", ");
				source_links(r, &sl, c1, 1);
			}
			snprintf(name, sizeof name, "sources_%s", bound_names[bnd]);
			tpl_set(v, arena_strdup(&r->arena, name),
			        arena_strdup(&r->arena, buf_str(&sl)));
			buf_free(&sl);
		}
	}
	context_vars(r, v);
	page_reply(r, 200, "campaign", v);
}

/* ---- /campaign/methodology -------------------------------------------- */

/* The arithmetic of one estimate, every step with its numbers and rows. */
static void method_estimate(struct req *r, struct buf *b, const struct campaign_estimate *es)
{
	struct campaign *c = r->hl->campaign;
	const char *cur = campaign_currency(c);
	char key[64];
	snprintf(key, sizeof key, "campaign.scope.%s", es->scope);
	buf_printf(b, "<section class=\"method\" id=\"est-%s\"><h3>", es->scope);
	buf_put_html(b, i18n_has("en", key) ? i18n_get(r->lang, key) : es->scope);
	buf_puts(b, "</h3><p>");
	buf_put_html(b, es->note);
	buf_puts(b, "</p><ol>");
	for (int bnd = 0; bnd < 3; bnd++) {
		snprintf(key, sizeof key, "campaign.bound.%s", bound_names[bnd]);
		buf_printf(b, "<li data-bound=\"%s\"><strong>", bound_names[bnd]);
		buf_put_html(b, i18n_get(r->lang, key));
		buf_puts(b, "</strong>: ");
		double src_yearly = es->total->value * es->multiplier * es->pv[bnd]->value /
		                    es->pv[CAMPAIGN_CENTRAL]->value;
		/* total × pv / pv_central */
		buf_put_html(b, fmt_figure(r, es->total->value));
		buf_puts(b, " ");
		buf_put_html(b, es->total->unit);
		buf_puts(b, " ");
		buf_put_html(b, es->total->currency);
		buf_printf(b, " (<a href=\"#src-%s\">", es->total->id);
		buf_put_html(b, es->total->id);
		buf_puts(b, "</a>) × ");
		buf_put_html(b, fmt_figure(r, es->pv[bnd]->value));
		buf_printf(b, " (<a href=\"#src-%s\">", es->pv[bnd]->id);
		buf_put_html(b, es->pv[bnd]->id);
		buf_puts(b, "</a>) ÷ ");
		buf_put_html(b, fmt_figure(r, es->pv[CAMPAIGN_CENTRAL]->value));
		buf_printf(b, " (<a href=\"#src-%s\">", es->pv[CAMPAIGN_CENTRAL]->id);
		buf_put_html(b, es->pv[CAMPAIGN_CENTRAL]->id);
		buf_puts(b, "</a>) = ");
		buf_put_html(b, fmt_figure(r, round(src_yearly)));
		buf_puts(b, " ");
		buf_put_html(b, es->total->currency);
		buf_puts(b, " ");
		buf_put_html(b, i18n_get(r->lang, "campaign.method.per_year"));
		/* × inflation */
		buf_puts(b, "; × ");
		buf_put_html(b, fmt_figure(r, es->inflation->value));
		buf_printf(b, " (<a href=\"#conv-%s\">", es->inflation->id);
		buf_put_html(b, es->inflation->id);
		buf_puts(b, "</a>)");
		/* exchange */
		if (es->fx) {
			bool divide = strcmp(es->fx->from, cur) == 0;
			buf_puts(b, divide ? " ÷ " : " × ");
			buf_put_html(b, fmt_figure(r, es->fx->value));
			buf_puts(b, " ");
			buf_put_html(b, es->fx->to);
			buf_puts(b, "/");
			buf_put_html(b, es->fx->from);
			buf_printf(b, " (<a href=\"#conv-%s\">", es->fx->id);
			buf_put_html(b, es->fx->id);
			buf_puts(b, "</a>)");
		}
		buf_puts(b, " = <span class=\"yearly\">");
		buf_put_html(b, fmt_figure(r, round(es->yearly[bnd])));
		buf_puts(b, "</span> ");
		buf_put_html(b, cur);
		buf_puts(b, " ");
		buf_put_html(b, i18n_get(r->lang, "campaign.method.per_year"));
		buf_puts(b, ".<ul>");
		for (const char *const *s = span_names; *s; s++) {
			const struct campaign_conversion *p = campaign_period(c, *s);
			double amount;
			campaign_amount(c, es->scope, *s, bnd, &amount);
			buf_printf(b, "<li data-span=\"%s\" data-exact=\"%.6f\">", *s, amount);
			buf_put_html(b, fmt_figure(r, round(es->yearly[bnd])));
			buf_puts(b, " ÷ ");
			buf_put_html(b, fmt_figure(r, p->value));
			buf_printf(b, " (<a href=\"#conv-%s\">", p->id);
			buf_put_html(b, p->id);
			buf_puts(b, "</a>) = ");
			buf_put_html(b, fmt_figure(r, round(amount)));
			buf_puts(b, " ");
			buf_put_html(b, cur);
			buf_puts(b, " ");
			snprintf(key, sizeof key, "campaign.per.%s", *s);
			buf_put_html(b, i18n_get(r->lang, key));
			buf_puts(b, " → ");
			buf_put_html(b, fmt_money(r, amount, cur));
			buf_puts(b, "</li>");
		}
		buf_puts(b, "</ul></li>");
	}
	buf_puts(b, "</ol></section>");
}

void public_campaign_methodology(struct req *r)
{
	if (!campaign_ready(r))
		return;
	struct campaign *c = r->hl->campaign;
	struct tpl_vars *v = campaign_vars(r, "/campaign/methodology");
	if (!v)
		return reply_error(r, 500, "internal");
	tpl_set(v, "title", i18n_get(r->lang, "campaign.method.title"));
	struct buf b;
	buf_init(&b, 4u << 20);
	const struct campaign_estimate *es;
	size_t ne = campaign_estimates(c, &es);
	for (size_t i = 0; i < ne; i++)
		method_estimate(r, &b, &es[i]);
	tpl_set(v, "estimates_html", arena_strdup(&r->arena, buf_str(&b)));

	/* conversions */
	buf_reset(&b);
	const struct campaign_conversion *cv;
	size_t nc = campaign_conversions(c, &cv);
	for (size_t i = 0; i < nc; i++) {
		buf_printf(&b, "<tr id=\"conv-");
		buf_put_html(&b, cv[i].id);
		buf_puts(&b, "\">");
		const char *cells[] = {cv[i].id,        cv[i].kind, cv[i].from,
		                       cv[i].to,        cv[i].year, fmt_figure(r, cv[i].value),
		                       cv[i].publisher, cv[i].title};
		for (size_t k = 0; k < sizeof cells / sizeof cells[0]; k++) {
			buf_puts(&b, "<td>");
			buf_put_html(&b, cells[k]);
			buf_puts(&b, "</td>");
		}
		buf_puts(&b, "<td>");
		if (*cv[i].url) {
			buf_puts(&b, "<a rel=\"noreferrer noopener\" href=\"");
			buf_put_html(&b, cv[i].url);
			buf_puts(&b, "\">");
			buf_put_html(&b, i18n_get(r->lang, "campaign.method.link"));
			buf_puts(&b, "</a>");
		}
		buf_puts(&b, "</td><td>");
		buf_put_html(&b, cv[i].check);
		buf_puts(&b, ": ");
		buf_put_html(&b, cv[i].check_note);
		buf_puts(&b, "</td><td>");
		buf_put_html(&b, cv[i].note);
		buf_puts(&b, "</td></tr>");
	}
	tpl_set(v, "conversions_html", arena_strdup(&r->arena, buf_str(&b)));

	/* every source */
	buf_reset(&b);
	const struct campaign_source *s;
	size_t ns = campaign_sources(c, &s);
	for (size_t i = 0; i < ns; i++) {
		buf_puts(&b, "<tr id=\"src-");
		buf_put_html(&b, s[i].id);
		buf_printf(&b, "\" data-role=\"%s\" data-check=\"", s[i].role);
		buf_put_html(&b, s[i].check);
		buf_puts(&b, "\"><td>");
		buf_put_html(&b, s[i].id);
		buf_puts(&b, "</td><td>");
		buf_put_html(&b, s[i].publisher);
		buf_puts(&b, "<br><a rel=\"noreferrer noopener\" href=\"");
		buf_put_html(&b, s[i].url);
		buf_puts(&b, "\">");
		buf_put_html(&b, s[i].title);
		buf_puts(&b, "</a>");
		if (*s[i].year) {
			buf_puts(&b, " (");
			buf_put_html(&b, s[i].year);
			buf_puts(&b, ")");
		}
		buf_puts(&b, "</td><td>");
		if (s[i].has_value) {
			buf_put_html(&b, fmt_figure(r, s[i].value));
			if (s[i].has_high) {
				buf_puts(&b, "–");
				buf_put_html(&b, fmt_figure(r, s[i].value_high));
			}
			buf_puts(&b, " ");
		}
		buf_put_html(&b, s[i].unit);
		if (*s[i].currency) {
			buf_puts(&b, " ");
			buf_put_html(&b, s[i].currency);
		}
		buf_puts(&b, "<br><small>");
		buf_put_html(&b, s[i].metric);
		buf_puts(&b, "</small></td>");
		const char *cells[] = {s[i].reference_year, s[i].scope, s[i].population, s[i].role};
		for (size_t k = 0; k < 4; k++) {
			buf_puts(&b, "<td>");
			buf_put_html(&b, cells[k]);
			buf_puts(&b, "</td>");
		}
		buf_puts(&b, "<td><strong>");
		buf_put_html(&b, s[i].check);
		buf_puts(&b, "</strong>: ");
		buf_put_html(&b, s[i].check_note);
		buf_puts(&b, "</td><td>");
		buf_put_html(&b, s[i].note);
		buf_puts(&b, "</td></tr>");
	}
	tpl_set(v, "sources_html", arena_strdup(&r->arena, buf_str(&b)));
	char n[32];
	snprintf(n, sizeof n, "%zu", ns);
	tpl_set(v, "source_count", arena_strdup(&r->arena, n));
	buf_free(&b);
	page_reply(r, 200, "campaign_methodology", v);
}

/* ---- /campaign/faq ------------------------------------------------------ */

/* Writes text with {placeholders} from the profile and [label](url) links
 * (http, https, mailto, tel or a path on this site), everything else
 * escaped. */
static void faq_inline(struct req *r, struct buf *b, const char *s, size_t n)
{
	const char *end = s + n;
	while (s < end) {
		if (*s == '{') {
			const char *close = memchr(s, '}', (size_t)(end - s));
			if (close && close - s < 40 &&
			    strspn(s + 1, "abcdefghijklmnopqrstuvwxyz_") ==
			        (size_t)(close - s - 1)) {
				char key[48];
				snprintf(key, sizeof key, "%.*s", (int)(close - s - 1), s + 1);
				const char *val = strcmp(key, "currency") == 0
				                      ? campaign_currency(r->hl->campaign)
				                      : profile_get(r->hl->profile, key, r->lang);
				buf_put_html(b, val);
				s = close + 1;
				continue;
			}
		}
		if (*s == '[') {
			const char *mid = memchr(s, ']', (size_t)(end - s));
			if (mid && mid + 1 < end && mid[1] == '(') {
				const char *close = memchr(mid, ')', (size_t)(end - mid));
				if (close) {
					char url[1024];
					snprintf(url, sizeof url, "%.*s", (int)(close - mid - 2),
					         mid + 2);
					/* {placeholders} in the address too */
					struct buf ub;
					buf_init(&ub, 2048);
					for (const char *p = url; *p; p++) {
						const char *cl;
						if (*p == '{' && (cl = strchr(p, '}')) &&
						    cl - p < 40) {
							char key[48];
							snprintf(key, sizeof key, "%.*s",
							         (int)(cl - p - 1), p + 1);
							buf_puts(&ub, profile_get(r->hl->profile,
							                          key, r->lang));
							p = cl;
						} else {
							buf_putc(&ub, *p);
						}
					}
					const char *u = buf_str(&ub);
					bool ok = campaign_url_valid(u) ||
					          (u[0] == '/' && u[1] != '/' &&
					           !strpbrk(u, " \"<>\\")) ||
					          ((strncmp(u, "mailto:", 7) == 0 ||
					            strncmp(u, "tel:", 4) == 0) &&
					           !strpbrk(u, " \"<>\\") && u[4]);
					if (ok) {
						buf_puts(b, "<a href=\"");
						buf_put_html(b, u);
						buf_puts(b,
						         u[0] == '/'
						             ? "\">"
						             : "\" rel=\"noreferrer noopener\">");
						faq_inline(r, b, s + 1, (size_t)(mid - s - 1));
						buf_puts(b, "</a>");
						buf_free(&ub);
						s = close + 1;
						continue;
					}
					buf_free(&ub);
				}
			}
		}
		char one[2] = {*s, 0};
		buf_put_html(b, one);
		s++;
	}
}

/* Renders the FAQ markup: "# " the title, "## " a question, "- " a list
 * item, blank lines end paragraphs. Returns the number of questions. */
static int faq_render(struct req *r, const char *text, struct buf *b, const char **title)
{
	int questions = 0;
	bool in_p = false, in_ul = false, in_q = false;
	*title = NULL;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *line = p;
		size_t l = len;
		if (l && line[l - 1] == '\r')
			l--;
		bool blank = l == 0 || strspn(line, " \t") >= l;
		if (blank || strncmp(line, "#", 1) == 0 || strncmp(line, "- ", 2) == 0) {
			if (in_p)
				buf_puts(b, "</p>");
			in_p = false;
		}
		if (!(strncmp(line, "- ", 2) == 0) && in_ul && !blank) {
			buf_puts(b, "</ul>");
			in_ul = false;
		}
		if (blank) {
			if (in_ul) {
				buf_puts(b, "</ul>");
				in_ul = false;
			}
		} else if (strncmp(line, "## ", 3) == 0) {
			if (in_q)
				buf_puts(b, "</section>");
			questions++;
			buf_printf(b, "<section class=\"faq-q\" id=\"q%d\"><h2>", questions);
			faq_inline(r, b, line + 3, l - 3);
			buf_puts(b, "</h2>");
			in_q = true;
		} else if (strncmp(line, "# ", 2) == 0) {
			if (!*title)
				*title = arena_strndup(&r->arena, line + 2, l - 2);
		} else if (strncmp(line, "- ", 2) == 0) {
			if (!in_ul)
				buf_puts(b, "<ul>");
			in_ul = true;
			buf_puts(b, "<li>");
			faq_inline(r, b, line + 2, l - 2);
			buf_puts(b, "</li>");
		} else {
			if (!in_p)
				buf_puts(b, "<p>");
			else
				buf_puts(b, " ");
			in_p = true;
			faq_inline(r, b, line, l);
		}
		p = nl ? nl + 1 : line + len;
	}
	if (in_p)
		buf_puts(b, "</p>");
	if (in_ul)
		buf_puts(b, "</ul>");
	if (in_q)
		buf_puts(b, "</section>");
	return questions;
}

void public_campaign_faq(struct req *r)
{
	if (!campaign_ready(r))
		return;
	struct tpl_vars *v = campaign_vars(r, "/campaign/faq");
	if (!v)
		return reply_error(r, 500, "internal");
	const char *text = campaign_faq(r->hl->campaign, r->lang);
	struct buf b;
	buf_init(&b, 1u << 20);
	const char *title = NULL;
	faq_render(r, text ? text : "", &b, &title);
	tpl_set(v, "title", title && *title ? title : i18n_get(r->lang, "campaign.faq.title"));
	tpl_set(v, "faq_html", arena_strdup(&r->arena, buf_str(&b)));
	buf_free(&b);
	page_reply(r, 200, "campaign_faq", v);
}

/* ---- /campaign/share.png ---------------------------------------------- */

void public_campaign_card(struct req *r)
{
	if (!campaign_ready(r))
		return;
	struct campaign *c = r->hl->campaign;
	const struct campaign_estimate *all;
	size_t ne = campaign_estimates(c, &all);
	const struct campaign_estimate *es = campaign_estimate(c, req_query(r, "scope"));
	if (!es)
		es = campaign_estimate(c, "world");
	if (!es)
		es = ne ? &all[0] : NULL;
	if (!es)
		return reply_error(r, 404, "not_found");
	double per_minute;
	campaign_amount(c, es->scope, "minute", CAMPAIGN_CENTRAL, &per_minute);
	char key[64];
	snprintf(key, sizeof key, "campaign.scope.%s", es->scope);
	char source[256];
	snprintf(source, sizeof source, "%s · %s %s · %s", i18n_get(r->lang, key),
	         es->total->publisher, es->total->reference_year,
	         i18n_get(r->lang, "campaign.card.estimate"));
	/* ILO's publisher field is long: keep the part before " (" */
	char *paren = strstr(source, " (");
	if (paren) {
		char *dot = strstr(paren, ") ");
		if (dot)
			memmove(paren, dot + 1, strlen(dot + 1) + 1);
	}
	const char *report = site_url(r, "/report");
	const char *web = profile_get(r->hl->profile, "org_website", NULL);
	char report_line[512];
	snprintf(report_line, sizeof report_line, "%s %s",
	         i18n_get(r->lang, "campaign.card.report"),
	         report[0] == '/' ? (*web ? web : report) : report);
	for (char *p = report_line; *p; p++) /* the scheme adds nothing on a card */
		if (strncmp(p, "https://", 8) == 0 || strncmp(p, "http://", 7) == 0) {
			size_t skip = p[4] == 's' ? 8 : 7;
			memmove(p, p + skip, strlen(p + skip) + 1);
			break;
		}
	char phone[256];
	snprintf(phone, sizeof phone, "%s %s", i18n_get(r->lang, "footer.phone"),
	         profile_get(r->hl->profile, "org_phone", NULL));
	struct campaign_card_line lines[] = {
	    {profile_get(r->hl->profile, "org_name", r->lang), 4, CARD_MUTED, 30},
	    {i18n_get(r->lang, "campaign.card.every_minute"), 5, CARD_TEXT, 10},
	    {fmt_money(r, per_minute, campaign_currency(c)), 12, CARD_ACCENT, 10},
	    {i18n_get(r->lang, "campaign.card.what"), 4, CARD_TEXT, 8},
	    {source, 3, CARD_MUTED, 30},
	    {report_line, 5, CARD_ACCENT, 6},
	    {phone, 4, CARD_TEXT, 0},
	};
	struct buf png;
	buf_init(&png, 4u << 20);
	if (campaign_card_png(lines, sizeof lines / sizeof lines[0], &png)) {
		buf_free(&png);
		return reply_error(r, 500, "internal");
	}
	reply_bytes(r, 200, "image/png", png.data, png.len);
	reply_header(r, "Cache-Control", "public, max-age=3600");
	buf_free(&png);
}

/* ---- raw data and script --------------------------------------------- */

void public_campaign_data(struct req *r)
{
	if (!campaign_ready(r))
		return;
	static const char *const files[] = {"sources.csv", "conversions.csv", "estimates.csv",
	                                    NULL};
	const char *name = pick(r->arg, files, NULL);
	size_t len = 0;
	const char *text = name ? campaign_file(r->hl->campaign, name, &len, NULL) : NULL;
	if (!text)
		return reply_error(r, 404, "not_found");
	reply_bytes(r, 200, "text/csv; charset=utf-8", text, len);
	reply_header(r, "Cache-Control", "public, max-age=3600");
}

void public_campaign_js(struct req *r)
{
	const struct embedded_file *f = embedded_find("web/static/campaign.js");
	if (!f)
		return reply_error(r, 404, "not_found");
	reply_bytes(r, 200, "text/javascript; charset=utf-8", f->data, f->len);
	reply_header(r, "Cache-Control", "public, max-age=3600");
}
