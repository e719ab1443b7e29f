/* campaign.h — the awareness campaign's estimate calculator: its sources,
 * its conversions and the arithmetic from one to the other.
 *
 * Three CSV files and one FAQ file per language make up the campaign data
 * (data/campaign/ in the source tree, built into the binary):
 *   sources.csv      every published figure, with how it was checked
 *   conversions.csv  exchange rates, inflation and periods, each with a source
 *   estimates.csv    for each scope: the total and the three per-victim rows
 *   faq.<lang>.md    the FAQ in a small, safe markup
 * A hotline's own copy of any of them in DATA/campaign/ replaces the
 * shipped one. Loading validates everything: the first problem is reported
 * as "FILE: row N, column NAME: what is wrong", and `hotline serve` stops.
 *
 * The arithmetic, for one scope, bound b (low, central, high) and span:
 *   yearly[b] = total × unit multiplier × pv[b] / pv[central]
 *               × inflation factor × exchange factor (total's currency →
 *               the hotline's currency, rate of the total's data year)
 *   amount    = yearly[b] / (span's periods per year)
 * Nothing here depends on HTTP; the web layer formats and shows it. */
#ifndef HL_CAMPAIGN_H
#define HL_CAMPAIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "profile.h"

enum { CAMPAIGN_LOW = 0, CAMPAIGN_CENTRAL = 1, CAMPAIGN_HIGH = 2 };

/* One row of sources.csv. Strings are owned by the campaign. */
struct campaign_source {
	int row; /* line of the file where the record starts (header = 1) */
	const char *id, *publisher, *title, *year, *url, *metric, *unit, *currency, *reference_year,
	    *scope, *area, *population, *role, *check, *check_note, *note;
	double value, value_high;
	bool has_value, has_high;
};

/* One row of conversions.csv: 1 <from> = value <to> (fx), a factor
 * (inflation), or how many <from> make one year (period). */
struct campaign_conversion {
	int row;
	const char *id, *kind, *from, *to, *year, *publisher, *title, *url, *check, *check_note,
	    *note;
	double value;
};

/* One row of estimates.csv, resolved and computed. */
struct campaign_estimate {
	const char *scope; /* "world", "europe" ... */
	const char *note;
	const struct campaign_source *total;
	const struct campaign_source *pv[3];  /* per-victim profit: low, central, high */
	const struct campaign_conversion *fx; /* NULL when no exchange is needed */
	const struct campaign_conversion *inflation;
	double multiplier; /* of the total's unit: 1e9 for "billion ..." */
	double fx_factor;  /* total's currency → the hotline's currency */
	double yearly[3];  /* in the hotline's currency */
};

struct campaign;

/* Loads and validates the campaign data: each file from DATA/campaign/
 * when present there, else the shipped one. profile gives "currency"
 * (default EUR) and the campaign dates (campaign_start, campaign_end:
 * YYYY-MM-DD, both or neither). On failure returns HL_EINVAL (or
 * HL_EIO/HL_ENOMEM) and writes the first problem to err as
 * "FILE: row N, column NAME: message". The caller frees *out with
 * campaign_free. data_dir may be NULL (shipped files only). */
int campaign_load(const char *data_dir, const struct profile *profile, struct campaign **out,
                  char *err, size_t errlen);
void campaign_free(struct campaign *c);

/* The hotline's currency code ("EUR"). */
const char *campaign_currency(const struct campaign *c);
/* Sources and conversions in file order. */
size_t campaign_sources(const struct campaign *c, const struct campaign_source **out);
size_t campaign_conversions(const struct campaign *c, const struct campaign_conversion **out);
size_t campaign_estimates(const struct campaign *c, const struct campaign_estimate **out);
const struct campaign_estimate *campaign_estimate(const struct campaign *c, const char *scope);
const struct campaign_source *campaign_source_find(const struct campaign *c, const char *id);
/* The period row for span ("second", "minute", "hour", "day", "year"), or
 * NULL when the conversions file has none. */
const struct campaign_conversion *campaign_period(const struct campaign *c, const char *span);
/* The amount for scope, span and bound in the hotline's currency. Returns
 * 0, or HL_ENOTFOUND for an unknown scope or span. */
int campaign_amount(const struct campaign *c, const char *scope, const char *span, int bound,
                    double *out);
/* The FAQ text of lang (the raw markup), or NULL. */
const char *campaign_faq(const struct campaign *c, const char *lang);
/* The text of a data file as loaded ("sources.csv", "conversions.csv",
 * "estimates.csv"), and where it came from (a path, or "shipped"). */
const char *campaign_file(const struct campaign *c, const char *name, size_t *len,
                          const char **origin);

/* True when now falls within [start, end] (YYYY-MM-DD, whole local days,
 * both inclusive). False when either is empty or malformed. */
bool campaign_dates_active(const char *start, const char *end, time_t now);
/* True when s is a real calendar date written YYYY-MM-DD. */
bool campaign_date_valid(const char *s);

/* Parses a decimal figure as written in the files: digits with at most one
 * '.', an optional leading '-'; no exponent, no thousands separators.
 * Returns true and *out. */
bool campaign_number_parse(const char *s, double *out);
/* True when s is an absolute http(s) URL with a plausible host and no
 * spaces, quotes, angle brackets or control characters. */
bool campaign_url_valid(const char *s);

#endif
