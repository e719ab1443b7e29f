/* stats.h — how fast online material comes down, and how much comes in.
 *
 * Figures are computed from the items' own timelines (one row per item,
 * indexed by first-report time) and the daily report counts the intake
 * keeps, never by scanning reports. Nothing personal is in them: counts,
 * durations, channels, classifications, countries and networks.
 *
 * Spans: 0 report -> assessment, 1 assessment -> notice, 2 notice ->
 * removal, 3 report -> removal (overall). Medians and 90th percentiles are
 * nearest-rank, in seconds; shares removed within 1, 3 and 7 days count
 * items assessed illegal, from first report to confirmed removal. */
#ifndef HL_STATS_H
#define HL_STATS_H

#include <jansson.h>
#include <stdint.h>

#include "buf.h"
#include "hotline.h"

#define STATS_SPANS 4
#define STATS_DIMS 4 /* channel, classification, country, network */

struct stats_row {
	const char *key;
	int64_t items, reports, illegal, removed, within[3]; /* 1, 3, 7 days */
	int64_t n[STATS_SPANS], p50[STATS_SPANS], p90[STATS_SPANS];
};

struct stats_period {
	char label[11]; /* YYYY-MM-DD or YYYY-MM */
	int64_t start;  /* the first second of the period that lies in [from, to) */
	int64_t items, reports;
};

struct stats {
	int64_t from, to; /* [from, to) seconds */
	struct stats_row overall;
	struct stats_row *by[STATS_DIMS];
	size_t nby[STATS_DIMS];
	struct stats_period *periods;
	size_t nperiods;
	bool monthly;
	struct stats_row *report_channels; /* reports by channel (all reports, from daily counts) */
	size_t nreport_channels;
	int64_t reports_total;
	void *mem; /* owned strings */
};

extern const char *const stats_dims[STATS_DIMS];   /* "channel", "classification", ... */
extern const char *const stats_spans[STATS_SPANS]; /* "report_to_assessment", ... */

/* Computes the figures for items first reported in [from, to). Free with
 * stats_free. Returns 0, HL_EIO, HL_ENOMEM. */
int stats_compute(struct hotline *hl, int64_t from, int64_t to, struct stats *out);
void stats_free(struct stats *s);
/* CSV (one header line, then one line per row) and JSON exports. */
int stats_csv(const struct stats *s, struct buf *out);
json_t *stats_json(const struct stats *s);

/* The median and the 90th percentile (nearest rank: the ceil(p/100 * n)-th
 * smallest) of v[0..n), which it reorders; 0 and 0 when n is 0. */
void stats_median_p90(int32_t *v, size_t n, int64_t *p50, int64_t *p90);

#endif
